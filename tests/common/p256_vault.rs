//! A key vault for native tests that makes P-256 keys as the browser's does: the `p256` crate in
//! place of WebCrypto (`tests/service.rs`, `tests/e2e_7702.rs`; pulled in with
//! `#[path = "common/p256_vault.rs"] mod p256_vault;`).
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use alloy_primitives::U256;
use mav2_session_keys::error::Error;
use mav2_session_keys::session::EncryptedKey;
use mav2_session_keys::store::BoxFuture;
use mav2_session_keys::vault::{held_key, KeyVault, MemoryVault};
use mav2_session_keys::webauthn::{self, P256PublicKey};
use p256::ecdsa::signature::Signer;

/// The browser's vault, natively: secp256k1 keys kept as `MemoryVault` keeps them, P-256 keys
/// made and used by the `p256` crate inside the vault (the stand-in of a non-extractable
/// `CryptoKey`: no method gives its bytes out). Every other P-256 signature comes with a high `s`,
/// as WebCrypto's may.
#[derive(Default)]
pub struct TestVault {
    /// The secp256k1 keys.
    pub memory: MemoryVault,
    /// The P-256 keys, by session id.
    pub p256: RefCell<BTreeMap<String, p256::ecdsa::SigningKey>>,
    /// How many P-256 signatures it made.
    pub signed: Cell<u32>,
}

/// The record's `key.alg` of a P-256 key this vault holds.
pub const TEST_P256_ALG: &str = "test-p256";

impl KeyVault for TestVault {
    fn seal<'a>(&'a self, id: &'a str, secret: &'a [u8; 32]) -> BoxFuture<'a, EncryptedKey> {
        self.memory.seal(id, secret)
    }
    fn open<'a>(&'a self, id: &'a str, sealed: &'a EncryptedKey) -> BoxFuture<'a, zeroize::Zeroizing<[u8; 32]>> {
        self.memory.open(id, sealed)
    }
    fn create_p256<'a>(&'a self, id: &'a str) -> BoxFuture<'a, (P256PublicKey, EncryptedKey)> {
        let key = p256::ecdsa::SigningKey::from_slice(alloy_primitives::keccak256(id.as_bytes()).as_slice()).unwrap();
        let public = P256PublicKey::from_bytes(key.verifying_key().to_encoded_point(false).as_bytes()).unwrap();
        self.p256.borrow_mut().insert(id.to_string(), key);
        Box::pin(async move { Ok((public, held_key(TEST_P256_ALG))) })
    }
    fn sign_p256<'a>(&'a self, id: &'a str, held: &'a EncryptedKey, message: &'a [u8]) -> BoxFuture<'a, [u8; 64]> {
        let keys = self.p256.borrow();
        let r = match keys.get(id).filter(|_| held.alg == TEST_P256_ALG) {
            None => Err(Error::DecryptFailed { id: id.into() }),
            Some(key) => {
                let sig: p256::ecdsa::Signature = key.sign(message);
                let mut out: [u8; 64] = sig.to_bytes().into();
                self.signed.set(self.signed.get() + 1);
                let s = U256::from_be_slice(&out[32..]);
                if self.signed.get() % 2 == 0 && s <= webauthn::N >> 1 {
                    out[32..].copy_from_slice(&(webauthn::N - s).to_be_bytes::<32>());
                }
                Ok(out)
            }
        };
        Box::pin(async move { r })
    }
    fn forget<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        self.p256.borrow_mut().remove(id);
        self.memory.forget(id)
    }
}
