//! JS exports of the pure core: encoders, hashes and signing with an explicitly passed key.
//!
//! Each export is parse → one core call → convert. Names and shapes are the ones web apps know
//! from viem and Alchemy's SDK: hex strings in and out, `bigint` accepted for numbers.

use alloy_primitives::Address;
use wasm_bindgen::prelude::*;

use super::convert::{from_js, options_value, read_js, to_js};
use crate::account::{self, AccountRequest};
use crate::addresses::ENTRY_POINT_V07;
use crate::calls::{self, CallRequest};
use crate::deferred::{self, DeferredInstallRequest};
use crate::error::Error;
use crate::install::{self, SessionInstallRequest, SessionUninstallRequest};
use crate::json::{self, Addr, HexBytes};
use crate::nonce::{self, NonceKeyRequest};
use crate::sign;

/// Wall clock in unix seconds (expiry checks).
fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

#[wasm_bindgen]
extern "C" {
    /// An `Address` argument taken as any JS value and checked in Rust (typed optional argument).
    #[wasm_bindgen(typescript_type = "Address")]
    pub type JsAddress;
}

/// Optional trailing `entryPoint` argument; EntryPoint v0.7 when absent. Taken as a JS value
/// (not `Option<String>`): wasm-bindgen's string glue traps on a non-string.
pub(super) fn entry_point(v: &Option<JsAddress>) -> Result<Address, Error> {
    match v {
        Some(v) if !v.is_undefined() && !v.is_null() => Ok(from_js::<Addr>(v, "entryPoint")?.0),
        _ => Ok(ENTRY_POINT_V07),
    }
}

/// A required boolean argument, checked (wasm-bindgen's `bool` would coerce `"yes"` to false).
fn bool_arg(v: &JsValue, name: &str) -> Result<bool, Error> {
    match v.as_bool() {
        Some(b) => Ok(b),
        None if v.is_undefined() || v.is_null() => {
            Err(Error::input(name, crate::error::InputRule::Missing, "is required (true or false)"))
        }
        None => Err(Error::input(name, crate::error::InputRule::Type, "expected true or false")),
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** `0x`-prefixed hex, as viem writes it. */
export type Hex = `0x${string}`;
/** A 20-byte address; mixed case must carry a valid EIP-55 checksum. */
export type Address = `0x${string}`;
/** A non-negative integer: bigint, safe-integer number, `0x` hex or decimal string. */
export type Quantity = bigint | number | Hex | string;

/** ERC-7769 / viem v0.7 user operation. */
export interface UserOperation {
  sender: Address; nonce: Quantity;
  factory?: Address; factoryData?: Hex;
  callData: Hex;
  callGasLimit: Quantity; verificationGasLimit: Quantity; preVerificationGas: Quantity;
  maxFeePerGas: Quantity; maxPriorityFeePerGas: Quantity;
  paymaster?: Address; paymasterVerificationGasLimit?: Quantity; paymasterPostOpGasLimit?: Quantity; paymasterData?: Hex;
  signature?: Hex;
}

/** Alchemy PermissionBuilder permission objects (`@account-kit/smart-contracts`). */
export type Permission =
  | { type: "native-token-transfer"; data: { allowance: Quantity } }
  | { type: "erc20-token-transfer"; data: { address: Address; allowance: Quantity } }
  | { type: "gas-limit"; data: { limit: Quantity } }
  | { type: "contract-access"; data: { address: Address } }
  | { type: "account-functions"; data: { functions: Hex[] } }
  | { type: "functions-on-all-contracts"; data: { functions: Hex[] } }
  | { type: "functions-on-contract"; data: { address: Address; functions: Hex[] } }
  | { type: "root" };

/** The fields of a session's grant: one shape for a grant, a revoke, a deferred grant and the
 *  options of `SessionKeyStore.create` (the core's `install::Grant`). */
export interface SessionGrantFields {
  chainId: Quantity; account: Address; entityId: Quantity;
  permissions: Permission[];
  /** Unix seconds; adds the TimeRange hook. */ expiresAt?: Quantity | null;
  /** Unix seconds; needs expiresAt. */ validAfter?: Quantity | null;
  /** Adds the PaymasterGuard hook: the session may only use this paymaster. */ paymaster?: Address | null;
}
export interface SessionGrant extends SessionGrantFields { sessionKey: Address }
export type SessionRevoke = SessionGrantFields;
export interface DeferredSessionGrant extends SessionGrant {
  /** Unix seconds; 0 = the owner's authorization never expires. */ deadline: Quantity;
  /** Full 256-bit nonce of the operation that will carry the grant. */ nonce: Quantity;
}
/** EIP-712 typed data for `eth_signTypedData_v4`. */
export interface DeferredActionTypedData {
  domain: { chainId: number; verifyingContract: Address };
  types: Record<string, { name: string; type: string }[]>;
  primaryType: "DeferredAction";
  message: { nonce: Hex; deadline: number; call: Hex };
}
export interface DeferredSessionInstall {
  typedData: DeferredActionTypedData;
  typedDataHash: Hex;
  preSignatureDigest: Hex;
  hasExecutionHooks: boolean;
  callData: Hex;
}
export interface Call { target: Address; value?: Quantity; data?: Hex }
export interface NonceKeyOptions { nonceKey?: Quantity; entityId?: Quantity; isGlobalValidation?: boolean; isDeferredAction?: boolean }
export interface AccountOptions { owner: Address; salt?: Quantity; factory?: Address }
export interface AccountInfo { address: Address; factory: Address; factoryData: Hex }
/** EntryPoint v0.7 `PackedUserOperation`, the tuple `handleOps` takes (numbers as hex quantities). */
export interface PackedUserOperation {
  sender: Address; nonce: Hex; initCode: Hex; callData: Hex;
  /** verificationGasLimit(16) ‖ callGasLimit(16). */ accountGasLimits: Hex;
  preVerificationGas: Hex;
  /** maxPriorityFeePerGas(16) ‖ maxFeePerGas(16). */ gasFees: Hex;
  /** paymaster ‖ pmVerificationGasLimit(16) ‖ pmPostOpGasLimit(16) ‖ paymasterData, or `0x`. */ paymasterAndData: Hex;
  signature: Hex;
}
"#;

/// `installValidation` call data that grants the session key (the owner signs an op with it).
#[wasm_bindgen(js_name = encodeSessionInstall, unchecked_return_type = "Hex")]
pub fn encode_session_install(
    #[wasm_bindgen(unchecked_param_type = "SessionGrant")] grant: JsValue,
) -> Result<String, JsValue> {
    let req = SessionInstallRequest::from_json(&options_value(&grant, "grant")?, "grant")?;
    Ok(json::hex(install::encode_session_install(&req, now_secs())?))
}

/// `uninstallValidation` call data that revokes the session key and clears its hooks.
#[wasm_bindgen(js_name = encodeSessionUninstall, unchecked_return_type = "Hex")]
pub fn encode_session_uninstall(
    #[wasm_bindgen(unchecked_param_type = "SessionRevoke")] revoke: JsValue,
) -> Result<String, JsValue> {
    let req = SessionUninstallRequest::from_json(&options_value(&revoke, "revoke")?, "revoke")?;
    Ok(json::hex(install::encode_session_uninstall(&req)?))
}

/// The deferred grant: EIP-712 typed data for the owner, and the digest the signature joins.
#[wasm_bindgen(js_name = buildDeferredSessionInstall, unchecked_return_type = "DeferredSessionInstall")]
pub fn build_deferred_session_install(
    #[wasm_bindgen(unchecked_param_type = "DeferredSessionGrant")] grant: JsValue,
) -> Result<JsValue, JsValue> {
    let req = DeferredInstallRequest::from_json(&options_value(&grant, "grant")?, "grant")?;
    Ok(to_js(&deferred::build_deferred_install(&req, now_secs())?.into_json())?)
}

/// Join the owner's `eth_signTypedData_v4` signature to the pre-signature digest (the SDK's
/// `buildDeferredActionDigest`); the result is what the session's first operation carries.
#[wasm_bindgen(js_name = deferredActionDigest, unchecked_return_type = "Hex")]
pub fn deferred_action_digest(
    #[wasm_bindgen(js_name = preSignatureDigest, unchecked_param_type = "Hex")] pre_signature_digest: JsValue,
    #[wasm_bindgen(js_name = ownerSignature, unchecked_param_type = "Hex")] owner_signature: JsValue,
) -> Result<String, JsValue> {
    let pre: HexBytes = from_js(&pre_signature_digest, "preSignatureDigest")?;
    let sig: HexBytes = from_js(&owner_signature, "ownerSignature")?;
    Ok(json::hex(deferred::deferred_action_digest(&pre.0, &sig.0)?))
}

/// The 192-bit EntryPoint nonce key of a validation (the SDK's `buildFullNonceKey`).
#[wasm_bindgen(js_name = nonceKey, unchecked_return_type = "Hex")]
pub fn nonce_key(
    #[wasm_bindgen(unchecked_param_type = "NonceKeyOptions")] options: JsValue,
) -> Result<String, JsValue> {
    let req: NonceKeyRequest = if options.is_undefined() {
        NonceKeyRequest::default()
    } else {
        NonceKeyRequest::from_json(&options_value(&options, "options")?, "options")?
    };
    Ok(json::quantity(nonce::nonce_key(&req)?))
}

/// `execute(target, value, data)` call data, with the `executeUserOp` prefix when the session
/// has execution hooks (native or ERC-20 limits).
#[wasm_bindgen(js_name = encodeExecute, unchecked_return_type = "Hex")]
pub fn encode_execute(
    #[wasm_bindgen(unchecked_param_type = "Call")] call: JsValue,
    #[wasm_bindgen(js_name = withExecutionHooks, unchecked_param_type = "boolean")] with_execution_hooks: JsValue,
) -> Result<String, JsValue> {
    let call = read_js(&call, "call", CallRequest::read)?;
    Ok(json::hex(calls::encode_execute(&call, bool_arg(&with_execution_hooks, "withExecutionHooks")?)))
}

/// `executeBatch(calls)` call data, with the `executeUserOp` prefix when needed.
#[wasm_bindgen(js_name = encodeExecuteBatch, unchecked_return_type = "Hex")]
pub fn encode_execute_batch(
    #[wasm_bindgen(unchecked_param_type = "Call[]")] calls_arg: JsValue,
    #[wasm_bindgen(js_name = withExecutionHooks, unchecked_param_type = "boolean")] with_execution_hooks: JsValue,
) -> Result<String, JsValue> {
    let list = read_js(&calls_arg, "calls", CallRequest::read_list)?;
    Ok(json::hex(calls::encode_execute_batch(&list, bool_arg(&with_execution_hooks, "withExecutionHooks")?)))
}

/// Sign a user operation with a private key passed in by the caller (servers, tests). Returns
/// the packed MAv2 signature `0xFF ‖ 0x00 ‖ r ‖ s ‖ v`. Browser apps should keep keys inside
/// `SessionKeyStore` instead.
#[wasm_bindgen(js_name = signUserOperationWithKey, unchecked_return_type = "Hex")]
pub fn sign_user_operation_with_key(
    #[wasm_bindgen(js_name = privateKey, unchecked_param_type = "Hex")] private_key: JsValue,
    #[wasm_bindgen(js_name = userOp, unchecked_param_type = "UserOperation")] user_op: JsValue,
    #[wasm_bindgen(js_name = chainId, unchecked_param_type = "Quantity")] chain_id: JsValue,
    #[wasm_bindgen(js_name = entryPoint)] entry_point_arg: Option<JsAddress>,
) -> Result<String, JsValue> {
    let key = super::key::private_key_arg(&private_key)?;
    Ok(super::key::sign_js(&key, &user_op, &chain_id, entry_point(&entry_point_arg)?, None)?)
}

/// The dummy signature bundlers estimate gas with (`0xFF ‖ 0x00 ‖ placeholder`).
#[wasm_bindgen(js_name = dummySignature, unchecked_return_type = "Hex")]
pub fn dummy_signature() -> String {
    json::hex(sign::dummy_signature(None))
}

/// The counterfactual MAv2 (SemiModularAccount) address of an owner and salt.
#[wasm_bindgen(js_name = predictAccountAddress, unchecked_return_type = "Address")]
pub fn predict_account_address(
    #[wasm_bindgen(unchecked_param_type = "AccountOptions")] options: JsValue,
) -> Result<String, JsValue> {
    let req = AccountRequest::from_json(&options_value(&options, "options")?, "options")?;
    Ok(json::address(&account::predict(&req).address.0))
}

/// The counterfactual address plus the `factory` / `factoryData` that deploy it.
#[wasm_bindgen(js_name = accountFactoryData, unchecked_return_type = "AccountInfo")]
pub fn account_factory_data(
    #[wasm_bindgen(unchecked_param_type = "AccountOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let req = AccountRequest::from_json(&options_value(&options, "options")?, "options")?;
    Ok(to_js(&account::predict(&req).to_json())?)
}
