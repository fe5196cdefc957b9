//! Permission objects and the grant requests built on them: `SessionInstallRequest`,
//! `SessionUninstallRequest`, `DeferredInstallRequest`, plain `Permission` lists. Whatever
//! parses is encoded; an encoding that succeeds decodes back (alloy) to the same hooks.
#![no_main]

use alloy_sol_types::SolCall;
use libfuzzer_sys::fuzz_target;
use mav2_session_keys::abi::IModularAccount;
use mav2_session_keys::deferred::{build_deferred_install, split_deferred_action, deferred_action_digest, DeferredInstallRequest};
use mav2_session_keys::install::{build_session_install, encode_session_uninstall, SessionInstallRequest, SessionUninstallRequest};
use mav2_session_keys::json;
use mav2_session_keys::permissions::{validate, Permission};

include!("common.rs");

const NOW: u64 = 1_764_000_000;

fuzz_target!(|data: &[u8]| {
    let Some(v) = json_of(data) else { return };
    let len = data.len();

    match json::from_value::<Vec<Permission>>(&v) {
        Ok(list) => {
            if let Err(e) = validate(&list, alloy_primitives::Address::repeat_byte(0xaa), 1) {
                check_refusal(&e, len);
            }
        }
        Err(e) => check_refusal(&e, len),
    }

    // The browser's field reader reads it as the derive does.
    match (json::read_value(&v, Permission::read_list), json::from_value::<Vec<Permission>>(&v)) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(_)) => check_refusal(&e, len),
        (a, b) => panic!("reader {a:?}, derive {b:?}"),
    }

    match SessionInstallRequest::from_json(&v, "grant") {
        Ok(req) => match build_session_install(&req, NOW) {
            Ok(install) => {
                let call = IModularAccount::installValidationCall::abi_decode(&install.call_data)
                    .expect("our own installValidation call data decodes");
                assert_eq!(call.hooks.len(), install.hooks.len());
                for (h, got) in install.hooks.iter().zip(&call.hooks) {
                    assert_eq!(&h.encode_install()[..], &got[..]);
                }
                assert_eq!(call.selectors, install.permissions.selectors);
            }
            Err(e) => check_refusal(&e, len),
        },
        Err(e) => check_refusal(&e, len),
    }

    match SessionUninstallRequest::from_json(&v, "revoke") {
        Ok(req) => {
            if let Err(e) = encode_session_uninstall(&req) {
                check_refusal(&e, len);
            }
        }
        Err(e) => check_refusal(&e, len),
    }

    match DeferredInstallRequest::from_json(&v, "grant") {
        Ok(req) => match build_deferred_install(&req, NOW) {
            Ok(d) => {
                // The owner's signature joins the digest, and the session's first op splits it back.
                let full = deferred_action_digest(&d.pre_signature_digest, &[0x1b; 65]).expect("joins");
                let (hooks, nonce, prefix) = split_deferred_action(&full).expect("splits");
                assert_eq!((hooks, nonce), (d.has_execution_hooks, req.nonce));
                assert_eq!(&prefix[..], &full[33..]);
            }
            Err(e) => check_refusal(&e, len),
        },
        Err(e) => check_refusal(&e, len),
    }
});
