//! `SessionKey`: a secp256k1 session key held in wasm memory, for apps that keep and send
//! sessions themselves (the `mav2-session-keys/core` entry has no store). The key leaves the wasm
//! only through `exportPrivateKey`; `free()` wipes it.

use alloy_primitives::Address;
use wasm_bindgen::prelude::*;

use super::convert::{from_js, opt_options_data, read_js, read_options};
use crate::addresses::ENTRY_POINT_V07;
use crate::error::Error;
use crate::json::{self, Secret32};
use crate::key;
use crate::read;
use crate::sign;
use crate::user_op::UserOperation;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of `SessionKey.signUserOperation`. */
export interface SignUserOperationOptions {
  /** EntryPoint; v0.7 when absent. */
  entryPoint?: Address;
  /** The `deferredActionDigest` result: put in front of the first operation of a deferred grant. */
  deferredAction?: Hex;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `SignUserOperationOptions`, checked in Rust.
    #[wasm_bindgen(typescript_type = "SignUserOperationOptions")]
    pub type JsSignOptions;
}

/// A session key inside the wasm: sign user operations with it without the key crossing into JS.
#[wasm_bindgen(js_name = SessionKey)]
pub struct JsSessionKey {
    key: key::SessionKey,
}

#[wasm_bindgen(js_class = SessionKey)]
impl JsSessionKey {
    /// A fresh key from the platform CSPRNG (`crypto.getRandomValues`).
    pub fn generate() -> Result<JsSessionKey, JsValue> {
        Ok(JsSessionKey { key: key::SessionKey::generate()? })
    }

    /// A key from its 32 secret bytes (`0x` hex), e.g. one kept by the app since `exportPrivateKey`.
    #[wasm_bindgen(js_name = fromPrivateKey)]
    pub fn from_private_key(
        #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "Hex")] private_key: JsValue,
    ) -> Result<JsSessionKey, JsValue> {
        Ok(JsSessionKey { key: private_key_arg(&private_key)? })
    }

    /// The key's address (EIP-55), the `sessionKey` of a grant.
    #[wasm_bindgen(getter, unchecked_return_type = "Address")]
    pub fn address(&self) -> String {
        json::address(&self.key.address())
    }

    /// Sign a user operation: the packed MAv2 signature `0xFF ‖ 0x00 ‖ r ‖ s ‖ v`, with
    /// `options.deferredAction` (the `deferredActionDigest` result, the SDK's `deferredAction`) in
    /// front for the first operation of a deferred grant. `options.entryPoint` defaults to v0.7.
    #[wasm_bindgen(js_name = signUserOperation, unchecked_return_type = "Hex")]
    pub fn sign_user_operation(
        &self,
        #[wasm_bindgen(js_name = userOp, unchecked_param_type = "UserOperation")] user_op: JsValue,
        #[wasm_bindgen(js_name = chainId, unchecked_param_type = "Quantity")] chain_id: JsValue,
        options: Option<JsSignOptions>,
    ) -> Result<String, JsValue> {
        let data = opt_options_data(options.as_deref().unwrap_or(&JsValue::UNDEFINED), "options")?;
        let (entry_point, deferred) = read_options(&data, "options", &["entryPoint", "deferredAction"], |f| {
            Ok((f.opt("entryPoint", read::address)?, f.opt("deferredAction", read::bytes)?))
        })?;
        // The SDK's `deferredAction` (the `deferredActionDigest` result): its on-chain part, without
        // the flag byte and nonce, goes in front of the signature.
        let prefix = match &deferred {
            Some(digest) => Some(crate::deferred::split_deferred_action(digest)?.2),
            None => None,
        };
        Ok(sign_js(
            &self.key,
            &user_op,
            &chain_id,
            entry_point.unwrap_or(ENTRY_POINT_V07),
            prefix.as_ref().map(|d| d.as_ref()),
        )?)
    }

    /// The 32 secret bytes as `0x` hex: the one way the key leaves the wasm. Store it as a secret.
    #[wasm_bindgen(js_name = exportPrivateKey, unchecked_return_type = "Hex")]
    pub fn export_private_key(&self) -> String {
        json::hex(self.key.export_secret().as_slice())
    }
}

/// A `privateKey` argument: 32 bytes of `0x` hex that are a valid secp256k1 scalar.
pub(super) fn private_key_arg(v: &JsValue) -> Result<key::SessionKey, Error> {
    let secret: Secret32 = from_js(v, "privateKey")?;
    key::SessionKey::from_bytes(secret.0.as_slice(), "privateKey")
}

/// Read `userOp` and `chainId` and sign: the one body of `SessionKey.signUserOperation` and
/// `signUserOperationWithKey` (not inlined into both).
#[inline(never)]
pub(super) fn sign_js(
    key: &key::SessionKey,
    user_op: &JsValue,
    chain_id: &JsValue,
    entry_point: Address,
    deferred_prefix: Option<&[u8]>,
) -> Result<String, Error> {
    let op = read_js(user_op, "userOp", UserOperation::read)?;
    let chain_id = read_js(chain_id, "chainId", read::u64_number)?;
    Ok(json::hex(sign::sign_user_operation(key, &op, chain_id, entry_point, deferred_prefix)?))
}
