//! Bundler / node / paymaster JSON-RPC replies (`rpc::decode`), for every result type the
//! library reads. The first byte picks the type and the request id; the rest is the body.
#![no_main]

use alloy_primitives::{Address, Bytes, B256, U256, U64};
use libfuzzer_sys::fuzz_target;
use mav2_session_keys::rpc::bundler::{
    GasEstimate, PaymasterData, PaymasterStub, PimlicoGasPrice, UserOperationByHash, UserOperationReceipt,
};
use mav2_session_keys::rpc::decode;
use mav2_session_keys::Result;

include!("common.rs");

fn run<T: serde::de::DeserializeOwned>(id: u64, text: &str, len: usize) {
    let r: Result<T> = decode("eth_test", id, text);
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
    match sel & 0x0f {
        0 => run::<GasEstimate>(id, &text, len),
        1 => run::<Option<UserOperationReceipt>>(id, &text, len),
        2 => run::<Option<UserOperationByHash>>(id, &text, len),
        3 => run::<PaymasterStub>(id, &text, len),
        4 => run::<PaymasterData>(id, &text, len),
        5 => run::<PimlicoGasPrice>(id, &text, len),
        6 => run::<B256>(id, &text, len),
        7 => run::<U64>(id, &text, len),
        8 => run::<Vec<Address>>(id, &text, len),
        9 => run::<U256>(id, &text, len),
        10 => run::<Bytes>(id, &text, len),
        11 => run::<serde_json::Value>(id, &text, len),
        _ => {
            // The error-code mapping on arbitrary server messages.
            let code = mav2_session_keys::rpc::error_code(i64::from(sel), &text).as_str();
            assert!(code.starts_with("BUNDLER_") || code.starts_with("RPC_"), "{code}");
            let _ = mav2_session_keys::rpc::find_aa_reason(&text);
        }
    }
});
