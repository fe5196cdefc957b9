//! The browser's clock for the core's [`Clock`]: `Date.now()` and a `setTimeout` promise.
//!
//! Timers are looked up on the global object (`globalThis.setTimeout`), so the same code runs in
//! a window, a worker and Node 18+.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::rpc::Clock;

#[wasm_bindgen(inline_js = r#"
// Resolves after `ms`; at once where there is no `setTimeout`.
export function sleep(ms) {
  return new Promise((resolve) => (typeof setTimeout === "function" ? setTimeout(resolve, ms) : resolve()));
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = sleep)]
    fn js_sleep(ms: f64) -> js_sys::Promise;
}

/// Milliseconds since the Unix epoch from `Date.now()`.
pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// Resolve after `ms` milliseconds (`setTimeout`). Without a global `setTimeout` it resolves at
/// once (no platform this library targets lacks one).
pub fn sleep(ms: u64) -> Sleep {
    Sleep(JsFuture::from(js_sleep(ms.min(i32::MAX as u64) as f64)))
}

/// A [`sleep`] in flight: the timer's promise, awaited as a plain future.
pub struct Sleep(JsFuture);

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

/// [`Clock`] over `Date.now()` and `setTimeout`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebClock;

impl Clock for WebClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        sleep(ms)
    }
}
