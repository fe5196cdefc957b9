//! Stored session records (`session::decode_stored`), as IndexedDB hands them back: any schema,
//! damaged or hostile. A record that decodes re-encodes to one that decodes the same, and its
//! grant payloads build or are refused with a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mav2_session_keys::install::{encode_session_install, encode_session_uninstall};
use mav2_session_keys::session::{decode_stored, encode_stored, Persistence};

include!("common.rs");

const NOW: u64 = 1_764_000_000;

fuzz_target!(|data: &[u8]| {
    let Some(v) = json_of(data) else { return };
    let len = data.len();
    match decode_stored(v) {
        Ok(r) => {
            let stored = encode_stored(&r).expect("a decoded record encodes");
            assert_eq!(decode_stored(stored).expect("and decodes again"), r);
            let _ = r.public(NOW, Persistence::Indexeddb);
            let _ = r.status_at(NOW);
            let _ = r.check_usable(NOW);
            match r.install_request() {
                Ok(req) => {
                    if let Err(e) = encode_session_install(&req, NOW) {
                        check_refusal(&e, len);
                    }
                }
                Err(e) => check_refusal(&e, len),
            }
            match r.uninstall_request() {
                Ok(req) => {
                    if let Err(e) = encode_session_uninstall(&req) {
                        check_refusal(&e, len);
                    }
                }
                Err(e) => check_refusal(&e, len),
            }
            if let Some(d) = &r.deferred {
                if let Err(e) = r.deferred_request(d.nonce, d.deadline) {
                    check_refusal(&e, len);
                }
                if let Some(full) = r.deferred_for_nonce(d.nonce) {
                    if let Err(e) = mav2_session_keys::deferred::split_deferred_action(&full) {
                        check_refusal(&e, len);
                    }
                }
            }
        }
        Err(e) => check_refusal(&e, len),
    }
});
