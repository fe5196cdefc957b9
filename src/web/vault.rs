//! [`KeyVault`] over WebCrypto: secp256k1 session keys sealed with AES-GCM under a
//! non-extractable `CryptoKey`, and `p256-webcrypto` session keys made by WebCrypto as
//! non-extractable `CryptoKey`s and kept as such: in IndexedDB (`p256Keys`, by session id), or only
//! in this page when the browser cannot store a `CryptoKey` (the store's memory fallback).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::{JsCast, JsValue};
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
        Ok(self.p256_op(id, Op::Get).await?.dyn_into::<CryptoKey>().ok())
    }

    /// One read, write or delete of `id` in the P-256 keys: one IndexedDB transaction (boxed:
    /// one copy for the three).
    fn p256_op<'a>(&'a self, id: &'a str, op: Op<'a>) -> Pin<Box<dyn Future<Output = Result<JsValue>> + 'a>> {
        Box::pin(async move {
            let db = match &self.p256 {
                P256Keys::Idb(db) => db,
                P256Keys::Memory(keys) => {
                    let mut keys = keys.borrow_mut();
                    let found = keys.iter().position(|(k, _)| k == id);
                    return Ok(match (op, found) {
                        (Op::Get, Some(i)) => keys[i].1.clone().into(),
                        (Op::Put(key), _) => {
                            keys.push((id.to_string(), key.clone()));
                            JsValue::UNDEFINED
                        }
                        (Op::Delete, Some(i)) => {
                            keys.swap_remove(i);
                            JsValue::UNDEFINED
                        }
                        _ => JsValue::UNDEFINED,
                    });
                }
            };
            let (name, mode) = match op {
                Op::Get => ("read session key", IdbTransactionMode::Readonly),
                Op::Put(_) => ("store session key", IdbTransactionMode::Readwrite),
                Op::Delete => ("delete session key", IdbTransactionMode::Readwrite),
            };
            let tx = idb::transaction(db, &[idb::P256_KEYS], mode).map_err(storage(name))?;
            let done = Done::new(&tx);
            let store = tx.object_store(idb::P256_KEYS).map_err(storage(name))?;
            let key = JsValue::from_str(id);
            let req = match op {
                Op::Get => store.get(&key),
                Op::Put(k) => store.put_with_key(k, &key),
                Op::Delete => store.delete(&key),
            }
            .map_err(storage(name))?;
            let v = idb::request(&req).await.map_err(storage(name))?;
            done.await.map_err(storage(name))?;
            Ok(v)
        })
    }
}

/// What [`WebVault::p256_op`] does.
#[derive(Clone, Copy)]
enum Op<'a> {
    Get,
    Put(&'a CryptoKey),
    Delete,
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
            self.p256_op(id, Op::Put(&private)).await?;
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
        Box::pin(async move { self.p256_op(id, Op::Delete).await.map(|_| ()) })
    }
}
