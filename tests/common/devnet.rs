//! Shared by the native end-to-end suites (`e2e_bundler`, `e2e_onchain`, `e2e_7702`): the devnet's
//! state file that `bash .ci/devnet up` writes, and the library's HTTP transport with a request
//! counter. Native only (pulled in with `#[path = "common/devnet.rs"] mod devnet;`).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use mav2_session_keys::native::HttpTransport;
use mav2_session_keys::rpc::Transport;
use mav2_session_keys::Result;

/// `.ci/state/devnet.json` (or `MAV2_DEVNET_STATE`), when `MAV2_DEVNET` says a devnet runs.
pub struct State {
    /// Where it was read from, for messages.
    pub path: String,
    /// Its contents.
    pub json: serde_json::Value,
}

/// The devnet's state, or `None` (with a line saying why `suite` is skipped) when `MAV2_DEVNET`
/// is unset; with it set, every missing piece is a failure.
pub fn state(suite: &str) -> Option<State> {
    if std::env::var_os("MAV2_DEVNET").is_none() {
        eprintln!("skipping {suite}: MAV2_DEVNET is unset (run `bash .ci/devnet up`, then set it)");
        return None;
    }
    let path = std::env::var("MAV2_DEVNET_STATE")
        .unwrap_or_else(|_| format!("{}/.ci/state/devnet.json", env!("CARGO_MANIFEST_DIR")));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("MAV2_DEVNET is set but {path}: {e}"));
    let json = serde_json::from_str(&text).unwrap();
    Some(State { path, json })
}

impl State {
    /// A string entry of the state file.
    pub fn s(&self, key: &str) -> String {
        self.json[key].as_str().unwrap_or_else(|| panic!("{}: no {key}", self.path)).to_string()
    }

    /// The node's URL (`MAV2_DEVNET_RPC_URL` first).
    pub fn rpc_url(&self) -> String {
        std::env::var("MAV2_DEVNET_RPC_URL").unwrap_or_else(|_| self.s("rpcUrl"))
    }

    /// The bundler's URL (`MAV2_DEVNET_BUNDLER_URL` first).
    pub fn bundler_url(&self) -> String {
        std::env::var("MAV2_DEVNET_BUNDLER_URL").unwrap_or_else(|_| self.s("bundlerUrl"))
    }

    /// The devnet's chain id.
    pub fn chain_id(&self) -> u64 {
        self.json["chainId"].as_u64().unwrap()
    }
}

/// The library's HTTP transport, counting requests.
#[derive(Clone)]
pub struct Http {
    inner: HttpTransport,
    requests: Arc<AtomicUsize>,
}

impl Http {
    /// A counting transport to `url`.
    pub fn new(url: &str) -> Self {
        Self { inner: HttpTransport::new(url), requests: Arc::default() }
    }

    /// Requests posted so far.
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Transport for Http {
    async fn post(&self, body: String) -> Result<String> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.inner.post(body).await
    }
    fn url(&self) -> &str {
        self.inner.url()
    }
}
