//! Secrets never leave through a side door: the session key's bytes (and an imported or passed-in
//! private key, even a malformed one) must not appear in `Debug` or `Display` output, in error
//! messages, or in panic messages of code that unwraps those errors.
//!
//! Each test holds a known key, drives every path that sees it, and searches everything that
//! path can print for the key's hex (either case, with or without `0x`) and for any long run of
//! it (a truncated echo is a leak too).
#![cfg(not(target_arch = "wasm32"))]

use std::panic;

use serde_json::{json, Value};

use mav2_session_keys::json;
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::session::NewSession;
use mav2_session_keys::sign::{self, Sign1271Request, SignUserOperationRequest};
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::Error;

/// anvil's second dev key: public, so safe to write here; treated as the secret under test.
const SECRET: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ACCOUNT: &str = "0x65b5DE0251f553B2208762a4724303E750294D96";

/// Fails if `text` contains 16 or more consecutive hex digits of `SECRET` (either case).
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    let hay = text.to_lowercase();
    for start in 0..=SECRET.len() - 16 {
        let piece = &SECRET[start..start + 16];
        assert!(!hay.contains(piece), "{what} shows part of the secret ({piece}): {text}");
    }
}

/// Everything an error can print: Display, Debug, code, field, and a panic through `unwrap`.
#[track_caller]
fn assert_error_clean(what: &str, e: &Error) {
    assert_clean(&format!("{what} (Display)"), &e.to_string());
    assert_clean(&format!("{what} (Debug)"), &format!("{e:?}"));
    assert_clean(&format!("{what} (field)"), &e.field().unwrap_or_default());
    let msg = panic_message(|| {
        let r: Result<(), Error> = Err(e.clone());
        #[allow(clippy::unnecessary_literal_unwrap)]
        r.unwrap();
    });
    assert_clean(&format!("{what} (panic)"), &msg);
}

fn panic_message(f: impl FnOnce() + panic::UnwindSafe) -> String {
    let prev = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let r = panic::catch_unwind(f);
    panic::set_hook(prev);
    match r {
        Ok(()) => String::new(),
        Err(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    }
}

fn user_op() -> Value {
    json!({
        "sender": ACCOUNT, "nonce": "0x1000000000000000000", "callData": "0x",
        "callGasLimit": 1, "verificationGasLimit": 1, "preVerificationGas": 1,
        "maxFeePerGas": 1, "maxPriorityFeePerGas": 1
    })
}

/// Spellings of the secret a caller might pass, valid and malformed: every one must stay hidden.
fn spellings() -> Vec<String> {
    let upper = SECRET.to_uppercase();
    vec![
        format!("0x{SECRET}"),
        format!("0X{upper}"),
        format!("0x{}", &SECRET[..63]),   // odd length
        format!("0x{}", &SECRET[..62]),   // 31 bytes
        format!("0x{SECRET}00"),          // 33 bytes
        format!("0x{}zz", &SECRET[..62]), // a non-hex digit
        SECRET.to_string(),               // no 0x
        format!(" 0x{SECRET}"),           // leading space
        format!("0x{SECRET}\n"),          // trailing newline
    ]
}

#[test]
fn session_key_debug_shows_the_address_only() {
    let bytes = alloy_primitives::hex::decode(SECRET).unwrap();
    let k = SessionKey::from_bytes(&bytes, "privateKey").unwrap();
    assert_clean("SessionKey Debug", &format!("{k:?}"));
    assert_clean("SessionKey Debug (pretty)", &format!("{k:#?}"));
    assert!(format!("{k:?}").contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
}

#[test]
fn sign_requests_do_not_print_their_key() {
    let req: SignUserOperationRequest =
        json::from_value(&json!({"privateKey": format!("0x{SECRET}"), "userOp": user_op(), "chainId": 1})).unwrap();
    assert_clean("SignUserOperationRequest Debug", &format!("{req:?}"));
    assert_clean("SignUserOperationRequest Debug (pretty)", &format!("{req:#?}"));
    sign::sign_user_operation_with_key(&req).unwrap();

    let req: Sign1271Request = json::from_value(&json!({
        "privateKey": format!("0x{SECRET}"), "chainId": 1, "account": ACCOUNT, "entityId": 1,
        "hash": format!("0x{}", "11".repeat(32))
    }))
    .unwrap();
    assert_clean("Sign1271Request Debug", &format!("{req:?}"));
    sign::sign_1271_with_key(&req).unwrap();
}

#[test]
fn malformed_private_keys_are_refused_without_echo() {
    for s in spellings() {
        let r =
            json::from_value::<SignUserOperationRequest>(&json!({"privateKey": s, "userOp": user_op(), "chainId": 1}));
        match r {
            Ok(req) => {
                assert_clean("parsed request", &format!("{req:?}"));
                if let Err(e) = sign::sign_user_operation_with_key(&req) {
                    assert_error_clean("signUserOperationWithKey", &e);
                }
            }
            Err(e) => {
                assert_eq!(e.field().as_deref(), Some("privateKey"), "{s:?}");
                assert_error_clean(&format!("signUserOperationWithKey privateKey {s:?}"), &e);
            }
        }
        let r = json::from_value::<Sign1271Request>(&json!({
            "privateKey": s, "chainId": 1, "account": ACCOUNT, "entityId": 1, "message": "0x00"
        }));
        match r {
            Ok(req) => assert_clean("parsed 1271 request", &format!("{req:?}")),
            Err(e) => assert_error_clean(&format!("sign1271WithKey privateKey {s:?}"), &e),
        }
    }
}

#[test]
fn imported_keys_do_not_print_and_their_errors_do_not_echo() {
    for s in spellings() {
        let mut n = NewSession::from_json(
            &json!({
                "chainId": 1, "account": ACCOUNT, "permissions": [{"type": "root"}], "privateKey": s
            }),
            "options",
        )
        .unwrap();
        assert_clean(&format!("NewSession Debug with privateKey {s:?}"), &format!("{n:?}"));
        match n.take_private_key() {
            Ok(Some(k)) => {
                let key = SessionKey::from_bytes(k.as_ref(), "privateKey").unwrap();
                assert_clean("imported SessionKey", &format!("{key:?}"));
            }
            Ok(None) => unreachable!(),
            Err(e) => assert_error_clean(&format!("importPrivateKey {s:?}"), &e),
        }
        assert_clean("NewSession after take", &format!("{n:?}"));
    }
    // A key of the wrong JSON type is refused by type, without printing the value either.
    let e = NewSession::from_json(
        &json!({
            "chainId": 1, "account": ACCOUNT, "permissions": [], "privateKey": [SECRET]
        }),
        "options",
    )
    .unwrap_err();
    assert_error_clean("privateKey as an array", &e);
}

#[test]
fn out_of_range_scalars_are_refused_without_echo() {
    // n (the group order) and 0 are not keys; their errors must not print them either.
    for bad in ["fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "00".repeat(32).as_str()] {
        let req = json::from_value::<SignUserOperationRequest>(
            &json!({"privateKey": format!("0x{bad}"), "userOp": user_op(), "chainId": 1}),
        )
        .unwrap();
        let e = sign::sign_user_operation_with_key(&req).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_PRIVATE_KEY", Some("privateKey")));
        assert!(!e.to_string().contains(&bad[..16]), "{e}");
    }
}

#[test]
fn signatures_and_hashes_do_not_contain_the_key() {
    let bytes = alloy_primitives::hex::decode(SECRET).unwrap();
    let k = SessionKey::from_bytes(&bytes, "privateKey").unwrap();
    let op: UserOperation = json::from_value(&user_op()).unwrap();
    let sig = sign::sign_user_operation(&k, &op, 1, mav2_session_keys::addresses::ENTRY_POINT_V07, None).unwrap();
    assert_clean("signature", &json::hex(&sig));
    // what a failed signing prints (a refused operation) does not carry the key either
    let mut bad = op.clone();
    bad.factory_data = Some(json::HexBytes::default());
    let e = sign::sign_user_operation(&k, &bad, 1, mav2_session_keys::addresses::ENTRY_POINT_V07, None).unwrap_err();
    assert_error_clean("refused operation", &e);
}

#[test]
fn the_library_source_has_no_logging_of_key_material() {
    // The core never prints; the browser shell prints warnings only through `warn(...)` with
    // fixed texts or errors. A println!/dbg!/console::log anywhere near a key would be a leak.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // Only the library code, not its #[cfg(test)] modules.
            let code = text.split("#[cfg(test)]").next().unwrap();
            for bad in ["println!", "eprintln!", "dbg!(", "console::log", "print!("] {
                assert!(!code.contains(bad), "{} uses {bad}", p.display());
            }
            for (i, line) in code.lines().enumerate() {
                let l = line.to_lowercase();
                if (l.contains("warn(") || l.contains("format!("))
                    && (l.contains("secret") || l.contains("private_key") || l.contains("signing"))
                {
                    panic!("{}:{}: formats something key-like: {line}", p.display(), i + 1);
                }
            }
        }
    }
}

#[test]
fn misplaced_keys_are_not_quoted_by_type_errors() {
    // The key passed where an object belongs (arguments swapped): serde would quote it whole.
    for (what, v) in [
        (
            "userOp",
            json!({"privateKey": format!("0x{}", "11".repeat(32)), "userOp": format!("0x{SECRET}"), "chainId": 1}),
        ),
        ("permissions", json!({"chainId": 1, "account": ACCOUNT, "permissions": format!("0x{SECRET}")})),
    ] {
        if let Err(e) = json::from_value::<SignUserOperationRequest>(&v) {
            assert_error_clean(what, &e);
        }
        if let Err(e) = NewSession::from_json(&v, "options") {
            assert_error_clean(what, &e);
        }
    }
    let e =
        mav2_session_keys::session::decode_stored(json!({"schema": 2, "id": "x", "chainId": format!("0x{SECRET}")}))
            .unwrap_err();
    assert_error_clean("stored record", &e);
}

#[test]
fn rpc_errors_do_not_quote_the_reply() {
    // a bundler answering with a string where a boolean (`isFinal`, `success`, …) belongs
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"result":"0x{SECRET}{}"}}"#, "ab".repeat(5000));
    let e = mav2_session_keys::rpc::decode::<bool>("eth_call", 1, &body).unwrap_err();
    assert_eq!(e.code(), "BAD_RPC_RESPONSE");
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());
    assert_error_clean("rpc reply", &e);
}
