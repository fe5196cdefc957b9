//! Deferred-action bytes: `split_deferred_action` (a stored or pasted digest) and
//! `deferred_action_digest` (pre-signature digest + an owner signature of any length), and the
//! typed-data hash of arbitrary fields. What joins must split back to the same pieces.
#![no_main]

use alloy_primitives::{Address, U256};
use libfuzzer_sys::fuzz_target;
use mav2_session_keys::deferred::{deferred_action_digest, deferred_action_hash, split_deferred_action};

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    let len = data.len();
    match split_deferred_action(data) {
        Ok((hooks, nonce, prefix)) => {
            assert_eq!(hooks, data[0] == 1);
            assert_eq!(nonce, U256::from_be_slice(&data[1..33]));
            assert_eq!(&prefix[..], &data[33..]);
        }
        Err(e) => check_refusal(&e, len),
    }
    // First two bytes: where the pre-signature digest ends and the signature starts.
    if data.len() >= 2 {
        let cut = (usize::from(u16::from_be_bytes([data[0], data[1]]))).min(data.len() - 2);
        let (pre, sig) = data[2..].split_at(cut);
        match deferred_action_digest(pre, sig) {
            Ok(full) => {
                let (hooks, nonce, prefix) = split_deferred_action(&full).expect("what joins, splits");
                assert_eq!(hooks, pre[0] == 1);
                assert_eq!(nonce, U256::from_be_slice(&pre[1..33]));
                assert_eq!(&prefix[..], &full[33..]);
                assert!(full.starts_with(pre));
            }
            Err(e) => check_refusal(&e, len),
        }
    }
    if data.len() >= 60 {
        let account = Address::from_slice(&data[..20]);
        let nonce = U256::from_be_slice(&data[20..52]);
        let deadline = u64::from_be_bytes(data[52..60].try_into().unwrap());
        let _ = deferred_action_hash(1, account, nonce, deadline, &data[60..]);
    }
});
