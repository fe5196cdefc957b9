//! Exports viem has too (`getUserOperationHash`, `toPackedUserOperation`, `hashAuthorization`):
//! in the full entry, which imports no viem, and not in `mav2-session-keys/core`, whose apps
//! already ship viem's (the core entry carries only what viem lacks).

use wasm_bindgen::prelude::*;

use super::codec::{entry_point, JsAddress};
use super::convert::{options_value, read_js, read_options, to_js};
use crate::json;
use crate::read;
use crate::user_op::UserOperation;

/// The v0.7 userOpHash (`EntryPoint.getUserOpHash`).
#[wasm_bindgen(js_name = userOperationHash, unchecked_return_type = "Hex")]
pub fn user_operation_hash(
    #[wasm_bindgen(js_name = userOp, unchecked_param_type = "UserOperation")] user_op: JsValue,
    #[wasm_bindgen(js_name = chainId, unchecked_param_type = "Quantity")] chain_id: JsValue,
    #[wasm_bindgen(js_name = entryPoint)] entry_point_arg: Option<JsAddress>,
) -> Result<String, JsValue> {
    let op = read_js(&user_op, "userOp", UserOperation::read)?;
    let chain = read_js(&chain_id, "chainId", read::u64_number)?;
    Ok(json::hex(op.hash(chain, entry_point(&entry_point_arg)?)?))
}

/// The v0.7 `PackedUserOperation` fields, as hex.
#[wasm_bindgen(js_name = packUserOperation, unchecked_return_type = "PackedUserOperation")]
pub fn pack_user_operation(
    #[wasm_bindgen(js_name = userOp, unchecked_param_type = "UserOperation")] user_op: JsValue,
) -> Result<JsValue, JsValue> {
    let op = read_js(&user_op, "userOp", UserOperation::read)?;
    op.check()?;
    Ok(to_js(&op.packed_value())?)
}

/// The hash an EOA signs to delegate its code (EIP-7702: `keccak256(0x05 ‖ rlp([chainId,
/// address, nonce]))`, viem's `hashAuthorization`), for an app's own signer; the signed result
/// goes to `sendCalls` / `grantSession` as `authorization`.
#[wasm_bindgen(js_name = hashAuthorization, unchecked_return_type = "Hex")]
pub fn hash_authorization(
    #[wasm_bindgen(
        unchecked_param_type = "{ chainId: Quantity; nonce: Quantity } & ({ address: Address } | { contractAddress: Address })"
    )]
    authorization: JsValue,
) -> Result<String, JsValue> {
    let data = options_value(&authorization, "authorization")?;
    let (chain_id, address, nonce) =
        read_options(&data, "authorization", &["chainId", "address", "contractAddress", "nonce"], |f| {
            let key = crate::eip7702::address_key(f)?;
            Ok((f.req("chainId", read::u64_number)?, f.req(key, read::address)?, f.req("nonce", read::u64_number)?))
        })?;
    Ok(json::hex(crate::eip7702::authorization_hash(chain_id, address, nonce)))
}
