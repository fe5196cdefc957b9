//! UserOperation JSON (ERC-7769 / viem shape), as `userOperationHash`, `packUserOperation` and
//! `signUserOperation` receive it. Parses, then round-trips what parsed: serialize → parse gives
//! the same operation, and pack/hash never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mav2_session_keys::json;
use mav2_session_keys::user_op::{user_op_hash, UserOpHashRequest, UserOperation};

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    let Some(v) = json_of(data) else { return };
    match json::from_value::<UserOperation>(&v) {
        Ok(op) => {
            let back = serde_json::to_value(&op).expect("serializes");
            let again: UserOperation = json::from_value(&back).expect("what we write, we read");
            assert_eq!(again, op);
            let _ = op.packed_json();
            match op.hash(1, mav2_session_keys::addresses::ENTRY_POINT_V07) {
                Ok(_) => {}
                Err(e) => check_refusal(&e, data.len()),
            }
        }
        Err(e) => check_refusal(&e, data.len()),
    }
    // The browser's field reader reads it as the derive does.
    match (json::read_value(&v, UserOperation::read), json::from_value::<UserOperation>(&v)) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(_)) => check_refusal(&e, data.len()),
        (a, b) => panic!("reader {a:?}, derive {b:?}"),
    }
    // The same bytes as a whole request ({ userOp, chainId, entryPoint? }).
    match json::from_value::<UserOpHashRequest>(&v) {
        Ok(req) => {
            if let Err(e) = user_op_hash(&req) {
                check_refusal(&e, data.len());
            }
        }
        Err(e) => check_refusal(&e, data.len()),
    }
});
