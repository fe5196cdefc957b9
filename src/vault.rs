//! A session key at rest: the [`KeyVault`] trait seals the 32 key bytes into the record's
//! [`EncryptedKey`] and opens them again, so no store ever holds a key in plaintext.
//!
//! The browser's vault (`web::vault`) encrypts with a non-extractable WebCrypto AES-GCM key;
//! [`MemoryVault`] keeps the bytes in this process's memory and puts only a reference in the
//! record (tests and servers that hold session keys for as long as they run).

use std::cell::RefCell;
use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::json::{HexBytes, HexFixed};
use crate::session::EncryptedKey;
use crate::store::BoxFuture;

/// Seals and opens session keys. `id` is the session id: a sealed key is bound to it.
pub trait KeyVault {
    /// Seal the key bytes of session `id`.
    fn seal<'a>(&'a self, id: &'a str, secret: &'a [u8; 32]) -> BoxFuture<'a, EncryptedKey>;
    /// Open the key of session `id`; `DECRYPT_FAILED` when it cannot be (wrong vault, wiped
    /// wrapping key, moved ciphertext).
    fn open<'a>(&'a self, id: &'a str, sealed: &'a EncryptedKey) -> BoxFuture<'a, Zeroizing<[u8; 32]>>;
    /// Drop whatever the vault itself holds for session `id` (revoked or deleted).
    fn forget(&self, _id: &str) {}
}

/// The `alg` of a key that only a [`MemoryVault`] can open.
pub const MEMORY_ALG: &str = "memory";

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
        let sealed =
            EncryptedKey { alg: MEMORY_ALG.into(), iv: HexFixed(Default::default()), ciphertext: HexBytes::default() };
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

    fn forget(&self, id: &str) {
        self.keys.borrow_mut().remove(id);
    }
}
