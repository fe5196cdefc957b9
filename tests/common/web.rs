//! Shared by the browser suites (`web_bundler`, `web_faults`, `web_p256`, `web_store`): plain data
//! both ways across the JS boundary, and, for the devnet suites, an EOA's wallet and its signed
//! EIP-7702 authorization made from a key held in Rust. Pulled in with
//! `#[path = "common/web.rs"] mod web_common;`.
#![allow(dead_code)]

use alloy_primitives::B256;
use js_sys::{Function, JSON};
use serde_json::{json, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use mav2_session_keys::eip7702;
use mav2_session_keys::json as hexjson;
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::sign;

/// A JSON value as a plain JS value.
pub fn js(v: Value) -> JsValue {
    JSON::parse(&v.to_string()).unwrap()
}

/// A plain JS value as JSON.
pub fn rust(v: &JsValue) -> Value {
    serde_json::from_str(&String::from(JSON::stringify(v).unwrap())).unwrap()
}

/// The EOA's signed authorization to delegate to SemiModularAccount7702, in viem's shape.
pub fn authorization_js(key: &SessionKey, chain_id: u64, nonce: u64) -> Value {
    let sig = key.sign_hash(&eip7702::authorization_hash(chain_id, eip7702::SMA7702_IMPL, nonce)).unwrap();
    json!({
        "chainId": chain_id, "address": eip7702::SMA7702_IMPL, "nonce": nonce,
        "r": hexjson::hex(&sig[..32]), "s": hexjson::hex(&sig[32..64]), "yParity": sig[64] - 27,
    })
}

/// An EIP-1193 provider whose one account is `key` (`personal_sign` of a raw 32-byte hash).
pub fn key_wallet(key: SessionKey) -> JsValue {
    let address = hexjson::address(&key.address());
    let sign = Closure::<dyn Fn(String) -> String>::new(move |hash: String| {
        let hash: B256 = hash.parse().unwrap();
        hexjson::hex(key.sign_hash(&sign::eip191_digest(&hash)).unwrap())
    });
    let make = Function::new_with_args(
        "sign, address",
        "return { request: async ({ method, params }) => {
           if (method === 'eth_accounts') return [address];
           if (method === 'personal_sign') return sign(params[0]);
           throw Object.assign(new Error('unsupported: ' + method), { code: 4200 });
         } };",
    );
    let wallet = make.call2(&JsValue::UNDEFINED, sign.as_ref(), &address.into()).unwrap();
    sign.forget();
    wallet
}
