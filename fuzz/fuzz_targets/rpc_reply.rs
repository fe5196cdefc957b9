//! Bundler / node / paymaster JSON-RPC replies (`rpc::decode_with`), for every result reader the
//! library uses. The first byte picks the reader and the request id; the rest is the body, which
//! `json_text::parse` must read exactly as serde_json does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mav2_session_keys::rpc::bundler::{
    GasEstimate, PaymasterData, PaymasterStub, PimlicoGasPrice, UserOperationByHash, UserOperationReceipt,
};
use mav2_session_keys::rpc::decode_with;
use mav2_session_keys::read::{self, Read};
use mav2_session_keys::Result;

include!("common.rs");

/// The library's JSON text parser and serde_json's agree: the same value to the bit (numbers of
/// the same kind, floats with the same sign and digits), or a refusal at the same line and column.
fn same_as_serde_json(text: &str) {
    match (mav2_session_keys::json_text::parse(text), serde_json::from_str::<serde_json::Value>(text)) {
        (Ok(a), Ok(b)) => assert!(a == b && format!("{a}") == format!("{b}"), "{text:?}: {a} vs {b}"),
        (Err(a), Err(b)) => assert_eq!((a.line, a.column), (b.line(), b.column()), "{text:?}: {b}"),
        (a, b) => panic!("{text:?}: ours {a:?}, serde_json {b:?}"),
    }
}

fn run<T>(id: u64, text: &str, len: usize, reader: fn(&serde_json::Value) -> Read<T>) {
    let r: Result<T> = decode_with("eth_test", id, text, reader);
    if let Err(e) = r {
        // `rpc::decode` quotes a mistyped result string whole (tests/secrets.rs has the ignored
        // test for it): bounded by the reply here, never amplified. Tighten to
        // `check_refusal(&e, len)` once that is fixed.
        check_refusal(&e, len.saturating_mul(4));
        assert!(e.to_string().len() <= 2_000 + 2 * len);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let id = u64::from(sel >> 4);
    // The reply as the library sees it: a lossy conversion makes each invalid byte three bytes of
    // U+FFFD, so bounds are relative to the text, not to the raw input.
    let len = text.len();
    same_as_serde_json(&text);
    match sel & 0x0f {
        0 => run(id, &text, len, GasEstimate::read),
        1 => run(id, &text, len, |v| read::nullable(v, UserOperationReceipt::read)),
        2 => run(id, &text, len, |v| read::nullable(v, UserOperationByHash::read)),
        3 => run(id, &text, len, PaymasterStub::read),
        4 => run(id, &text, len, PaymasterData::read),
        5 => run(id, &text, len, PimlicoGasPrice::read),
        6 => run(id, &text, len, read::b256),
        7 => run(id, &text, len, read::u64),
        8 => run(id, &text, len, read::addresses),
        9 => run(id, &text, len, read::u256),
        10 => run(id, &text, len, read::bytes),
        11 => run(id, &text, len, read::leaf::<serde_json::Value>),
        _ => {
            // The error-code mapping on arbitrary server messages.
            let code = mav2_session_keys::rpc::error_code(i64::from(sel), &text).as_str();
            assert!(code.starts_with("BUNDLER_") || code.starts_with("RPC_"), "{code}");
            let _ = mav2_session_keys::rpc::find_aa_reason(&text);
        }
    }
});
