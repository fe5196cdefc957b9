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

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response};

use crate::error::{Error, Result};
use crate::rpc::Transport;
use crate::web::clock::Timer;

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

/// A JS exception's message (`TypeError: Failed to fetch` → `Failed to fetch`).
fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let name: String = err.name().into();
        let msg: String = err.message().into();
        let cause = Reflect::get(err, &"cause".into()).ok().filter(|c| !c.is_undefined());
        return match cause.and_then(|c| Reflect::get(&c, &"message".into()).ok()).and_then(|m| m.as_string()) {
            Some(c) => format!("{name}: {msg} ({c})"),
            None => format!("{name}: {msg}"),
        };
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Whether a non-2xx body is a JSON-RPC error response worth passing on.
fn is_jsonrpc_error(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("jsonrpc").is_some() && v.get("error").is_some())
}

impl Transport for FetchTransport {
    async fn post(&self, body: String) -> Result<String> {
        let url = self.url.clone();
        let network = |detail: String| Error::Network { url: url.clone(), detail };
        let global = js_sys::global();
        let fetch: Function = Reflect::get(&global, &"fetch".into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| network("no global fetch in this environment".into()))?;
        let controller = AbortController::new().map_err(|e| network(describe(&e)))?;
        let signal = controller.signal();
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&body));
        let headers = Object::new();
        let _ = Reflect::set(&headers, &"content-type".into(), &"application/json".into());
        init.set_headers(&headers);
        init.set_signal(Some(&signal));

        let timed_out = Rc::new(Cell::new(false));
        let flag = timed_out.clone();
        let _timer = Timer::start(self.timeout_ms, move || {
            flag.set(true);
            controller.abort();
        });
        let outcome: std::result::Result<(u16, String), JsValue> = async {
            let p: Promise = fetch.call2(&global, &JsValue::from_str(&url), &init)?.dyn_into()?;
            let resp: Response = JsFuture::from(p).await?.dyn_into()?;
            let text = JsFuture::from(resp.text()?).await?.as_string().unwrap_or_default();
            Ok((resp.status(), text))
        }
        .await;
        match outcome {
            Err(_) if timed_out.get() || signal.aborted() => Err(Error::Timeout { url, timeout_ms: self.timeout_ms }),
            Err(e) => Err(network(describe(&e))),
            Ok((status, text)) if (200..300).contains(&status) || is_jsonrpc_error(&text) => Ok(text),
            Ok((status, text)) => Err(Error::Http { url, status, body: text.chars().take(200).collect() }),
        }
    }

    fn url(&self) -> &str {
        &self.url
    }
}
