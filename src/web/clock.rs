//! The browser's clock for the core's [`Clock`]: `Date.now()` and a `setTimeout` promise.
//!
//! Timers are looked up on the global object (`globalThis.setTimeout`), so the same code runs in
//! a window, a worker and Node 18+.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::rpc::Clock;

fn global_fn(name: &str) -> Option<Function> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok()?.dyn_into::<Function>().ok()
}

/// Milliseconds since the Unix epoch from `Date.now()`.
pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// Resolve after `ms` milliseconds (`setTimeout`). Without a global `setTimeout` it resolves at
/// once (no platform this library targets lacks one).
pub async fn sleep(ms: u64) {
    let Some(set_timeout) = global_fn("setTimeout") else { return };
    let delay = JsValue::from_f64(ms.min(i32::MAX as u64) as f64);
    let p = Promise::new(&mut |resolve, _reject| {
        let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &delay);
    });
    let _ = JsFuture::from(p).await;
}

/// A running `setTimeout` that calls a Rust closure; dropping it clears the timer.
pub struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Call `f` after `ms` milliseconds unless the timer is dropped first. `None` without a global
    /// `setTimeout`.
    pub fn start(ms: u64, f: impl FnMut() + 'static) -> Option<Timer> {
        let set_timeout = global_fn("setTimeout")?;
        let callback = Closure::<dyn FnMut()>::new(f);
        let delay = JsValue::from_f64(ms.min(i32::MAX as u64) as f64);
        let id = set_timeout.call2(&JsValue::UNDEFINED, callback.as_ref(), &delay).ok()?;
        Some(Timer { id, _callback: callback })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(clear) = global_fn("clearTimeout") {
            let _ = clear.call1(&JsValue::UNDEFINED, &self.id);
        }
    }
}

/// [`Clock`] over `Date.now()` and `setTimeout`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebClock;

impl Clock for WebClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    async fn sleep(&self, ms: u64) {
        sleep(ms).await
    }
}
