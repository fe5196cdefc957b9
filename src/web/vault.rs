//! [`KeyVault`] over WebCrypto: session keys sealed with AES-GCM under a non-extractable
//! `CryptoKey` (kept in IndexedDB, or only in this page when the browser cannot store one).

use web_sys::CryptoKey;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::session::EncryptedKey;
use crate::store::BoxFuture;
use crate::vault::KeyVault;
use crate::web::webcrypto;

/// The wrapping key.
pub struct WebVault(pub CryptoKey);

impl KeyVault for WebVault {
    fn seal<'a>(&'a self, id: &'a str, secret: &'a [u8; 32]) -> BoxFuture<'a, EncryptedKey> {
        Box::pin(webcrypto::encrypt_key(&self.0, id, secret))
    }

    fn open<'a>(&'a self, id: &'a str, sealed: &'a EncryptedKey) -> BoxFuture<'a, Zeroizing<[u8; 32]>> {
        Box::pin(async move {
            let bytes = webcrypto::decrypt_key(&self.0, id, sealed).await?;
            let mut out = Zeroizing::new([0u8; 32]);
            if bytes.len() != 32 {
                return Err(Error::DecryptFailed { id: id.into() });
            }
            out.copy_from_slice(&bytes);
            Ok(out)
        })
    }
}
