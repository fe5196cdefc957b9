//! EIP-7702 accounts (MAv2's SemiModularAccount7702) against vectors from Alchemy's SDK in 7702
//! mode and viem (`tests/vectors/eip7702.json`, `tests/vectors/gen/eip7702.mjs`): the account and
//! its missing init code, delegation state, the owner's nonce key, call data, operation, hash and
//! signature, the authorization (signing hash, signer, `eip7702Auth` spelling, checks), and a
//! session's deferred grant and first operation on the EOA.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use alloy_primitives::{Address, Bytes, B256, U256};
use mav2_session_keys::addresses::ENTRY_POINT_V07;
use mav2_session_keys::calls::{encode_execute, encode_execute_batch, CallRequest};
use mav2_session_keys::deferred::{
    build_deferred_install, deferred_action_digest, split_deferred_action, DeferredInstallRequest,
};
use mav2_session_keys::eip7702::{self, Authorization, Delegation, UserOperation7702, SMA7702_IMPL};
use mav2_session_keys::json::{self, Addr, HexBytes, HexFixed};
use mav2_session_keys::key::{recover, SessionKey};
use mav2_session_keys::nonce::{nonce_key, NonceKeyRequest};
use mav2_session_keys::sign::{self, eip191_digest};
use mav2_session_keys::user_op::UserOperation;
use serde_json::{json, Value};

/// Before every deadline and expiry in the vectors.
const NOW: u64 = 1_764_000_000;

fn hex_of(v: &Value) -> Bytes {
    json::from_value::<HexBytes>(v).unwrap().0
}

fn b256(v: &Value) -> B256 {
    json::from_value::<HexFixed<32>>(v).unwrap().0
}

fn addr(v: &Value) -> Address {
    json::from_value::<Addr>(v).unwrap().0
}

fn quantity(v: &Value) -> U256 {
    U256::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Every string lower-cased (hex case is not part of the bytes).
fn lower(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.to_ascii_lowercase()),
        Value::Array(a) => Value::Array(a.iter().map(lower).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), lower(x))).collect()),
        other => other.clone(),
    }
}

/// An operation as the SDK wrote it: the v0.7 fields and its `eip7702Auth`, apart.
fn split_op(v: &Value) -> (UserOperation, Option<Authorization>) {
    let mut rest = v.clone();
    let auth = rest.as_object_mut().unwrap().remove("eip7702Auth");
    (json::from_value(&rest).unwrap(), auth.map(|a| json::from_value(&a).unwrap()))
}

fn call_data(calls: &[CallRequest], batch: bool, prefix: bool) -> Bytes {
    if batch {
        encode_execute_batch(calls, prefix)
    } else {
        encode_execute(&calls[0], prefix)
    }
}

/// `eip7702Auth` as viem's `formatUserOperationRequest` spells it: the same as ours but `yParity`,
/// which viem pads (0 as 32 zero bytes, 1 as `0x01`); compared as numbers.
fn assert_viem_auth(case: &Value, ours: &Value, viem: &Value) {
    for k in ["address", "chainId", "nonce", "r", "s"] {
        common::assert_hex_eq(case, k, ours[k].as_str().unwrap(), &viem[k]);
    }
    assert_eq!(quantity(&ours["yParity"]), quantity(&viem["yParity"]), "case {}: yParity", case["name"]);
}

fn check_account_case(case: &Value) -> &'static str {
    let (input, out) = (&case["input"], &case["output"]);
    let chain_id = input["chainId"].as_u64().unwrap();
    let account_nonce = input["accountNonce"].as_u64().unwrap();
    let owner = SessionKey::from_bytes(b256(&input["ownerKey"]).as_slice(), "ownerKey").unwrap();
    let eoa = owner.address();
    let code = hex_of(&input["code"]);

    // The account is the EOA; no factory; the SDK's implementation.
    assert_eq!(eip7702::account_address(eoa), addr(&out["account"]));
    common::assert_hex_eq(case, "initCode", &json::hex(eip7702::init_code()), &out["initCode"]);
    assert_eq!(addr(&out["implementation"]), SMA7702_IMPL);

    // The authorization the SDK's signer made for the EOA's current nonce.
    let auth: Authorization = json::from_value(&out["authorization"]).unwrap();
    common::assert_hex_eq(case, "authorizationHash", &json::hex(auth.signing_hash()), &out["authorizationHash"]);
    assert_eq!(auth.authority().unwrap(), addr(&out["authorizationSigner"]));
    auth.check(eoa, chain_id, account_nonce).unwrap();
    assert_eq!(auth.check(eoa, chain_id, account_nonce + 1).unwrap_err().code(), "AUTHORIZATION_WRONG_NONCE");
    assert_eq!(auth.check(eoa, chain_id + 1, account_nonce).unwrap_err().code(), "AUTHORIZATION_WRONG_CHAIN");
    assert_eq!(
        auth.check(Address::repeat_byte(9), chain_id, account_nonce).unwrap_err().code(),
        "AUTHORIZATION_WRONG_SIGNER"
    );
    let ours = serde_json::to_value(&auth).unwrap();
    assert_viem_auth(case, &ours, &out["viemEip7702Auth"]);

    // Delegation state; another delegation or plain code is refused where the SDK would replace it.
    let delegation = match (eip7702::delegation(eoa, &code), case["stricter"].as_str()) {
        (Ok(d), None) => d,
        (Err(e), Some("delegated-elsewhere")) => {
            assert_eq!(e.code(), "DELEGATED_ELSEWHERE");
            assert!(out["userOp"]["eip7702Auth"].is_object(), "the SDK re-delegates");
            return "stricter";
        }
        (Err(e), Some("account-has-code")) => {
            assert_eq!(e.code(), "ACCOUNT_HAS_CODE");
            assert!(out["userOp"]["eip7702Auth"].is_object(), "the SDK attaches an authorization");
            return "stricter";
        }
        (r, s) => panic!("case {}: delegation {r:?}, stricter {s:?}", case["name"]),
    };
    let needed = eip7702::authorization_for_op(eoa, &code, Some(&auth), chain_id, account_nonce).unwrap();
    assert_eq!(needed.is_some(), delegation == Delegation::None);
    if delegation == Delegation::None {
        assert_eq!(
            eip7702::authorization_for_op(eoa, &code, None, chain_id, account_nonce).unwrap_err().code(),
            "AUTHORIZATION_REQUIRED"
        );
        assert_eq!(ours, out["userOp"]["eip7702Auth"], "case {}: eip7702Auth", case["name"]);
        let stub = Authorization::estimation_stub(chain_id, account_nonce);
        assert_eq!(
            serde_json::to_value(&stub).unwrap(),
            out["estimateEip7702Auth"],
            "case {}: estimation stub",
            case["name"]
        );
    } else {
        assert!(out["userOp"].get("eip7702Auth").is_none() && out["estimateEip7702Auth"].is_null());
    }

    // The owner's operation: nonce key, call data, hash with and without the authorization.
    let key = eip7702::owner_nonce_key();
    common::assert_hex_eq(case, "ownerNonceKey", &json::quantity(U256::from(key)), &out["ownerNonceKey"]);
    let calls: Vec<CallRequest> = json::from_value(&input["calls"]).unwrap();
    let hooks = &input["installedExecutionHooks"];
    let prefix = eip7702::uses_execute_user_op(delegation, false, hooks["owner"].as_bool().unwrap());
    let data = call_data(&calls, input["batch"].as_bool().unwrap(), prefix);
    common::assert_hex_eq(case, "callData", &json::hex(&data), &out["callData"]);
    let (op, op_auth) = split_op(&out["userOp"]);
    assert_eq!(op.nonce, (U256::from(key) << 64) | quantity(&input["onchainSequence"]));
    assert_eq!(op.call_data.0, data);
    let as_json = |a: Option<&Authorization>| a.map(|a| serde_json::to_value(a).unwrap());
    assert_eq!(as_json(op_auth.as_ref()), as_json(needed));
    let hash = eip7702::user_op_hash(&op, op_auth.as_ref(), chain_id, ENTRY_POINT_V07).unwrap();
    common::assert_hex_eq(case, "userOpHash", &json::hex(hash), &out["userOpHash"]);
    for (k, h) in out["userOpHashes"].as_object().unwrap() {
        if k == "withMarkerFactory" {
            assert_ne!(b256(h), hash);
            let mut marked = op.clone();
            marked.factory = Some(Addr(alloy_primitives::address!("7702000000000000000000000000000000000000")));
            assert_eq!(
                eip7702::user_op_hash(&marked, op_auth.as_ref(), chain_id, ENTRY_POINT_V07)
                    .unwrap_err()
                    .field()
                    .as_deref(),
                Some("factory")
            );
        } else {
            common::assert_hex_eq(case, k, &json::hex(hash), h);
        }
    }
    let sig = owner.sign_hash(&eip191_digest(&hash)).unwrap();
    common::assert_hex_eq(
        case,
        "ownerSignature",
        &json::hex(eip7702::pack_owner_signature(&sig)),
        &out["ownerSignature"],
    );
    common::assert_hex_eq(
        case,
        "ownerDummySignature",
        &json::hex(sign::dummy_signature(None)),
        &out["ownerDummySignature"],
    );
    // The body a bundler receives is the SDK's.
    let body = serde_json::to_value(UserOperation7702 { user_op: &op, eip7702_auth: op_auth.as_ref() }).unwrap();
    assert_eq!(lower(&body), lower(&out["userOp"]), "case {}: operation body", case["name"]);

    // The session: deferred grant signed by the EOA (domain verifyingContract = the EOA).
    let (sin, sout) = (&input["session"], &out["session"]);
    let mut req = sin["grant"].clone();
    req["deadline"] = sin["deadline"].clone();
    req["nonce"] = sin["nonce"].clone();
    let req = DeferredInstallRequest::from_json(&req, "grant").unwrap();
    assert_eq!(req.account.0, eoa);
    let d = build_deferred_install(&req, NOW).unwrap();
    common::assert_hex_eq(case, "typedDataHash", &json::hex(d.typed_data_hash), &sout["typedDataHash"]);
    let direct = eip7702::deferred_action_hash(chain_id, eoa, req.nonce, req.deadline, &d.call_data);
    assert_eq!(direct, d.typed_data_hash);
    assert_eq!(lower(&d.typed_data["domain"]), lower(&sout["typedData"]["domain"]));
    assert_eq!(lower(&d.typed_data["message"]), lower(&sout["typedData"]["message"]));
    common::assert_hex_eq(case, "preSignatureDigest", &json::hex(&d.pre_signature_digest), &sout["preSignatureDigest"]);
    assert_eq!(d.has_execution_hooks, sout["hasExecutionHooks"].as_bool().unwrap());
    let owner_typed = hex_of(&sout["ownerTypedDataSignature"]);
    assert_eq!(recover(&d.typed_data_hash, &owner_typed).unwrap(), eoa);
    let full = deferred_action_digest(&d.pre_signature_digest, &owner_typed).unwrap();
    common::assert_hex_eq(case, "deferredActionDigest", &json::hex(&full), &sout["deferredActionDigest"]);
    let (deferred_hooks, nonce, deferred_prefix) = split_deferred_action(&full).unwrap();

    // The session's first operation: the deferred nonce, its call data, and (while the EOA has no
    // code) the owner's authorization beside it.
    let session = SessionKey::from_bytes(b256(&sin["sessionKey"]).as_slice(), "sessionKey").unwrap();
    let call: CallRequest = json::from_value(&sin["call"]).unwrap();
    let prefix = eip7702::uses_execute_user_op(delegation, deferred_hooks, hooks["session"].as_bool().unwrap());
    common::assert_hex_eq(case, "session callData", &json::hex(encode_execute(&call, prefix)), &sout["callData"]);
    let (sop, sauth) = split_op(&sout["userOp"]);
    assert_eq!(sop.nonce, nonce);
    assert_eq!(as_json(sauth.as_ref()), as_json(needed));
    let shash = eip7702::user_op_hash(&sop, sauth.as_ref(), chain_id, ENTRY_POINT_V07).unwrap();
    common::assert_hex_eq(case, "session userOpHash", &json::hex(shash), &sout["userOpHash"]);
    for h in sout["userOpHashes"].as_object().unwrap().iter().filter(|(k, _)| *k != "withMarkerFactory").map(|(_, h)| h)
    {
        common::assert_hex_eq(case, "session userOpHashes", &json::hex(shash), h);
    }
    let ssig = sign::sign_user_operation(&session, &sop, chain_id, ENTRY_POINT_V07, Some(&deferred_prefix)).unwrap();
    common::assert_hex_eq(case, "session signature", &json::hex(&ssig), &sout["signature"]);
    common::assert_hex_eq(
        case,
        "session dummySignature",
        &json::hex(sign::dummy_signature(Some(&deferred_prefix))),
        &sout["dummySignature"],
    );
    let is_root = req.permissions.iter().any(|p| matches!(p, mav2_session_keys::permissions::Permission::Root));
    let later = nonce_key(&NonceKeyRequest {
        entity_id: Some(req.entity_id as u32),
        is_global_validation: Some(is_root),
        ..Default::default()
    })
    .unwrap();
    common::assert_hex_eq(case, "session laterNonceKey", &json::quantity(later), &sout["laterNonceKey"]);
    if delegation == Delegation::None {
        "none"
    } else {
        "sma7702"
    }
}

fn check_authorization_case(case: &Value) {
    let (input, out) = (&case["input"], &case["output"]);
    let auth: Authorization = json::from_value(&input["authorization"]).unwrap();
    common::assert_hex_eq(case, "authorizationHash", &json::hex(auth.signing_hash()), &out["authorizationHash"]);
    let signer = auth.authority().unwrap();
    assert_eq!(signer, addr(&out["authorizationSigner"]));
    assert_eq!(signer, addr(&input["signer"]));
    assert_viem_auth(case, &serde_json::to_value(&auth).unwrap(), &out["viemEip7702Auth"]);
    // What our check says of it for the signer on chain 1 at its own nonce.
    let chain = if auth.chain_id == 0 { 1 } else { auth.chain_id };
    match auth.check(signer, chain, auth.nonce) {
        Ok(()) => assert_eq!(auth.address.0, SMA7702_IMPL),
        Err(e) => {
            assert_ne!(auth.address.0, SMA7702_IMPL);
            assert_eq!(e.code(), "AUTHORIZATION_WRONG_DELEGATE");
        }
    }
    if auth.address.0 == SMA7702_IMPL {
        // chain 0 is valid on every chain; another chain id only on its own
        match auth.chain_id {
            0 => auth.check(signer, 8453, auth.nonce).unwrap(),
            id => assert_eq!(auth.check(signer, id ^ 1, auth.nonce).unwrap_err().code(), "AUTHORIZATION_WRONG_CHAIN"),
        }
    }
}

#[test]
fn eip7702_matches_the_sdk_and_viem() {
    let v = common::load("eip7702.json", include_str!("vectors/eip7702.json"));
    let mut seen = std::collections::BTreeMap::new();
    for case in &v.cases {
        let kind = if case["input"]["authorization"].is_object() {
            check_authorization_case(case);
            "authorization"
        } else {
            check_account_case(case)
        };
        *seen.entry(kind).or_insert(0) += 1;
    }
    for (kind, min) in [("none", 15), ("sma7702", 10), ("stricter", 4), ("authorization", 30)] {
        assert!(seen.get(kind).copied().unwrap_or(0) >= min, "too few {kind} cases: {seen:?}");
    }
    println!("eip7702.json: {seen:?} equal the SDK's and viem's");
}

#[test]
fn authorization_shape_refusals() {
    let base = json!({
        "chainId": 1, "address": "0x69007702764179f14F51cdce752f4f775d74E139", "nonce": 0,
        "r": "0x01", "s": "0x01", "yParity": 0
    });
    assert!(json::from_value::<Authorization>(&base).is_ok());
    for (k, bad, code) in [
        ("address", json!("0x69007702764179f14f51cdce752f4f775d74e13"), "INVALID_ADDRESS"),
        ("chainId", json!("0x10000000000000000"), "NUMBER_OUT_OF_RANGE"),
        ("r", json!("zz"), "INVALID_NUMBER"),
        ("nonce", json!(-1), "INVALID_NUMBER"),
    ] {
        let mut v = base.clone();
        v[k] = bad;
        let e = json::from_value::<Authorization>(&v).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), (code, Some(k)), "{k}");
    }
    let mut v = base.clone();
    v.as_object_mut().unwrap().remove("address");
    assert_eq!(json::from_value::<Authorization>(&v).unwrap_err().code(), "MISSING_FIELD");
}
