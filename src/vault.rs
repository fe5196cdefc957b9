//! A session key at rest: the [`KeyVault`] trait seals the 32 bytes of a secp256k1 key into the
//! record's [`EncryptedKey`] and opens them again, so no store ever holds a key in plaintext; and
//! it makes and uses P-256 keys whose bytes never leave it (`p256-webcrypto` sessions).
//!
//! The browser's vault (`web::vault`) encrypts with a non-extractable WebCrypto AES-GCM key and
//! makes P-256 keys as non-extractable `CryptoKey`s; [`MemoryVault`] keeps the bytes in this
//! process's memory and puts only a reference in the record (tests and servers that hold session
//! keys for as long as they run), and makes no P-256 keys.

use std::cell::RefCell;
use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::json::{HexBytes, HexFixed};
use crate::session::{EncryptedKey, KeyKind};
use crate::store::BoxFuture;
use crate::webauthn::P256PublicKey;

/// Seals and opens session keys, and holds P-256 keys. `id` is the session id: a sealed or held
/// key is bound to it.
pub trait KeyVault {
    /// Seal the key bytes of session `id`.
    fn seal<'a>(&'a self, id: &'a str, secret: &'a [u8; 32]) -> BoxFuture<'a, EncryptedKey>;
    /// Open the key of session `id`; `DECRYPT_FAILED` when it cannot be (wrong vault, wiped
    /// wrapping key, moved ciphertext).
    fn open<'a>(&'a self, id: &'a str, sealed: &'a EncryptedKey) -> BoxFuture<'a, Zeroizing<[u8; 32]>>;
    /// Make a P-256 key pair for session `id` whose private half never leaves the vault, and keep
    /// it. Returns its public key and the reference the record holds. A vault that cannot keep
    /// such a key refuses with `KEY_KIND_UNSUPPORTED`.
    fn create_p256<'a>(&'a self, id: &'a str) -> BoxFuture<'a, (P256PublicKey, EncryptedKey)> {
        let _ = id;
        Box::pin(async { Err(p256_unsupported()) })
    }
    /// ECDSA P-256 with SHA-256 over `message` (the vault hashes it) by session `id`'s key:
    /// 64 bytes `r ‖ s`, `s` high or low. `DECRYPT_FAILED` when the vault no longer holds it.
    fn sign_p256<'a>(&'a self, id: &'a str, held: &'a EncryptedKey, message: &'a [u8]) -> BoxFuture<'a, [u8; 64]> {
        let _ = (id, held, message);
        Box::pin(async { Err(p256_unsupported()) })
    }
    /// Drop whatever the vault itself holds for session `id` (revoked or deleted). Async: a
    /// browser vault deletes a stored `CryptoKey`.
    fn forget<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        let _ = id;
        Box::pin(async { Ok(()) })
    }
}

/// What a vault without P-256 keys answers.
pub fn p256_unsupported() -> Error {
    Error::KeyKindUnsupported {
        key_kind: KeyKind::P256WebCrypto.as_str(),
        detail: "this key vault cannot make or hold P-256 keys (a browser's SessionKeyStore can)".into(),
    }
}

/// The `alg` of a key that only a [`MemoryVault`] can open.
pub const MEMORY_ALG: &str = "memory";

/// The record's key field when the vault holds the key itself: `alg` and no bytes.
pub fn held_key(alg: &str) -> EncryptedKey {
    EncryptedKey { alg: alg.into(), iv: HexFixed(Default::default()), ciphertext: HexBytes::default() }
}

/// Keys in this process's memory (zeroized on drop); the record holds none of their bytes.
#[derive(Default)]
pub struct MemoryVault {
    keys: RefCell<BTreeMap<String, Zeroizing<[u8; 32]>>>,
}

impl std::fmt::Debug for MemoryVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryVault").field("keys", &self.keys.borrow().len()).finish()
    }
}

impl MemoryVault {
    /// An empty vault.
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyVault for MemoryVault {
    fn seal<'a>(&'a self, id: &'a str, secret: &'a [u8; 32]) -> BoxFuture<'a, EncryptedKey> {
        self.keys.borrow_mut().insert(id.to_string(), Zeroizing::new(*secret));
        let sealed = held_key(MEMORY_ALG);
        Box::pin(async move { Ok(sealed) })
    }

    fn open<'a>(&'a self, id: &'a str, sealed: &'a EncryptedKey) -> BoxFuture<'a, Zeroizing<[u8; 32]>> {
        let r = if sealed.alg != MEMORY_ALG {
            Err(Error::DecryptFailed { id: id.into() })
        } else {
            self.keys.borrow().get(id).cloned().ok_or_else(|| Error::DecryptFailed { id: id.into() })
        };
        Box::pin(async move { r })
    }

    fn forget<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        self.keys.borrow_mut().remove(id);
        Box::pin(async { Ok(()) })
    }
}
