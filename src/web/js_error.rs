//! The single conversion from [`crate::Error`] to a JS `Error` carrying `code`, `field` and
//! `data`, and its typings (`ErrorCode` lists [`crate::error::CODES`]; tests/error_codes.rs
//! keeps the two equal).

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::error::{Datum, Error};

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR_TYPES: &'static str = r#"
/** `pending`: created, grant not confirmed · `active`: installed (markActive) ·
 *  `expired`: past expiresAt · `revoked`: uninstalled or abandoned (markRevoked). */
export type SessionStatus = "pending" | "active" | "expired" | "revoked";
/** `secp256k1` (default): made in wasm, sealed at rest, checked by MAv2's SingleSigner module;
 *  `exportPrivateKey` gives it out. `p256-webcrypto`: made by WebCrypto as a non-extractable
 *  P-256 `CryptoKey` and kept as one in IndexedDB, checked by MAv2's WebAuthn validation module;
 *  no code can read it (`exportPrivateKey` → `KEY_NOT_EXPORTABLE`), script in the page can sign
 *  with it while the page is open. */
export type KeyKind = "secp256k1" | "p256-webcrypto";
/** Every `code` a {@link Mav2SessionKeyError} can carry; the package README's table says what each means. */
export type ErrorCode =
  | "MISSING_FIELD"
  | "INVALID_TYPE"
  | "INVALID_HEX"
  | "INVALID_ADDRESS"
  | "INVALID_ADDRESS_CHECKSUM"
  | "INVALID_NUMBER"
  | "NUMBER_OUT_OF_RANGE"
  | "INVALID_LENGTH"
  | "UNKNOWN_VARIANT"
  | "UNKNOWN_FIELD"
  | "ROOT_PERMISSION_ONLY"
  | "MULTIPLE_NATIVE_TOKEN_TRANSFER"
  | "MULTIPLE_GAS_LIMIT"
  | "ACCOUNT_ADDRESS_AS_TARGET"
  | "DUPLICATE_TARGET_ADDRESS"
  | "NO_FUNCTIONS_PROVIDED"
  | "SELECTOR_NOT_ALLOWED"
  | "ZERO_ADDRESS"
  | "INVALID_ENTITY_ID"
  | "VALIDATION_CONFIG_UNSET"
  | "EXPIRED"
  | "TIME_OVER_LIMIT"
  | "VALID_AFTER_NOT_BEFORE_EXPIRY"
  | "VALID_AFTER_WITHOUT_EXPIRY"
  | "INVALID_NONCE_KEY"
  | "INVALID_PRIVATE_KEY"
  | "INVALID_SIGNATURE"
  | "INVALID_PUBLIC_KEY"
  | "INVALID_ASSERTION"
  | "INVALID_DEFERRED_ACTION"
  | "RANDOM_UNAVAILABLE"
  | "SESSION_NOT_FOUND"
  | "SESSION_REVOKED"
  | "SESSION_EXPIRED"
  | "SESSION_NOT_YET_VALID"
  | "PAYMASTER_REQUIRED"
  | "PAYMASTER_MISMATCH"
  | "KEY_WIPED"
  | "KEY_NOT_EXPORTABLE"
  | "KEY_KIND_UNSUPPORTED"
  | "OWNER_MISMATCH"
  | "ACCOUNT_KIND_UNSUPPORTED"
  | "INVALID_STATUS_TRANSITION"
  | "ENTITY_ID_IN_USE"
  | "ENTITY_ID_SEARCH_LIMIT"
  | "DEFERRED_NOT_PREPARED"
  | "RECORD_CORRUPT"
  | "DECRYPT_FAILED"
  | "SCHEMA_TOO_NEW"
  | "STORAGE_FAILED"
  | "CRYPTO_FAILED"
  | "STORE_CLOSED"
  | "OUT_OF_SCOPE_TARGET"
  | "OUT_OF_SCOPE_SELECTOR"
  | "NATIVE_LIMIT_EXCEEDED"
  | "ERC20_LIMIT_EXCEEDED"
  | "DELEGATED_ELSEWHERE"
  | "ACCOUNT_HAS_CODE"
  | "AUTHORIZATION_REQUIRED"
  | "AUTHORIZATION_WRONG_DELEGATE"
  | "AUTHORIZATION_WRONG_CHAIN"
  | "AUTHORIZATION_WRONG_NONCE"
  | "AUTHORIZATION_WRONG_SIGNER"
  | "WALLET_REJECTED"
  | "WALLET_ERROR"
  | "WRONG_CHAIN"
  | "ENTRY_POINT_NOT_SUPPORTED"
  | "RECEIPT_TIMEOUT"
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "HTTP_ERROR"
  | "BAD_RPC_RESPONSE"
  | "BUNDLER_AA10"
  | "BUNDLER_AA13"
  | "BUNDLER_AA14"
  | "BUNDLER_AA15"
  | "BUNDLER_AA20"
  | "BUNDLER_AA21"
  | "BUNDLER_AA22"
  | "BUNDLER_AA23"
  | "BUNDLER_AA24"
  | "BUNDLER_AA25"
  | "BUNDLER_AA26"
  | "BUNDLER_AA30"
  | "BUNDLER_AA31"
  | "BUNDLER_AA32"
  | "BUNDLER_AA33"
  | "BUNDLER_AA34"
  | "BUNDLER_AA36"
  | "BUNDLER_AA40"
  | "BUNDLER_AA41"
  | "BUNDLER_AA50"
  | "BUNDLER_AA51"
  | "BUNDLER_AA90"
  | "BUNDLER_AA91"
  | "BUNDLER_AA92"
  | "BUNDLER_AA93"
  | "BUNDLER_AA94"
  | "BUNDLER_AA95"
  | "BUNDLER_AA96"
  | "BUNDLER_AA_OTHER"
  | "BUNDLER_INVALID_FIELDS"
  | "BUNDLER_SIMULATE_VALIDATION"
  | "BUNDLER_SIMULATE_PAYMASTER_VALIDATION"
  | "BUNDLER_OPCODE_VALIDATION"
  | "BUNDLER_EXPIRES_SHORTLY"
  | "BUNDLER_REPUTATION"
  | "BUNDLER_INSUFFICIENT_STAKE"
  | "BUNDLER_UNSUPPORTED_AGGREGATOR"
  | "BUNDLER_INVALID_SIGNATURE"
  | "BUNDLER_PAYMASTER_DEPOSIT_TOO_LOW"
  | "BUNDLER_USER_OP_REVERTED"
  | "RPC_METHOD_NOT_FOUND"
  | "RPC_INVALID_REQUEST"
  | "RPC_PARSE_ERROR"
  | "RPC_INTERNAL_ERROR"
  | "RPC_EXECUTION_REVERTED"
  | "RPC_ERROR"
  | "NOT_INITIALIZED"
  | "SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN"
  | "SESSION_GAS_LIMIT_EXCEEDED_ON_CHAIN"
  | "SESSION_ERC20_LIMIT_EXCEEDED_ON_CHAIN"
  | "SESSION_ERC20_NOT_ALLOWED_ON_CHAIN"
  | "SESSION_ERC20_CALL_INVALID_ON_CHAIN"
  | "SESSION_TARGET_NOT_ALLOWED_ON_CHAIN"
  | "SESSION_SELECTOR_NOT_ALLOWED_ON_CHAIN"
  | "SESSION_PAYMASTER_NOT_ALLOWED_ON_CHAIN"
  | "SESSION_OUTSIDE_TIME_RANGE_ON_CHAIN"
  | "SESSION_EXPIRED_ON_CHAIN"
  | "SESSION_NOT_YET_VALID_ON_CHAIN"
  | "SESSION_VALIDATION_MISSING_ON_CHAIN"
  | "SESSION_SIGNER_NOT_AUTHORIZED_ON_CHAIN"
  | "PRE_USER_OP_VALIDATION_HOOK_REVERTED_ON_CHAIN"
  | "PRE_RUNTIME_VALIDATION_HOOK_REVERTED_ON_CHAIN"
  | "PRE_SIGNATURE_VALIDATION_HOOK_REVERTED_ON_CHAIN"
  | "PRE_EXEC_HOOK_REVERTED_ON_CHAIN"
  | "POST_EXEC_HOOK_REVERTED_ON_CHAIN"
  | "USER_OP_VALIDATION_REVERTED_ON_CHAIN"
  | "RUNTIME_VALIDATION_REVERTED_ON_CHAIN"
  | "SIGNATURE_VALIDATION_REVERTED_ON_CHAIN"
  | "USER_OP_VALIDATION_INVALID_ON_CHAIN"
  | "SIGNATURE_VALIDATION_INVALID_ON_CHAIN"
  | "SIGNATURE_ENCODING_INVALID_ON_CHAIN"
  | "EXECUTE_USER_OP_REQUIRED_ON_CHAIN"
  | "SELF_CALL_NOT_ALLOWED_ON_CHAIN"
  | "UNRECOGNIZED_FUNCTION_ON_CHAIN"
  | "DEFERRED_ACTION_SIGNATURE_INVALID_ON_CHAIN"
  | "DEFERRED_VALIDATION_HAS_HOOKS_ON_CHAIN"
  | "ENTITY_ID_IN_USE_ON_CHAIN"
  | "VALIDATION_ALREADY_SET_ON_CHAIN"
  | "HOOK_ALREADY_SET_ON_CHAIN"
  | "HOOK_LIMIT_EXCEEDED_ON_CHAIN"
  | "MODULE_INSTALL_FAILED_ON_CHAIN"
  | "MODULE_INTERFACE_NOT_SUPPORTED_ON_CHAIN"
  | "MODULE_NOT_IMPLEMENTED_ON_CHAIN"
  | "OWNER_SIGNER_INVALID_ON_CHAIN"
  | "ACCOUNT_REVERTED_ON_CHAIN"
  | "ENTRY_POINT_FAILED_OP_ON_CHAIN"
  | "PAYMASTER_POST_OP_REVERTED_ON_CHAIN"
  | "AGGREGATOR_SIGNATURE_INVALID_ON_CHAIN"
  | "REVERT_REASON_ON_CHAIN"
  | "PANIC_ON_CHAIN"
  | "UNKNOWN_REVERT_ON_CHAIN";
/** The figures of a refusal, where it has any. Amounts are decimal strings (wei or token units),
 *  times unix seconds. Which keys a code sets: the package README, "Errors". */
export interface ErrorData {
  /** JSON-RPC method called (RPC errors, `BAD_RPC_RESPONSE`) or asked of the wallet (wallet errors). */
  method?: string;
  /** The server's JSON-RPC error code, message and data, as it sent them. */
  rpcCode?: number; rpcMessage?: string; rpcData?: unknown;
  /** The EIP-1193 wallet's error code (4001 the user said no) and message. */
  walletCode?: number; walletMessage?: string;
  /** Pre-check: the call's target and selector, the token, the total asked and the session's limit. */
  target?: Address; selector?: Hex; functionName?: string; token?: Address; requested?: string; limit?: string;
  /** Time checks. */
  /** The refused time (a decimal string when beyond 2^53). */
  value?: number | string; now?: number; expiresAt?: number; validAfter?: number; safetyMarginSeconds?: number;
  /** Store errors. */
  id?: string; schema?: number; from?: SessionStatus; to?: SessionStatus; entityId?: number; tried?: number; operation?: string;
  nonceKey?: Hex;
  /** Transport errors. */
  url?: string; timeoutMs?: number; status?: number; body?: string;
  expectedChainId?: number; actualChainId?: number; entryPoint?: Address; supported?: string;
  /** The operation's hash (`RECEIPT_TIMEOUT`, a reverted owner operation) and its revert data. */
  userOpHash?: Hex; waitedMs?: number; reason?: Hex | null;
  /** Paymaster pinning: the session's paymaster and the one the service offered. */
  paymaster?: Address; offeredPaymaster?: Address;
  owner?: Address; salt?: Hex; predicted?: Address; account?: Address;
  /** EIP-7702. */
  delegate?: Address; expectedDelegate?: Address; codeSize?: number; chainId?: number; nonce?: number; expectedNonce?: number; signer?: Address;
  /** `sendCalls`' limit refusals: the allowance as granted, what is left on chain (when read), and
   *  which of the two the calls were checked against. */
  granted?: string; remaining?: string; source?: "chain" | "grant";
  /** Decoded reverts (`…_ON_CHAIN`): the bundler's own code, the Solidity error, the module and
   *  entity ids of the hook that reverted, the EntryPoint's `AAxx`, the error's arguments, bytes
   *  that matched no known error; for AA22 the session's window and the chain's time. */
  bundlerCode?: ErrorCode; error?: string; module?: Address; moduleName?: string; sessionEntityId?: number;
  aa?: string; args?: Record<string, string>; raw?: Hex; validUntil?: number; chainTime?: number;
  /** `ACCOUNT_KIND_UNSUPPORTED`: the client's account kind. */
  accountKind?: string;
  /** `KEY_NOT_EXPORTABLE`, `KEY_KIND_UNSUPPORTED`: the session's key kind. */
  keyKind?: KeyKind;
}
/** Every refusal: an Error with a stable `code`, where one applies the `field` path, and the
 *  refusal's figures in `data`. */
export interface Mav2SessionKeyError extends Error {
  name: "Mav2SessionKeyError";
  code: ErrorCode;
  field?: string;
  data?: ErrorData;
}
"#;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let js = js_sys::Error::new(&e.to_string());
        js.set_name("Mav2SessionKeyError");
        let _ = Reflect::set(&js, &"code".into(), &e.code().into());
        if let Some(field) = e.field() {
            let _ = Reflect::set(&js, &"field".into(), &field.into());
        }
        // `data` is set when the first figure comes: refusals without figures have none.
        let mut data: Option<js_sys::Object> = None;
        e.data_each(&mut |k, v| {
            let v = match *v {
                Datum::Str(s) => JsValue::from_str(s),
                Datum::Uint(n) => JsValue::from_f64(n as f64),
                Datum::Int(n) => JsValue::from_f64(n as f64),
                Datum::Null => JsValue::NULL,
                Datum::Json(text) => js_sys::JSON::parse(text).unwrap_or_else(|_| JsValue::from_str(text)),
            };
            let _ = Reflect::set(data.get_or_insert_with(js_sys::Object::new), &k.into(), &v);
        });
        if let Some(data) = data {
            let _ = Reflect::set(&js, &"data".into(), &data);
        }
        js.into()
    }
}
