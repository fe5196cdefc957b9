//! The browser shell: `wasm-bindgen` exports over the pure core. Compiled on wasm32 only.
//!
//! Every export parses its arguments with [`convert`], makes one call into the core, and converts
//! the result back; errors leave through [`js_error`] as a JS `Error` with a stable `code`.

#[cfg(feature = "service")]
pub mod bundler;
#[cfg(feature = "service")]
pub mod clock;
pub mod codec;
pub mod convert;
#[cfg(feature = "service")]
pub mod fetch;
#[cfg(feature = "service")]
pub mod idb;
#[cfg(feature = "service")]
pub mod idb_store;
pub mod js_error;
pub mod key;
#[cfg(feature = "service")]
pub mod store;
#[cfg(feature = "service")]
pub mod vault;
#[cfg(feature = "service")]
pub mod viem_too;
#[cfg(feature = "service")]
pub mod webcrypto;

use wasm_bindgen::prelude::*;

/// A coalescing free list over grown wasm memory: the smallest safe allocator that keeps speed.
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// The package version, for bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
