//! One list of error codes (`mav2_session_keys::error::CODES`) drives `Error::code`, and the npm
//! README's table and the TypeScript union `ErrorCode` are copies of it: these tests fail when
//! either copy drifts (same codes, same order, same meanings).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use mav2_session_keys::error::{ErrorCode, CODES};

const README: &str = include_str!("../pkg-template/README.md");
const TYPINGS: &str = include_str!("../src/web/js_error.rs");

/// The `| `CODE` | meaning |` rows of the README's "Errors" tables, in order.
fn readme_rows() -> Vec<(String, String)> {
    let errors = README.split("\n## Errors").nth(1).expect("README has an Errors section");
    let errors = errors.split("\n## ").next().unwrap_or(errors);
    // Only tables headed `| code | meaning |` (the section also has a table of `data` keys).
    let mut in_table = false;
    errors
        .lines()
        .filter(|l| {
            if !l.starts_with('|') {
                in_table = false;
            } else if l.starts_with("| code | meaning |") {
                in_table = true;
            }
            in_table
        })
        .filter_map(|l| {
            let cells: Vec<&str> = l.strip_prefix('|')?.strip_suffix('|')?.split(" | ").map(str::trim).collect();
            let [code, meaning] = cells.as_slice() else { return None };
            let code = code.strip_prefix('`')?.strip_suffix('`')?;
            code.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                .then(|| (code.to_string(), meaning.to_string()))
        })
        .collect()
}

/// The members of `export type ErrorCode = | "A" | "B" …;` in the typings.
fn typescript_union() -> Vec<String> {
    let decl = TYPINGS.split("export type ErrorCode =").nth(1).expect("typings declare ErrorCode");
    let decl = decl.split(';').next().unwrap();
    decl.split('|').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.trim_matches('"').to_string()).collect()
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for (code, meaning) in CODES {
        assert!(seen.insert(*code), "{code} is listed twice");
        assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'), "{code}");
        assert!(
            !meaning.is_empty() && !meaning.contains('|') && !meaning.contains('\n'),
            "{code}: meaning {meaning:?}"
        );
    }
    assert_eq!(CODES.len(), ErrorCode::ALL.len());
    for (c, (code, meaning)) in ErrorCode::ALL.iter().zip(CODES) {
        assert_eq!((c.as_str(), c.meaning()), (*code, *meaning));
    }
    assert!(CODES.len() >= 100, "only {} codes", CODES.len());
    // The `_ON_CHAIN` codes are exactly those a decoded revert can give.
    let on_chain: BTreeSet<&str> = CODES.iter().map(|(c, _)| *c).filter(|c| c.ends_with("_ON_CHAIN")).collect();
    let decoded: BTreeSet<&str> =
        mav2_session_keys::revert::codes().into_iter().filter(|c| c.ends_with("_ON_CHAIN")).collect();
    assert_eq!(on_chain, decoded);
}

#[test]
fn readme_table_is_the_list() {
    let rows = readme_rows();
    let expected: Vec<(String, String)> = CODES.iter().map(|(c, m)| (c.to_string(), m.to_string())).collect();
    if rows != expected {
        let table: String = CODES.iter().map(|(c, m)| format!("| `{c}` | {m} |\n")).collect();
        panic!("pkg-template/README.md's error table differs from error::CODES; the rows should read:\n{table}");
    }
}

#[test]
fn typescript_union_is_the_list() {
    let union = typescript_union();
    let expected: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(union, expected, "ErrorCode in src/web/js_error.rs differs from error::CODES");
}

#[test]
fn every_revert_code_is_documented() {
    let codes = mav2_session_keys::revert::codes();
    assert!(codes.len() >= 30, "found only {} revert codes", codes.len());
    let rows: BTreeSet<String> = readme_rows().into_iter().map(|(c, _)| c).collect();
    let missing: Vec<_> = codes.iter().filter(|c| !c.starts_with("BUNDLER_AA") && !rows.contains(**c)).collect();
    assert!(missing.is_empty(), "revert codes missing from pkg-template/README.md: {missing:?}");
    // A revert's code is an `_ON_CHAIN` one, or the BUNDLER_AAxx code the RPC layer gives the same reason.
    for c in codes {
        assert!(c.ends_with("_ON_CHAIN") || CODES.iter().any(|(k, _)| *k == c), "{c}");
    }
}

#[test]
fn rpc_codes_come_from_the_list() {
    use mav2_session_keys::rpc::{error_code, AA_CODES};
    for (reason, code) in AA_CODES {
        assert_eq!(error_code(-32500, &format!("{reason} something")), *code);
        assert_eq!(code.as_str(), format!("BUNDLER_{reason}"));
    }
    for rpc in [
        -32602, -32500, -32501, -32502, -32503, -32504, -32505, -32506, -32507, -32508, -32521, -32601, -32600, -32700,
        -32603, 3, -1,
    ] {
        assert!(CODES.iter().any(|(c, _)| *c == error_code(rpc, "no reason").as_str()));
    }
}

#[test]
fn data_carries_the_figures() {
    use mav2_session_keys::error::Error;
    use serde_json::json;
    let e = Error::NativeLimitExceeded { field: "calls[1].value".into(), requested: "20".into(), limit: "10".into() };
    assert_eq!(e.data(), Some(json!({ "requested": "20", "limit": "10" })));
    let e = mav2_session_keys::rpc::rpc_error(
        "eth_sendUserOperation",
        serde_json::from_value(
            json!({ "code": -32500, "message": "AA24 signature error", "data": { "revertData": "0x" } }),
        )
        .unwrap(),
    );
    assert_eq!(e.code(), "BUNDLER_AA24");
    assert_eq!(
        e.data(),
        Some(
            json!({ "method": "eth_sendUserOperation", "rpcCode": -32500, "rpcMessage": "AA24 signature error", "rpcData": { "revertData": "0x" } })
        )
    );
    let e = Error::Wallet {
        code: ErrorCode::WalletRejected,
        method: "personal_sign".into(),
        wallet_code: 4001,
        message: "User rejected".into(),
    };
    assert_eq!((e.code(), e.field()), ("WALLET_REJECTED", None));
    assert_eq!(
        e.data(),
        Some(json!({ "method": "personal_sign", "walletCode": 4001, "walletMessage": "User rejected" }))
    );
    assert_eq!(Error::input("chainId", mav2_session_keys::error::InputRule::Missing, "is required").data(), None);
}
