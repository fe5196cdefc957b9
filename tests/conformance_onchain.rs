//! Reading a session's on-chain state and decoding reverts, against viem over the ABIs as Alchemy's
//! SDK ships them (`tests/vectors/onchain.json`): every view call's data, every result decoded, every
//! error of the account, SMA, module, EntryPoint and ExecutionLib ABIs decoded with its arguments,
//! and errors nested the way the chain nests them.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use alloy_primitives::{Address, Bytes, U256};
use mav2_session_keys::json;
use mav2_session_keys::onchain::{self, ValidationView};
use mav2_session_keys::revert::{self, DecodedRevert};
use serde_json::Value;

fn bytes(v: &Value) -> Bytes {
    json::from_value::<json::HexBytes>(v).unwrap_or_else(|e| panic!("{v}: {e}")).0
}

fn addr(v: &Value) -> Address {
    json::from_value::<json::Addr>(v).unwrap_or_else(|e| panic!("{v}: {e}")).0
}

fn u32_of(v: &Value) -> u32 {
    v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or_else(|| panic!("not a u32: {v}"))
}

fn u256_of(v: &Value) -> U256 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|e| panic!("{s}: {e}")),
        Value::Number(n) => U256::from(n.as_u64().unwrap()),
        _ => panic!("not a number: {v}"),
    }
}

fn hex_list(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(common::norm).collect()
}

fn hexes<T: AsRef<[u8]>>(l: &[T]) -> Vec<String> {
    l.iter().map(json::hex).collect()
}

fn check_call(case: &Value) {
    let i = &case["input"];
    let account = || addr(&i["account"]);
    let e = u32_of(&i["entityId"]);
    let ours = match i["function"].as_str().unwrap() {
        "getValidationData" => onchain::encode_get_validation_data(addr(&i["module"]), e),
        "limits" => onchain::encode_limits(e, account()),
        "erc20SpendLimits" => onchain::encode_erc20_spend_limits(e, addr(&i["token"]), account()),
        "timeRanges" => onchain::encode_time_ranges(e, account()),
        "paymasters" => onchain::encode_paymasters(e, account()),
        "signers" => onchain::encode_signers(e, account()),
        f => panic!("unknown function {f}"),
    };
    common::assert_hex_eq(case, "call data", &json::hex(&ours), &case["output"]["data"]);
}

fn check_result(case: &Value) {
    let i = &case["input"];
    let data = bytes(&i["data"]);
    let want = &case["output"]["value"];
    let name = &case["name"];
    match i["function"].as_str().unwrap() {
        "getValidationData" => {
            let v: ValidationView = onchain::decode_validation_data(&data).unwrap();
            assert_eq!(v.flags as u64, want["validationFlags"].as_u64().unwrap(), "{name}");
            assert_eq!(hexes(&v.validation_hooks), hex_list(&want["validationHooks"]), "{name}");
            assert_eq!(hexes(&v.execution_hooks), hex_list(&want["executionHooks"]), "{name}");
            assert_eq!(hexes(&v.selectors), hex_list(&want["selectors"]), "{name}");
            let empty =
                v.flags == 0 && v.selectors.is_empty() && v.validation_hooks.is_empty() && v.execution_hooks.is_empty();
            assert_eq!(v.is_installed(), !empty, "{name}");
        }
        "limits" => assert_eq!(onchain::decode_limits(&data).unwrap(), u256_of(want), "{name}"),
        "erc20SpendLimits" => assert_eq!(onchain::decode_erc20_spend_limits(&data).unwrap(), u256_of(want), "{name}"),
        "timeRanges" => {
            let (until, after) = onchain::decode_time_ranges(&data).unwrap();
            assert_eq!((until, after), (want[0].as_u64().unwrap(), want[1].as_u64().unwrap()), "{name}");
        }
        "paymasters" => assert_eq!(onchain::decode_paymasters(&data).unwrap(), addr(want), "{name}"),
        "signers" => assert_eq!(onchain::decode_signers(&data).unwrap(), addr(want), "{name}"),
        f => panic!("unknown function {f}"),
    }
}

/// One argument as viem gave it, in the form [`revert::Arg::value`] uses.
fn arg_value(a: &Value) -> String {
    let v = &a["value"];
    match a["type"].as_str().unwrap() {
        t if t.starts_with("uint") => u256_of(v).to_string(),
        "address" => addr(v).to_checksum(None),
        "string" => v.as_str().unwrap().to_string(),
        _ => common::norm(v),
    }
}

fn check_error(case: &Value) -> DecodedRevert {
    let i = &case["input"];
    let data = bytes(&case["output"]["data"]);
    let d = revert::decode(&data).unwrap_or_else(|| panic!("{}: not decoded", case["name"]));
    let name = i["error"].as_str().unwrap();
    assert_eq!(d.path.first().copied(), Some(name), "{}: {d:?}", case["name"]);
    // A wrapper whose random inner bytes are not an error ends there; its own args are reported.
    if d.path.len() == 1 {
        assert_eq!(d.error, name, "{}", case["name"]);
        let want: Vec<String> = i["args"].as_array().unwrap().iter().map(arg_value).collect();
        let ours: Vec<String> = d
            .args
            .iter()
            .map(|a| if a.value.starts_with("0x") { a.value.to_ascii_lowercase() } else { a.value.clone() })
            .collect();
        let want: Vec<String> =
            want.iter().map(|w| if w.starts_with("0x") { w.to_ascii_lowercase() } else { w.clone() }).collect();
        assert_eq!(ours, want, "{}: arguments", case["name"]);
        assert_ne!(d.code, revert::UNKNOWN, "{}", case["name"]);
    }
    d
}

/// Our code for each nesting template of the generator.
fn template_code(template: &str) -> &'static str {
    match template {
        "gas-limit" => "SESSION_GAS_LIMIT_EXCEEDED_ON_CHAIN",
        "native-limit" => "SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN",
        "erc20-limit" => "SESSION_ERC20_LIMIT_EXCEEDED_ON_CHAIN",
        "target-not-allowed" => "SESSION_TARGET_NOT_ALLOWED_ON_CHAIN",
        "selector-not-allowed" => "SESSION_SELECTOR_NOT_ALLOWED_ON_CHAIN",
        "bad-paymaster" | "gas-limit-invalid-paymaster" => "SESSION_PAYMASTER_NOT_ALLOWED_ON_CHAIN",
        "validation-missing" => "SESSION_VALIDATION_MISSING_ON_CHAIN",
        "signer-not-authorized" => "SESSION_SIGNER_NOT_AUTHORIZED_ON_CHAIN",
        "install-time-range-not-valid" | "runtime-time-range" => "SESSION_OUTSIDE_TIME_RANGE_ON_CHAIN",
        "expired-or-not-due" => "BUNDLER_AA22",
        "unknown-hook-revert" => "PRE_USER_OP_VALIDATION_HOOK_REVERTED_ON_CHAIN",
        "post-op-reason" => "REVERT_REASON_ON_CHAIN",
        t => panic!("no code for template {t}"),
    }
}

fn check_nested(case: &Value) {
    let i = &case["input"];
    let want = &case["output"];
    let name = &case["name"];
    let d = revert::decode(&bytes(&i["data"])).unwrap_or_else(|| panic!("{name}: not decoded"));
    let path: Vec<&str> = want["path"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(d.path, path, "{name}");
    assert_eq!(d.module, (!want["module"].is_null()).then(|| addr(&want["module"])), "{name}: module");
    assert_eq!(d.entity_id, want["entityId"].as_u64().map(|e| e as u32), "{name}: entity id");
    assert_eq!(d.session_entity_id, want["sessionEntityId"].as_u64().map(|e| e as u32), "{name}: session entity id");
    let template = i["template"].as_str().unwrap();
    assert_eq!(d.code, template_code(template), "{name}: {d:?}");
    assert_eq!(d.raw.is_some(), template == "unknown-hook-revert", "{name}: raw");
    if path.first() == Some(&"FailedOpWithRevert") {
        assert_eq!(d.aa.as_deref(), Some("AA23"), "{name}");
    }
}

#[test]
fn onchain_reads_and_reverts_match_the_sdk_abis() {
    let v = common::load("onchain.json", include_str!("vectors/onchain.json"));
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut errors_seen = std::collections::BTreeSet::new();
    let mut args_compared = 0;
    for case in &v.cases {
        let kind = case["input"]["kind"].as_str().unwrap();
        *counts.entry(kind.to_string()).or_default() += 1;
        match kind {
            "call" => check_call(case),
            "result" => check_result(case),
            "error" => {
                args_compared += usize::from(check_error(case).path.len() == 1);
                errors_seen.insert(case["input"]["error"].as_str().unwrap().to_string());
            }
            "nested" => check_nested(case),
            k => panic!("unknown kind {k}"),
        }
    }
    // Every error of the SDK's account, SMA and module ABIs (and the EntryPoint's) is known.
    assert!(errors_seen.len() >= 55, "only {} errors in the vectors", errors_seen.len());
    assert!(args_compared * 10 >= counts["error"] * 9, "arguments compared for only {args_compared} errors");
    for k in ["call", "result", "error", "nested"] {
        assert!(counts.get(k).copied().unwrap_or(0) >= 40, "few {k} cases: {counts:?}");
    }
    println!("onchain.json: {counts:?}, {} distinct errors", errors_seen.len());
}

#[test]
fn bundler_messages_with_vector_reverts_decode() {
    let v = common::load("onchain.json", include_str!("vectors/onchain.json"));
    for case in v.cases.iter().filter(|c| c["input"]["kind"] == "nested") {
        let data = common::norm(&case["input"]["data"]);
        let message = format!("UserOperation reverted during simulation with reason: {data}");
        let d = revert::find_in_text(&message).unwrap();
        assert_eq!(d.code, template_code(case["input"]["template"].as_str().unwrap()), "{}", case["name"]);
    }
}
