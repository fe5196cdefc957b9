//! What the core needs from the platform to talk to a server: one HTTP POST and a clock.
//!
//! Both traits are `async` without a `Send` bound, so the browser shell can implement them with
//! `fetch` and `setTimeout` (single-threaded wasm), and native tests with a blocking client.

use crate::error::Result;

/// One JSON-RPC endpoint: POST a JSON body, get the response body back.
///
/// Implementations map their failures onto the library's codes: [`crate::Error::Network`]
/// (nothing came back), [`crate::Error::Timeout`] (no answer in time), [`crate::Error::Http`]
/// (a non-2xx status). A 2xx body is returned as is, even if it holds a JSON-RPC error.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// POST `body` (a JSON-RPC request) and return the response body.
    async fn post(&self, body: String) -> Result<String>;
    /// Where the requests go, for error messages.
    fn url(&self) -> &str;
}

/// Time, injected so the core never reads a platform clock itself.
#[allow(async_fn_in_trait)]
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Wait `ms` milliseconds.
    async fn sleep(&self, ms: u64);
}

impl<T: Transport + ?Sized> Transport for &T {
    async fn post(&self, body: String) -> Result<String> {
        (**self).post(body).await
    }
    fn url(&self) -> &str {
        (**self).url()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }
    async fn sleep(&self, ms: u64) {
        (**self).sleep(ms).await
    }
}
