//! Account call data read back for the pre-check (`calls::decode_calls`, with or without the
//! `executeUserOp` prefix): arbitrary bytes never panic or over-allocate; they decode exactly
//! when alloy's decoder reads them and re-encodes them to the same bytes, to the same calls; and
//! what decodes re-encodes to call data that decodes to the same calls. Then the pre-check of the same bytes
//! against a fixed scope (it must not panic either).
#![no_main]

use alloy_primitives::{address, Address, Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use mav2_session_keys::abi::IModularAccount::{executeBatchCall, executeCall};
use libfuzzer_sys::fuzz_target;
use mav2_session_keys::calls::{decode_calls, encode_execute, encode_execute_batch, CallRequest};
use mav2_session_keys::json::{Addr, HexBytes};
use mav2_session_keys::precheck::{check_call_data, Scope, TargetScope};

include!("common.rs");

/// The calls alloy's decoder reads from `execute` / `executeBatch` call data (the
/// `executeUserOp` prefix stripped), when its own encoding of them is these very bytes.
fn alloy_canonical(data: &[u8]) -> Option<Vec<(Address, U256, Bytes)>> {
    let inner = data.strip_prefix(&[0x8d, 0xd7, 0x71, 0x2f]).unwrap_or(data);
    if let Ok(c) = executeCall::abi_decode_validate(inner) {
        return (c.abi_encode() == inner).then(|| vec![(c.target, c.value, c.data)]);
    }
    let c = executeBatchCall::abi_decode_validate(inner).ok()?;
    (c.abi_encode() == inner).then(|| c.calls.into_iter().map(|c| (c.target, c.value, c.data)).collect())
}

fuzz_target!(|data: &[u8]| {
    let len = data.len();
    let decoded = decode_calls(data);
    assert_eq!(decoded.as_ref().ok(), alloy_canonical(data).as_ref(), "decoded as alloy reads canonical data");
    match decoded {
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
