//! The core's [`Transport`] over the global `fetch` (window, worker, Node 18+).
//!
//! One POST of a JSON-RPC body per call, aborted with an `AbortController` after the timeout.
//! Failures map onto the library's codes:
//! - no answer (connection refused, DNS, CORS refusal, no `fetch` here): `NETWORK_ERROR`
//!   (retried with backoff by [`crate::rpc::RpcClient`]);
//! - the timeout fired: `TIMEOUT` (not retried: the server may have acted on the request);
//! - an HTTP status outside 2xx: `HTTP_ERROR` with the status and the start of the body, except
//!   when the body is itself a JSON-RPC error response (some bundlers answer errors with 4xx/5xx):
//!   then the body is returned so the JSON-RPC code and the `AAxx` reason are kept.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};
use crate::rpc::Transport;

#[wasm_bindgen(inline_js = r#"
// One POST of a JSON-RPC body, aborted after `ms`: resolves [status, text], rejects with
// [timedOut, description]. Which error that is, and what a status means, is decided in Rust.
export async function post(url, body, ms) {
  let late = false, timer, ctl;
  try {
    if (typeof fetch !== "function") throw "no global fetch in this environment";
    ctl = new AbortController();
    timer = setTimeout(() => { late = true; ctl.abort(); }, ms);
    const resp = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" }, signal: ctl.signal });
    return [resp.status, await resp.text()];
  } catch (e) {
    const cause = e?.cause?.message;
    throw [late || !!ctl?.signal.aborted, e instanceof Error ? `${e.name}: ${e.message}${typeof cause === "string" ? ` (${cause})` : ""}` : String(e)];
  } finally {
    clearTimeout(timer);
  }
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = post)]
    fn js_post(url: &str, body: String, ms: f64) -> js_sys::Promise;
}

/// Default time one request may take.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// A JSON-RPC endpoint reached with `fetch`.
#[derive(Debug, Clone)]
pub struct FetchTransport {
    url: String,
    timeout_ms: u64,
}

impl FetchTransport {
    /// POST to `url`, each request aborted after `timeout_ms`.
    pub fn new(url: impl Into<String>, timeout_ms: u64) -> Self {
        Self { url: url.into(), timeout_ms }
    }
}

/// Whether a non-2xx body is a JSON-RPC error response worth passing on.
fn is_jsonrpc_error(text: &str) -> bool {
    crate::json_text::parse(text).is_ok_and(|v| v.get("jsonrpc").is_some() && v.get("error").is_some())
}

impl Transport for FetchTransport {
    async fn post(&self, body: String) -> Result<String> {
        let url = &self.url;
        let answer = JsFuture::from(js_post(url, body, self.timeout_ms.min(i32::MAX as u64) as f64)).await;
        match answer.map(|a| Array::from(&a)) {
            Ok(a) => {
                let (status, text) =
                    (a.get(0).as_f64().unwrap_or(0.0) as u16, a.get(1).as_string().unwrap_or_default());
                if (200..300).contains(&status) || is_jsonrpc_error(&text) {
                    Ok(text)
                } else {
                    Err(Error::Http { url: url.clone(), status, body: text.chars().take(200).collect() })
                }
            }
            Err(e) => {
                let e = Array::from(&e);
                if e.get(0).as_bool() == Some(true) {
                    Err(Error::Timeout { url: url.clone(), timeout_ms: self.timeout_ms })
                } else {
                    Err(Error::Network { url: url.clone(), detail: e.get(1).as_string().unwrap_or_default() })
                }
            }
        }
    }

    fn url(&self) -> &str {
        &self.url
    }
}
