//! Session keys for Alchemy's Modular Account V2 (ERC-6900) on ERC-4337 EntryPoint v0.7.
//!
//! The crate has two halves:
//! - a **pure core** (everything outside `web`): user operations and their hash, MAv2 permission
//!   objects, the `installValidation` / `uninstallValidation` call data of a session grant and
//!   revocation, deferred-action typed data, nonce keys, `execute` call data, signing with `k256`,
//!   the counterfactual account address, and the WebAuthn (P-256) form of a session. It knows
//!   nothing of the browser and is tested natively with `cargo test` against vectors generated
//!   by Alchemy's own SDK.
//! - a thin **browser shell** (`web`, wasm32 only): `wasm-bindgen` exports, IndexedDB, WebCrypto
//!   and `fetch`.
//!
//! With the `native` feature (never on wasm32), `native` holds the same platform pieces for a
//! server: an HTTP transport, a clock and `block_on`.
//!
//! Every refusal is an [`Error`] with a stable [`Error::code`] and the field it is about.

pub mod abi;
pub mod account;
pub mod addresses;
pub mod calls;
pub mod de;
pub mod deferred;
pub mod eip712;
pub mod eip7702;
pub mod error;
pub mod install;
pub mod inverse;
pub mod json;
pub mod json_text;
pub mod key;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub mod native;
pub mod nonce;
pub mod onchain;
pub mod permissions;
pub mod precheck;
pub mod read;
pub mod revert;
pub mod rfc6979;
pub mod rpc;
pub mod send;
pub mod service;
pub mod session;
pub mod sign;
pub mod store;
pub mod text;
pub mod user_op;
pub mod vault;
pub mod webauthn;
pub mod write;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, InputRule, Result};
