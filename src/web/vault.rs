//! [`KeyVault`] over WebCrypto: secp256k1 session keys sealed with AES-GCM under a
//! non-extractable `CryptoKey`, and `p256-webcrypto` session keys made by WebCrypto as
//! non-extractable `CryptoKey`s and kept as such: in IndexedDB (`p256Keys`, by session id), or only
//! in this page when the browser cannot store a `CryptoKey` (the store's memory fallback).

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{CryptoKey, IdbDatabase, IdbTransactionMode};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::session::EncryptedKey;
use crate::store::BoxFuture;
use crate::vault::{held_key, KeyVault};
use crate::web::idb::{self, storage, Done};
use crate::web::webcrypto;
use crate::webauthn::P256PublicKey;

/// The record's `key.alg` of a P-256 key this vault holds.
pub const P256_ALG: &str = "webcrypto-p256";

/// Where the P-256 `CryptoKey`s live.
pub enum P256Keys {
    /// The database's `p256Keys` object store: they survive a reload.
    Idb(IdbDatabase),
    /// This page's memory (the browser cannot store a `CryptoKey`): gone on reload.
    Memory(RefCell<Vec<(String, CryptoKey)>>),
}

/// The wrapping key, and the P-256 keys.
pub struct WebVault {
    wrap: CryptoKey,
    p256: P256Keys,
}

impl WebVault {
    /// A vault over the wrapping key `wrap`, keeping P-256 keys in `p256`.
    pub fn new(wrap: CryptoKey, p256: P256Keys) -> Self {
        Self { wrap, p256 }
    }

    /// The stored `CryptoKey` of session `id`, if any (tests read it to try exporting it).
    pub async fn p256_key(&self, id: &str) -> Result<Option<CryptoKey>> {
        match &self.p256 {
            P256Keys::Memory(keys) => Ok(keys.borrow().iter().find(|(k, _)| k == id).map(|(_, key)| key.clone())),
            P256Keys::Idb(db) => {
                let op = "read session key";
                let tx = idb::transaction(db, &[idb::P256_KEYS], IdbTransactionMode::Readonly).map_err(storage(op))?;
                let store = tx.object_store(idb::P256_KEYS).map_err(storage(op))?;
                let v = idb::request(&store.get(&id.into()).map_err(storage(op))?).await.map_err(storage(op))?;
                Ok(v.dyn_into::<CryptoKey>().ok())
            }
        }
    }

    async fn keep(&self, id: &str, key: &CryptoKey) -> Result<()> {
        match &self.p256 {
            P256Keys::Memory(keys) => {
                keys.borrow_mut().push((id.to_string(), key.clone()));
                Ok(())
            }
            P256Keys::Idb(db) => {
                let op = "store session key";
                let tx = idb::transaction(db, &[idb::P256_KEYS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
                let done = Done::new(&tx);
                let store = tx.object_store(idb::P256_KEYS).map_err(storage(op))?;
                let req = store.put_with_key(key, &id.into()).map_err(storage(op))?;
                idb::request(&req).await.map_err(storage(op))?;
                done.wait().await.map_err(storage(op))
            }
        }
    }

    async fn drop_key(&self, id: &str) -> Result<()> {
        match &self.p256 {
            P256Keys::Memory(keys) => {
                keys.borrow_mut().retain(|(k, _)| k != id);
                Ok(())
            }
            P256Keys::Idb(db) => {
                let op = "delete session key";
                let tx = idb::transaction(db, &[idb::P256_KEYS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
                let done = Done::new(&tx);
                let store = tx.object_store(idb::P256_KEYS).map_err(storage(op))?;
                idb::request(&store.delete(&id.into()).map_err(storage(op))?).await.map_err(storage(op))?;
                done.wait().await.map_err(storage(op))
            }
        }
    }
}

impl KeyVault for WebVault {
    fn seal<'a>(&'a self, id: &'a str, secret: &'a [u8; 32]) -> BoxFuture<'a, EncryptedKey> {
        Box::pin(webcrypto::encrypt_key(&self.wrap, id, secret))
    }

    fn open<'a>(&'a self, id: &'a str, sealed: &'a EncryptedKey) -> BoxFuture<'a, Zeroizing<[u8; 32]>> {
        Box::pin(async move {
            let bytes = webcrypto::decrypt_key(&self.wrap, id, sealed).await?;
            let mut out = Zeroizing::new([0u8; 32]);
            if bytes.len() != 32 {
                return Err(Error::DecryptFailed { id: id.into() });
            }
            out.copy_from_slice(&bytes);
            Ok(out)
        })
    }

    fn create_p256<'a>(&'a self, id: &'a str) -> BoxFuture<'a, (P256PublicKey, EncryptedKey)> {
        Box::pin(async move {
            let (private, public) = webcrypto::generate_p256_key().await?;
            let public = P256PublicKey::from_bytes(&public)?;
            self.keep(id, &private).await?;
            Ok((public, held_key(P256_ALG)))
        })
    }

    fn sign_p256<'a>(&'a self, id: &'a str, held: &'a EncryptedKey, message: &'a [u8]) -> BoxFuture<'a, [u8; 64]> {
        Box::pin(async move {
            if held.alg != P256_ALG {
                return Err(Error::DecryptFailed { id: id.into() });
            }
            // Gone with the site's data, or made by another database: this vault cannot sign.
            let key = self.p256_key(id).await?.ok_or_else(|| Error::DecryptFailed { id: id.into() })?;
            webcrypto::sign_p256(&key, message).await
        })
    }

    fn forget<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(self.drop_key(id))
    }
}
