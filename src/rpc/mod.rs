//! JSON-RPC 2.0 over an injected [`Transport`]: the envelope, id matching, bounded retries on
//! network errors, and the mapping of server errors onto stable codes.
//!
//! # Error-code scheme
//! Every JSON-RPC error becomes [`Error::Rpc`] with the server's code, message and data kept, and a
//! stable `code` chosen by [`error_code`]:
//! 1. If the message names an EntryPoint reason `AAxx` (e.g. `"AA24 signature error"`), the code is
//!    `BUNDLER_AAxx` (`BUNDLER_AA24`). Known reasons are listed in [`AA_CODES`]; an `AAxx` not in
//!    the list still maps to `BUNDLER_AA_OTHER`.
//! 2. Otherwise by the JSON-RPC code (ERC-7769 for bundlers, EIP-1474 for the rest):
//!    `-32602` `BUNDLER_INVALID_FIELDS`, `-32500` `BUNDLER_SIMULATE_VALIDATION`,
//!    `-32501` `BUNDLER_SIMULATE_PAYMASTER_VALIDATION`, `-32502` `BUNDLER_OPCODE_VALIDATION`,
//!    `-32503` `BUNDLER_EXPIRES_SHORTLY`, `-32504` `BUNDLER_REPUTATION`,
//!    `-32505` `BUNDLER_INSUFFICIENT_STAKE`, `-32506` `BUNDLER_UNSUPPORTED_AGGREGATOR`,
//!    `-32507` `BUNDLER_INVALID_SIGNATURE`, `-32508` `BUNDLER_PAYMASTER_DEPOSIT_TOO_LOW`,
//!    `-32521` `BUNDLER_USER_OP_REVERTED`, `-32601` `RPC_METHOD_NOT_FOUND`,
//!    `-32600` `RPC_INVALID_REQUEST`, `-32700` `RPC_PARSE_ERROR`, `-32603` `RPC_INTERNAL_ERROR`,
//!    `3` `RPC_EXECUTION_REVERTED`, anything else `RPC_ERROR`.
//!
//! Failures below JSON-RPC have their own codes: `NETWORK_ERROR` (no answer: refused, reset,
//! DNS, CORS), `TIMEOUT`, `HTTP_ERROR` (non-2xx), `BAD_RPC_RESPONSE` (not JSON-RPC, wrong id,
//! result of the wrong shape).

pub mod bundler;
pub mod transport;

use std::cell::Cell;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::read;
pub use transport::{Clock, Transport};

/// A JSON-RPC 2.0 request.
#[derive(Debug, Clone, Serialize)]
pub struct Request<'a, P: Serialize> {
    /// Always `"2.0"`.
    pub jsonrpc: &'static str,
    /// Request id, echoed by the server.
    pub id: u64,
    /// Method name.
    pub method: &'a str,
    /// Positional parameters.
    pub params: P,
}

/// A JSON-RPC 2.0 error object.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RpcErrorObject {
    /// Error code.
    pub code: i64,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// EntryPoint v0.7 revert reasons (`FailedOp` / `FailedOpWithRevert` strings) and their codes.
pub const AA_CODES: &[(&str, ErrorCode)] = &[
    ("AA10", ErrorCode::BundlerAa10), // sender already constructed
    ("AA13", ErrorCode::BundlerAa13), // initCode failed or OOG
    ("AA14", ErrorCode::BundlerAa14), // initCode must return sender
    ("AA15", ErrorCode::BundlerAa15), // initCode must create sender
    ("AA20", ErrorCode::BundlerAa20), // account not deployed
    ("AA21", ErrorCode::BundlerAa21), // didn't pay prefund
    ("AA22", ErrorCode::BundlerAa22), // expired or not due
    ("AA23", ErrorCode::BundlerAa23), // reverted
    ("AA24", ErrorCode::BundlerAa24), // signature error
    ("AA25", ErrorCode::BundlerAa25), // invalid account nonce
    ("AA26", ErrorCode::BundlerAa26), // over verificationGasLimit
    ("AA30", ErrorCode::BundlerAa30), // paymaster not deployed
    ("AA31", ErrorCode::BundlerAa31), // paymaster deposit too low
    ("AA32", ErrorCode::BundlerAa32), // paymaster expired or not due
    ("AA33", ErrorCode::BundlerAa33), // reverted
    ("AA34", ErrorCode::BundlerAa34), // signature error
    ("AA36", ErrorCode::BundlerAa36), // over paymasterVerificationGasLimit
    ("AA40", ErrorCode::BundlerAa40), // over verificationGasLimit
    ("AA41", ErrorCode::BundlerAa41), // too little verificationGas
    ("AA50", ErrorCode::BundlerAa50), // postOp reverted
    ("AA51", ErrorCode::BundlerAa51), // prefund below actualGasCost
    ("AA90", ErrorCode::BundlerAa90), // invalid beneficiary
    ("AA91", ErrorCode::BundlerAa91), // failed send to beneficiary
    ("AA92", ErrorCode::BundlerAa92), // internal call only
    ("AA93", ErrorCode::BundlerAa93), // invalid paymasterAndData
    ("AA94", ErrorCode::BundlerAa94), // gas values overflow
    ("AA95", ErrorCode::BundlerAa95), // out of gas
    ("AA96", ErrorCode::BundlerAa96), // invalid aggregator
];

/// The first `AAxx` reason (A, A, two digits, then a non-digit or the end) in a message.
pub fn find_aa_reason(message: &str) -> Option<&str> {
    let b = message.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let hit = word_start
            && b[i] == b'A'
            && b[i + 1] == b'A'
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_alphanumeric());
        message.get(i..i + 4).filter(|_| hit)
    })
}

/// The stable code of a JSON-RPC error (scheme in the module docs).
pub fn error_code(rpc_code: i64, message: &str) -> ErrorCode {
    if let Some(aa) = find_aa_reason(message) {
        return AA_CODES.iter().find(|(r, _)| *r == aa).map_or(ErrorCode::BundlerAaOther, |(_, c)| *c);
    }
    match rpc_code {
        -32602 => ErrorCode::BundlerInvalidFields,
        -32500 => ErrorCode::BundlerSimulateValidation,
        -32501 => ErrorCode::BundlerSimulatePaymasterValidation,
        -32502 => ErrorCode::BundlerOpcodeValidation,
        -32503 => ErrorCode::BundlerExpiresShortly,
        -32504 => ErrorCode::BundlerReputation,
        -32505 => ErrorCode::BundlerInsufficientStake,
        -32506 => ErrorCode::BundlerUnsupportedAggregator,
        -32507 => ErrorCode::BundlerInvalidSignature,
        -32508 => ErrorCode::BundlerPaymasterDepositTooLow,
        -32521 => ErrorCode::BundlerUserOpReverted,
        -32601 => ErrorCode::RpcMethodNotFound,
        -32600 => ErrorCode::RpcInvalidRequest,
        -32700 => ErrorCode::RpcParseError,
        -32603 => ErrorCode::RpcInternalError,
        3 => ErrorCode::RpcExecutionReverted,
        _ => ErrorCode::RpcError,
    }
}

/// Turn a server's error object into [`Error::Rpc`].
pub fn rpc_error(method: &str, e: RpcErrorObject) -> Error {
    Error::Rpc {
        code: error_code(e.code, &e.message),
        method: method.to_string(),
        rpc_code: e.code,
        message: e.message,
        data: e.data.map(|d| crate::write::text(&d)),
    }
}

/// Bounded retries with exponential backoff, for network errors only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, including the first (1 = no retry).
    pub attempts: u32,
    /// Wait before the first retry.
    pub initial_backoff_ms: u64,
    /// Upper bound of one wait.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 3, initial_backoff_ms: 200, max_backoff_ms: 2_000 }
    }
}

/// Whether an error is worth retrying: only when no answer came back.
pub fn is_retryable(e: &Error) -> bool {
    matches!(e, Error::Network { .. })
}

/// A JSON-RPC client over one transport.
pub struct RpcClient<T> {
    transport: T,
    next_id: Cell<u64>,
    retry: RetryPolicy,
}

impl<T: Transport> RpcClient<T> {
    /// A client with the default retry policy.
    pub fn new(transport: T) -> Self {
        Self { transport, next_id: Cell::new(1), retry: RetryPolicy::default() }
    }

    /// Replace the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        self.transport.url()
    }

    /// Call `method` once per attempt, retrying network errors with backoff; parse the result as `R`.
    pub async fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        clock: &impl Clock,
        method: &str,
        params: P,
    ) -> Result<R> {
        self.call_json(clock, self.retry.attempts, method, params_json(method, &params), read::deserialized::<R>).await
    }

    /// [`RpcClient::call`] with the params given as JSON text (an array, built by hand: see
    /// [`crate::write`]) and the result read by `read`. What is awaited is the one boxed exchange
    /// and a plain read of its result ([`Call`]).
    pub fn call_with<'a, R: 'a, C: Clock>(
        &'a self,
        clock: &'a C,
        method: &'a str,
        params: String,
        read: fn(&serde_json::Value) -> read::Read<R>,
    ) -> Call<'a, R> {
        self.call_json(clock, self.retry.attempts, method, Ok(params), read)
    }

    /// [`RpcClient::request`], then `read` of its result.
    fn call_json<'a, R>(
        &'a self,
        clock: &'a impl Clock,
        attempts: u32,
        method: &'a str,
        params: Result<String>,
        read: fn(&serde_json::Value) -> read::Read<R>,
    ) -> Call<'a, R> {
        Call { exchange: self.request(clock, attempts, method, params), method, read }
    }

    /// The exchange behind [`RpcClient::call`] and [`RpcClient::call_once`]: up to `attempts`
    /// attempts of `params` (JSON), each with a new id, and the answer's envelope checked. Not
    /// generic over params and result, and boxed, so every method shares one copy of it (and of
    /// the transport's future). Only network errors are retried; params that could not be
    /// serialized or an answer that came back end it.
    fn request<'a, C: Clock>(
        &'a self,
        clock: &'a C,
        attempts: u32,
        method: &'a str,
        params: Result<String>,
    ) -> crate::store::BoxFuture<'a, serde_json::Value> {
        Box::pin(async move {
            let params = params?;
            let mut backoff = self.retry.initial_backoff_ms;
            let mut attempt = 1;
            loop {
                let id = self.take_id();
                match self.transport.post(request_body(method, id, &params)).await {
                    Err(e) if is_retryable(&e) && attempt < attempts => {
                        clock.sleep(backoff).await;
                        backoff = (backoff * 2).min(self.retry.max_backoff_ms);
                        attempt += 1;
                    }
                    Err(e) => return Err(e),
                    Ok(text) => return response_result(method, id, &text),
                }
            }
        })
    }

    /// A fresh request id (every attempt gets its own, so a late answer to an earlier one is told apart).
    fn take_id(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// One request, no retry (`clock` is never waited on), its params JSON text (as
    /// [`RpcClient::call_with`]) and its result read by `read`.
    pub fn call_once<'a, R: 'a, C: Clock>(
        &'a self,
        clock: &'a C,
        method: &'a str,
        params: String,
        read: fn(&serde_json::Value) -> read::Read<R>,
    ) -> Call<'a, R> {
        self.call_json(clock, 1, method, Ok(params), read)
    }
}

/// One JSON-RPC call in flight: the shared boxed exchange ([`RpcClient::request`]), then `read`
/// of its result. A plain future rather than an `async` block, so a flow awaiting many calls
/// holds a box and a function pointer for each, not a state machine.
pub struct Call<'a, R> {
    exchange: crate::store::BoxFuture<'a, serde_json::Value>,
    method: &'a str,
    read: fn(&serde_json::Value) -> read::Read<R>,
}

impl<R> std::future::Future for Call<'_, R> {
    type Output = Result<R>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<R>> {
        let this = &mut *self;
        this.exchange.as_mut().poll(cx).map(|v| (this.read)(&v?).map_err(|e| bad_result(this.method, e)))
    }
}

/// A request's params as JSON.
fn params_json<P: Serialize>(method: &str, params: &P) -> Result<String> {
    serde_json::to_string(params).map_err(|_| bad_request(method))
}

#[inline(never)]
fn bad_request(method: &str) -> Error {
    Error::BadResponse { method: method.into(), detail: "request: does not serialize as JSON".into() }
}

/// The JSON-RPC request body around `params` (JSON): a [`Request`] as serde writes it.
fn request_body(method: &str, id: u64, params: &str) -> String {
    let method = crate::write::text(&serde_json::Value::from(method));
    format!(r#"{{"jsonrpc":"2.0","id":{id},"method":{method},"params":{params}}}"#)
}

/// Decode a response body for request `id`.
pub fn decode<R: DeserializeOwned>(method: &str, id: u64, text: &str) -> Result<R> {
    decode_with(method, id, text, read::deserialized)
}

/// Decode a response body for request `id`, its result read by `read` (as [`RpcClient::call_with`]).
pub fn decode_with<R>(method: &str, id: u64, text: &str, read: fn(&serde_json::Value) -> read::Read<R>) -> Result<R> {
    read(&response_result(method, id, text)?).map_err(|e| bad_result(method, e))
}

/// A result of the wrong shape, named by its path. Out of line: one copy for every result type.
#[inline(never)]
fn bad_result(method: &str, e: read::Bad) -> Error {
    // serde would quote a mistyped string whole: keep the message bounded and unquoted.
    Error::BadResponse {
        method: method.into(),
        detail: format!("result.{}: {}", crate::json::shorten(&e.path, 200), crate::json::shorten(&e.message, 300)),
    }
}

/// The checked envelope of a response: its `result` (null when absent), or the server's error.
/// Not generic, so [`decode`]'s instances share it. Read by hand ([`read`]): `jsonrpc` must be
/// `"2.0"`, `id` must echo the request's, and an `error` object wins over any `result`.
fn response_result(method: &str, id: u64, text: &str) -> Result<serde_json::Value> {
    let bad = |detail: String| Error::BadResponse { method: method.into(), detail };
    // Text to a `Value` first, read by `read`. The result moves out before the envelope is
    // read. `null` is a valid result (e.g. no receipt yet).
    let mut value = crate::json_text::parse(text)
        .map_err(|e| bad(format!("not JSON (line {}, column {}): {}", e.line, e.column, snippet(text))))?;
    let result = value.get_mut("result").map(serde_json::Value::take);
    let envelope = |f: read::Fields<'_>| -> read::Read<_> {
        Ok((f.opt("jsonrpc", read::leaf::<String>)?, f.opt("error", RpcErrorObject::read)?))
    };
    let f = read::object(&value, "struct Response")
        .and_then(|f| Ok((f, envelope(f)?)))
        .map_err(|e| bad(format!("{} {}: {}", e.path, e.message, snippet(text))));
    let (f, (jsonrpc, error)) = f?;
    if let Some(err) = error {
        // A server may answer a request it could not parse with id null; still our error.
        return Err(rpc_error(method, err));
    }
    let resp_id = f.get("id").unwrap_or(&serde_json::Value::Null);
    if *resp_id != id && resp_id.as_str() != Some(id.to_string().as_str()) {
        let got = crate::write::text(resp_id);
        return Err(bad(format!("id {got} does not match request id {id}")));
    }
    if jsonrpc.as_deref() != Some("2.0") {
        return Err(bad("jsonrpc is not \"2.0\"".into()));
    }
    Ok(result.unwrap_or(serde_json::Value::Null))
}

impl RpcErrorObject {
    /// Read from a response (same rules as the derived `Deserialize`, less code).
    fn read(v: &serde_json::Value) -> read::Read<Self> {
        let f = read::object(v, "struct RpcErrorObject")?;
        Ok(RpcErrorObject {
            code: f.req("code", read::leaf)?,
            message: f.or_default("message", read::leaf)?,
            data: f.opt("data", |v| Ok(v.clone()))?,
        })
    }
}

fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_aa_reasons() {
        assert_eq!(
            find_aa_reason("UserOperation reverted during simulation with reason: AA24 signature error"),
            Some("AA24")
        );
        assert_eq!(find_aa_reason("AA25 invalid account nonce"), Some("AA25"));
        assert_eq!(find_aa_reason("FailedOp(0, \"AA21 didn't pay prefund\")"), Some("AA21"));
        assert_eq!(find_aa_reason("0xAA245 is not a reason"), None);
        assert_eq!(find_aa_reason("nothing"), None);
        assert_eq!(find_aa_reason("AA2"), None);
    }

    #[test]
    fn codes_follow_the_scheme() {
        assert_eq!(error_code(-32500, "AA24 signature error").as_str(), "BUNDLER_AA24");
        assert_eq!(error_code(-32500, "AA77 new thing").as_str(), "BUNDLER_AA_OTHER");
        assert_eq!(error_code(-32507, "Invalid UserOperation signature").as_str(), "BUNDLER_INVALID_SIGNATURE");
        assert_eq!(error_code(-32602, "bad fields").as_str(), "BUNDLER_INVALID_FIELDS");
        assert_eq!(error_code(-32601, "no such method").as_str(), "RPC_METHOD_NOT_FOUND");
        assert_eq!(error_code(-1, "x").as_str(), "RPC_ERROR");
    }

    #[test]
    fn request_bodies_are_the_serde_form() {
        for (method, params) in
            [("eth_chainId", serde_json::json!([])), ("m\"x", serde_json::json!([{"a": 1}, "latest"]))]
        {
            let body = request_body(method, 9, &params_json(method, &params).unwrap());
            let serde = serde_json::to_string(&Request { jsonrpc: "2.0", id: 9, method, params }).unwrap();
            assert_eq!(body, serde);
        }
    }

    #[test]
    fn decodes_and_matches_ids() {
        let ok: String = decode("m", 7, r#"{"jsonrpc":"2.0","id":7,"result":"0x1"}"#).unwrap();
        assert_eq!(ok, "0x1");
        let none: Option<String> = decode("m", 7, r#"{"jsonrpc":"2.0","id":7,"result":null}"#).unwrap();
        assert_eq!(none, None);
        let e = decode::<String>("m", 7, r#"{"jsonrpc":"2.0","id":8,"result":"0x1"}"#).unwrap_err();
        assert_eq!(e.code(), "BAD_RPC_RESPONSE");
        let e = decode::<String>("m", 7, "<html>").unwrap_err();
        assert_eq!(e.code(), "BAD_RPC_RESPONSE");
        let e = decode::<String>(
            "eth_sendUserOperation",
            7,
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32500,"message":"AA25 invalid account nonce","data":{"x":1}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "BUNDLER_AA25");
        match e {
            Error::Rpc { rpc_code, message, data, .. } => {
                assert_eq!(rpc_code, -32500);
                assert_eq!(message, "AA25 invalid account nonce");
                assert_eq!(data.as_deref(), Some(r#"{"x":1}"#));
            }
            other => panic!("{other:?}"),
        }
    }
}
