//! Account call data read back for the pre-check (`calls::decode_calls`, with or without the
//! `executeUserOp` prefix): arbitrary bytes never panic or over-allocate, and what decodes
//! re-encodes to call data that decodes to the same calls. Then the pre-check of the same bytes
//! against a fixed scope (it must not panic either).
#![no_main]

use alloy_primitives::{address, FixedBytes, U256};
use libfuzzer_sys::fuzz_target;
use mav2_session_keys::calls::{decode_calls, encode_execute, encode_execute_batch, CallRequest};
use mav2_session_keys::json::{Addr, HexBytes};
use mav2_session_keys::precheck::{check_call_data, Scope, TargetScope};

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    let len = data.len();
    match decode_calls(data) {
        Ok(calls) => {
            let reqs: Vec<CallRequest> = calls
                .iter()
                .map(|(t, v, d)| CallRequest { target: Addr(*t), value: *v, data: HexBytes(d.clone()) })
                .collect();
            let again = decode_calls(&encode_execute_batch(&reqs, false)).expect("our batch decodes");
            assert_eq!(again, calls);
            if let [one] = reqs.as_slice() {
                assert_eq!(decode_calls(&encode_execute(one, true)).expect("our execute decodes"), calls);
            }
        }
        Err(e) => check_refusal(&e, len),
    }
    let scope = Scope {
        targets: vec![TargetScope {
            address: address!("000000000000000000000000000000000000dEaD"),
            selectors: Some(vec![FixedBytes([0xa9, 0x05, 0x9c, 0xbb])]),
        }],
        any_target_selectors: vec![FixedBytes([0xde, 0xad, 0xbe, 0xef])],
        native_limit: Some(U256::from(1_000u64)),
        erc20_limits: vec![(address!("000000000000000000000000000000000000dEaD"), U256::from(5u64))],
        expires_at: Some(2_000),
        valid_after: Some(10),
        safety_margin_s: 60,
        ..Scope::default()
    };
    if let Err(e) = check_call_data(data, &scope, 100) {
        check_refusal(&e, len);
    }
});
