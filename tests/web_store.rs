//! Browser tests of `SessionKeyStore`: IndexedDB, WebCrypto, the JS error shape.
//! `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web_store`
#![cfg(target_arch = "wasm32")]

use alloy_primitives::{keccak256, Address, B256};
use js_sys::{Array, Function, Promise, Reflect, JSON};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{CryptoKey, IdbDatabase, IdbTransactionMode};

use alloy_primitives::U256;
use mav2_session_keys::addresses::ENTRY_POINT_V07;
use mav2_session_keys::install::{self, SessionInstallRequest};
use mav2_session_keys::key::{recover, SessionKey};
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::web::idb::{self, Done};
use mav2_session_keys::web::store::SessionKeyStore;
use mav2_session_keys::web::webcrypto;
use mav2_session_keys::{deferred, json, sign};

#[path = "common/web.rs"]
mod web_common;
use web_common::{js, rust};

wasm_bindgen_test_configure!(run_in_browser);

const ACCOUNT_A: &str = "0x65b5ae9eAEcD5e2B6A8d8B0bA3Eb9F3F6a244d96";
const ACCOUNT_B: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/// anvil's second dev key (public test key).
const DEV_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const DEV_ADDR: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/// anvil's first dev key, the account owner in the deferred-install test.
const OWNER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const CHAIN: u64 = 11155111;

// ---------- helpers ----------

async fn ok(p: Promise) -> Value {
    match JsFuture::from(p).await {
        Ok(v) => rust(&v),
        Err(e) => panic!("rejected: {}", describe(&e)),
    }
}

async fn ok_js(p: Promise) -> JsValue {
    JsFuture::from(p).await.map_err(|e| describe(&e)).unwrap()
}

/// Rejection → (code, field), checking it is a real `Error`.
async fn err(p: Promise) -> (String, Option<String>) {
    let e = match JsFuture::from(p).await {
        Ok(v) => panic!("expected a rejection, got {}", String::from(JSON::stringify(&v).unwrap())),
        Err(e) => e,
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let code = Reflect::get(&e, &"code".into()).unwrap().as_string().expect("error.code");
    let field = Reflect::get(&e, &"field".into()).unwrap().as_string();
    (code, field)
}

fn describe(e: &JsValue) -> String {
    let code = Reflect::get(e, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_default();
    format!("{code} {}", idb::describe(e))
}

async fn fresh_name(tag: &str) -> String {
    let name = format!("test-{tag}-{}", js_sys::Math::random());
    JsFuture::from(SessionKeyStore::delete_database(Some(name.clone()))).await.unwrap();
    name
}

async fn open(name: &str) -> SessionKeyStore {
    SessionKeyStore::connect(&js(json!({ "name": name }))).await.map_err(|e| e.to_string()).unwrap()
}

fn create_opts(account: &str) -> JsValue {
    let in_an_hour = (js_sys::Date::now() / 1000.0) as u64 + 3600;
    js(json!({ "chainId": 11155111, "account": account, "permissions": [{ "type": "root" }], "expiresAt": in_an_hour }))
}

async fn raw_db(name: &str) -> IdbDatabase {
    idb::open(&idb::factory().unwrap(), name, idb::DB_VERSION, idb::upgrade).await.unwrap()
}

async fn raw_get(db: &IdbDatabase, store: &str, key: &str) -> JsValue {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readonly).unwrap();
    let req = tx.object_store(store).unwrap().get(&key.into()).unwrap();
    idb::request(&req).await.unwrap()
}

async fn raw_put(db: &IdbDatabase, store: &str, value: &JsValue, key: Option<&str>) {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readwrite).unwrap();
    let done = Done::new(&tx);
    let os = tx.object_store(store).unwrap();
    let req = match key {
        Some(k) => os.put_with_key(value, &k.into()).unwrap(),
        None => os.put(value).unwrap(),
    };
    idb::request(&req).await.unwrap();
    done.await.unwrap();
}

async fn sign_and_recover(store: &SessionKeyStore, id: &str) -> Address {
    let digest: B256 = keccak256(b"mav2-session-keys test");
    let bytes = store.service().unwrap().export_private_key(id).await.map_err(|e| e.to_string()).unwrap();
    let key = SessionKey::from_bytes(bytes.as_ref(), "key").unwrap();
    let sig = key.sign_hash(&digest).unwrap();
    recover(&digest, &sig).unwrap()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}")).to_string()
}

// ---------- tests ----------

#[wasm_bindgen_test]
async fn create_list_get_delete() {
    let name = fresh_name("crud").await;
    let store = open(&name).await;
    assert_eq!(store.persistence(), "indexeddb");
    assert_eq!(store.name(), name);

    let a1 = ok(store.create(create_opts(&ACCOUNT_A.to_lowercase()))).await;
    let a2 = ok(store.create(create_opts(ACCOUNT_A))).await;
    let b1 = ok(store.create(create_opts(ACCOUNT_B))).await;
    assert_eq!(
        (a1["entityId"].as_u64(), a2["entityId"].as_u64(), b1["entityId"].as_u64()),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(s(&a1, "account"), ACCOUNT_A, "account is stored checksummed");
    assert_eq!(s(&a1, "status"), "pending");
    assert_eq!(s(&a1, "persistence"), "indexeddb");
    assert_eq!(a1["chainId"], json!(11155111));
    assert_eq!(a1["permissions"], json!([{ "type": "root" }]));
    assert_eq!(a1["validAfter"], Value::Null);
    assert!(a1["createdAt"].as_u64().unwrap() > 1_700_000_000);
    assert!(a1.get("key").is_none() && a1.get("privateKey").is_none());
    assert_ne!(a1["address"], a2["address"]);

    assert_eq!(ok(store.list(None)).await.as_array().unwrap().len(), 3);
    let only_a = ok(store.list(Some(js(json!({ "account": ACCOUNT_A })).unchecked_into()))).await;
    assert_eq!(only_a.as_array().unwrap().len(), 2);
    assert_eq!(ok(store.list(Some(js(json!({ "chainId": 1 })).unchecked_into()))).await, json!([]));
    assert_eq!(
        ok(store.list(Some(js(json!({ "chainId": "0xaa36a7", "account": ACCOUNT_B })).unchecked_into()))).await,
        json!([b1])
    );

    assert_eq!(ok(store.get(s(&a2, "id").into())).await, a2);
    assert_eq!(ok(store.delete(s(&a2, "id").into())).await, json!(true));
    assert_eq!(ok(store.delete(s(&a2, "id").into())).await, json!(false));
    assert_eq!(err(store.get(s(&a2, "id").into())).await, ("SESSION_NOT_FOUND".into(), Some("id".into())));
    // The freed entity id is reused.
    let a3 = ok(store.create(create_opts(ACCOUNT_A))).await;
    assert_eq!(a3["entityId"], json!(2));
    store.close();
}

#[wasm_bindgen_test]
async fn errors_are_typed() {
    let name = fresh_name("errors").await;
    let store = open(&name).await;
    assert_eq!(err(store.create(JsValue::UNDEFINED)).await, ("MISSING_FIELD".into(), Some("options".into())));
    let bad = js(json!({ "chainId": 1, "account": "0x1234", "permissions": [{ "type": "root" }] }));
    assert_eq!(err(store.create(bad)).await, ("INVALID_ADDRESS".into(), Some("account".into())));
    let bad = js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "expiresAt": 5 }));
    assert_eq!(err(store.create(bad)).await, ("EXPIRED".into(), Some("expiresAt".into())));
    let bad =
        js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "privateKey": DEV_KEY }));
    assert_eq!(err(store.create(bad)).await, ("UNKNOWN_FIELD".into(), Some("privateKey".into())));
    let bad =
        js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "privateKey": "0x00" }));
    assert_eq!(err(store.import_private_key(bad)).await, ("INVALID_PRIVATE_KEY".into(), Some("privateKey".into())));
    assert_eq!(err(store.get(JsValue::from_f64(3.0))).await, ("INVALID_TYPE".into(), Some("id".into())));
    assert_eq!(err(store.get(JsValue::UNDEFINED)).await, ("MISSING_FIELD".into(), Some("id".into())));
    assert_eq!(err(store.list(Some(js(json!({ "acount": ACCOUNT_A })).unchecked_into()))).await.0, "UNKNOWN_FIELD");

    let five = js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "entityId": 5 }));
    assert_eq!(ok(store.create(five.clone())).await["entityId"], json!(5));
    assert_eq!(err(store.create(five)).await, ("ENTITY_ID_IN_USE".into(), Some("entityId".into())));
    let empty = js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [] }));
    assert_eq!(err(store.create(empty)).await, ("VALIDATION_CONFIG_UNSET".into(), Some("permissions".into())));
    let zero = js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "entityId": 0 }));
    assert_eq!(err(store.create(zero)).await, ("INVALID_ENTITY_ID".into(), Some("entityId".into())));
    // The message is useful and the error has our name.
    let e = JsFuture::from(store.get("nope".into())).await.unwrap_err();
    let e: js_sys::Error = e.dyn_into().unwrap();
    assert_eq!(String::from(e.name()), "Mav2SessionKeyError");
    assert!(String::from(e.message()).contains("nope"));

    store.close();
    assert_eq!(err(store.list(None)).await, ("STORE_CLOSED".into(), None));
}

#[wasm_bindgen_test]
async fn import_and_export_private_key() {
    let name = fresh_name("import").await;
    let store = open(&name).await;
    let opts =
        js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "privateKey": DEV_KEY }));
    let r = ok(store.import_private_key(opts)).await;
    assert_eq!(s(&r, "address"), DEV_ADDR);
    assert_eq!(ok(store.export_private_key(s(&r, "id").into())).await, json!(DEV_KEY));
    store.close();
}

#[wasm_bindgen_test]
async fn stored_record_has_no_plaintext_key() {
    let name = fresh_name("plaintext").await;
    let store = open(&name).await;
    let r = ok(store.create(create_opts(ACCOUNT_A))).await;
    let id = s(&r, "id");
    let secret = ok(store.export_private_key(id.clone().into())).await;
    let secret_hex = secret.as_str().unwrap().trim_start_matches("0x").to_string();
    assert_eq!(secret_hex.len(), 64);

    let db = raw_db(&name).await;
    let raw = raw_get(&db, idb::SESSIONS, &id).await;
    let text = String::from(JSON::stringify(&raw).unwrap()).to_lowercase();
    assert!(!text.contains(&secret_hex), "plaintext key in the stored record");
    let stored = rust(&raw);
    assert_eq!(stored["schema"], json!(4));
    assert_eq!(stored["key"]["alg"], json!("AES-GCM"));
    assert_eq!(stored["key"]["ciphertext"].as_str().unwrap().len(), 2 + 2 * 48, "32 bytes + 16-byte tag");
    assert!(stored.get("privateKey").is_none());
    db.close();
    store.close();
}

#[wasm_bindgen_test]
async fn wrapping_key_is_not_extractable() {
    let name = fresh_name("extract").await;
    let store = open(&name).await;
    let db = raw_db(&name).await;
    let key: CryptoKey = raw_get(&db, idb::KEYS, idb::WRAP_KEY_ID).await.dyn_into().expect("a CryptoKey in IndexedDB");
    assert!(!key.extractable());
    let alg = key.algorithm().unwrap();
    assert_eq!(Reflect::get(&alg, &"name".into()).unwrap(), "AES-GCM");
    let subtle = webcrypto::subtle().unwrap();
    for format in ["raw", "jwk"] {
        let e = JsFuture::from(subtle.export_key(format, &key).unwrap()).await.expect_err("exportKey must fail");
        assert_eq!(idb::error_name(&e), "InvalidAccessError", "{format}");
    }
    db.close();
    store.close();
}

#[wasm_bindgen_test]
async fn altered_ciphertext_is_refused_and_others_still_load() {
    let name = fresh_name("tamper").await;
    let store = open(&name).await;
    let a = ok(store.create(create_opts(ACCOUNT_A))).await;
    let b = ok(store.create(create_opts(ACCOUNT_A))).await;
    let db = raw_db(&name).await;

    // Flip one bit of a's ciphertext.
    let mut rec = rust(&raw_get(&db, idb::SESSIONS, &s(&a, "id")).await);
    let ct = rec["key"]["ciphertext"].as_str().unwrap().to_string();
    let last = u8::from_str_radix(&ct[ct.len() - 2..], 16).unwrap() ^ 1;
    rec["key"]["ciphertext"] = json!(format!("{}{last:02x}", &ct[..ct.len() - 2]));
    raw_put(&db, idb::SESSIONS, &js(rec.clone()), None).await;
    // Move b's (valid) ciphertext onto a third record: the id is bound in, so it fails too.
    let mut moved = rust(&raw_get(&db, idb::SESSIONS, &s(&b, "id")).await);
    moved["id"] = json!("0000000000000000000000000000000a");
    moved["entityId"] = json!(9);
    raw_put(&db, idb::SESSIONS, &js(moved), None).await;
    // And a record no build could read, and one from a newer build.
    raw_put(&db, idb::SESSIONS, &js(json!({ "id": "garbage", "schema": 2, "chainId": "x" })), None).await;
    raw_put(&db, idb::SESSIONS, &js(json!({ "id": "future", "schema": 99 })), None).await;
    db.close();

    let expect = |id: &str| ("DECRYPT_FAILED".to_string(), Some("id".to_string()), id.to_string());
    let (code, field) = err(store.export_private_key(s(&a, "id").into())).await;
    assert_eq!((code, field, s(&a, "id")), expect(&s(&a, "id")));
    let (code, field) = err(store.export_private_key("0000000000000000000000000000000a".into())).await;
    assert_eq!((code, field), ("DECRYPT_FAILED".into(), Some("id".into())));
    assert!(store.service().unwrap().export_private_key(&s(&a, "id")).await.is_err());

    // The others still load and sign.
    let list = ok(store.list(None)).await;
    let ids: Vec<String> = list.as_array().unwrap().iter().map(|r| s(r, "id")).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&s(&a, "id")) && ids.contains(&s(&b, "id")));
    assert_eq!(sign_and_recover(&store, &s(&b, "id")).await.to_checksum(None), s(&b, "address"));
    assert_eq!(err(store.get("garbage".into())).await, ("RECORD_CORRUPT".into(), Some("id".into())));
    assert_eq!(err(store.get("future".into())).await, ("SCHEMA_TOO_NEW".into(), Some("id".into())));
    store.close();
}

#[wasm_bindgen_test]
async fn survives_close_and_reopen() {
    let name = fresh_name("reopen").await;
    let store = open(&name).await;
    let r = ok(store.create(create_opts(ACCOUNT_A))).await;
    let op = user_op(ACCOUNT_A, nonce(1, false, 0));
    let before = ok(store.sign_user_operation(s(&r, "id").into(), js(op.clone()))).await;
    store.close();

    let store = open(&name).await;
    assert_eq!(ok(store.get(s(&r, "id").into())).await, r);
    let after = ok(store.sign_user_operation(s(&r, "id").into(), js(op.clone()))).await;
    assert_eq!(after, before, "same key, deterministic signature");
    assert_eq!(op_signer(&op, after.as_str().unwrap()).to_checksum(None), s(&r, "address"));
    store.close();
}

/// A full user-op nonce: key `(entity << 8) | deferred bit`, then the sequence.
fn nonce(entity: u32, deferred: bool, sequence: u64) -> String {
    let key = (U256::from(entity) << 8) | U256::from(if deferred { 2u8 } else { 0 });
    format!("{:#x}", (key << 64) | U256::from(sequence))
}

fn user_op(sender: &str, nonce: String) -> Value {
    json!({
        "sender": sender, "nonce": nonce, "callData": "0xb61d27f6", "callGasLimit": "0x5208",
        "verificationGasLimit": "0x30000", "preVerificationGas": "0xc350",
        "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x3b9aca00", "signature": "0x"
    })
}

/// The session key that made `0xFF ‖ 0x00 ‖ sig65` at the end of `signature` over `op`.
fn op_signer(op: &Value, signature: &str) -> Address {
    let op: UserOperation = json::from_value(op).unwrap();
    let hash = op.hash(CHAIN, ENTRY_POINT_V07).unwrap();
    let sig = alloy_primitives::hex::decode(signature).unwrap();
    let (head, sig65) = sig.split_at(sig.len() - 65);
    assert_eq!(&head[head.len() - 2..], &[0xff, 0x00], "validation segment, EOA type byte");
    recover(&sign::eip191_digest(&hash), sig65).unwrap()
}

#[wasm_bindgen_test]
async fn signs_user_operations_like_the_core() {
    let name = fresh_name("sign").await;
    let store = open(&name).await;
    let opts = js(
        json!({ "chainId": CHAIN, "account": ACCOUNT_A, "permissions": [{ "type": "root" }], "privateKey": DEV_KEY }),
    );
    let r = ok(store.import_private_key(opts)).await;
    let id = s(&r, "id");
    let op = user_op(ACCOUNT_A, nonce(1, false, 7));
    let sig = ok(store.sign_user_operation(id.clone().into(), js(op.clone()))).await;
    // Same bytes as the native core with the same key.
    let key = SessionKey::from_bytes(&alloy_primitives::hex::decode(DEV_KEY).unwrap(), "k").unwrap();
    let uo: UserOperation = json::from_value(&op).unwrap();
    let expected = sign::sign_user_operation(&key, &uo, CHAIN, ENTRY_POINT_V07, None).unwrap();
    assert_eq!(sig, json!(json::hex(&expected)));
    assert_eq!(sig.as_str().unwrap().len(), 2 + 2 * 67);
    assert_eq!(op_signer(&op, sig.as_str().unwrap()).to_checksum(None), DEV_ADDR);

    let (code, field) =
        err(store.sign_user_operation(id.clone().into(), js(user_op(ACCOUNT_B, nonce(1, false, 0))))).await;
    assert_eq!((code.as_str(), field.as_deref()), ("INVALID_ADDRESS", Some("userOp.sender")));
    let (code, field) =
        err(store.sign_user_operation(id.clone().into(), js(user_op(ACCOUNT_A, nonce(2, false, 0))))).await;
    assert_eq!((code.as_str(), field.as_deref()), ("NUMBER_OUT_OF_RANGE", Some("userOp.nonce")));
    let mut bad = user_op(ACCOUNT_A, nonce(1, false, 0));
    bad["callGasLimit"] = json!(-1);
    assert_eq!(
        err(store.sign_user_operation(id.clone().into(), js(bad))).await,
        ("INVALID_NUMBER".into(), Some("userOp.callGasLimit".into()))
    );
    assert_eq!(
        err(store.sign_user_operation(id.clone().into(), JsValue::UNDEFINED)).await,
        ("MISSING_FIELD".into(), Some("userOp".into()))
    );

    ok(store.mark_revoked(id.clone().into())).await;
    assert_eq!(err(store.sign_user_operation(id.into(), js(op))).await, ("SESSION_REVOKED".into(), Some("id".into())));
    store.close();
}

#[wasm_bindgen_test]
async fn grant_payloads_and_deferred_first_op() {
    let name = fresh_name("grant").await;
    let store = open(&name).await;
    let permissions =
        json!([{ "type": "native-token-transfer", "data": { "allowance": "0x2386f26fc10000" } }, { "type": "root" }]);
    let bad = js(json!({ "chainId": CHAIN, "account": ACCOUNT_A, "permissions": permissions }));
    let (code, field) = err(store.create(bad)).await;
    assert_eq!(code, "ROOT_PERMISSION_ONLY");
    assert!(field.unwrap().starts_with("permissions"));

    let r = ok(store.create(create_opts(ACCOUNT_A))).await;
    let id = s(&r, "id");
    // installCallData is the core's encoding of the record's grant.
    let call = ok(store.install_call_data(id.clone().into())).await;
    let req = SessionInstallRequest::from_json(
        &json!({
            "chainId": CHAIN, "account": ACCOUNT_A, "sessionKey": r["address"], "entityId": r["entityId"],
            "permissions": r["permissions"], "expiresAt": r["expiresAt"],
        }),
        "grant",
    )
    .unwrap();
    let now = (js_sys::Date::now() / 1000.0) as u64;
    assert_eq!(call, json!(json::hex(install::encode_session_install(&req, now).unwrap())));
    let uninstall = ok(store.uninstall_call_data(id.clone().into())).await;
    assert!(uninstall.as_str().unwrap().starts_with("0x"));

    assert_eq!(
        err(store.attach_owner_signature(id.clone().into(), "0x00".into())).await,
        ("DEFERRED_NOT_PREPARED".into(), Some("id".into()))
    );
    let (code, field) =
        err(store.deferred_install(id.clone().into(), js(json!({ "nonce": nonce(1, false, 0) })))).await;
    assert_eq!((code.as_str(), field.as_deref()), ("NUMBER_OUT_OF_RANGE", Some("nonce")));

    let first = nonce(1, true, 0);
    let d = ok(store.deferred_install(id.clone().into(), js(json!({ "nonce": first, "deadline": 0 })))).await;
    assert_eq!(d["typedData"]["primaryType"], json!("DeferredAction"));
    assert_eq!(s(&ok(store.get(id.clone().into())).await, "deferred"), "prepared");
    // The owner (anvil key 0) signs the EIP-712 digest as eth_signTypedData_v4 would.
    let owner = SessionKey::from_bytes(&alloy_primitives::hex::decode(OWNER_KEY).unwrap(), "k").unwrap();
    let digest: B256 = s(&d, "typedDataHash").parse().unwrap();
    let owner_sig = json::hex(owner.sign_hash(&digest).unwrap());
    assert_eq!(err(store.attach_owner_signature(id.clone().into(), "0x1234".into())).await.0, "INVALID_SIGNATURE");
    let after = ok(store.attach_owner_signature(id.clone().into(), owner_sig.clone().into())).await;
    assert_eq!(s(&after, "deferred"), "signed");

    // First op (the bound nonce) carries the install; its prefix is the SDK's on-chain bytes.
    let pre = alloy_primitives::hex::decode(s(&d, "preSignatureDigest")).unwrap();
    let full = deferred::deferred_action_digest(&pre, &alloy_primitives::hex::decode(&owner_sig).unwrap()).unwrap();
    let (_, bound, prefix) = deferred::split_deferred_action(&full).unwrap();
    assert_eq!(format!("{bound:#x}"), first);
    let op1 = user_op(ACCOUNT_A, first.clone());
    let sig1 = ok(store.sign_user_operation(id.clone().into(), js(op1.clone()))).await;
    let sig1 = sig1.as_str().unwrap();
    assert!(sig1.starts_with(&json::hex(&prefix)), "deferred prefix in front");
    assert_eq!(sig1.len(), 2 + 2 * (prefix.len() + 67));
    assert_eq!(op_signer(&op1, sig1).to_checksum(None), s(&r, "address"));
    // Any other nonce: plain signature.
    let op2 = user_op(ACCOUNT_A, nonce(1, false, 0));
    let sig2 = ok(store.sign_user_operation(id.clone().into(), js(op2))).await;
    assert_eq!(sig2.as_str().unwrap().len(), 2 + 2 * 67);
    // Once active, the deferred action is dropped.
    let active = ok(store.mark_active(id.clone().into())).await;
    assert_eq!(s(&active, "deferred"), "none");
    let sig3 = ok(store.sign_user_operation(id.clone().into(), js(op1))).await;
    assert_eq!(sig3.as_str().unwrap().len(), 2 + 2 * 67);
    store.close();
}

#[wasm_bindgen_test]
async fn memory_fallback_when_the_browser_cannot_store_a_cryptokey() {
    let name = fresh_name("memory").await;
    let store = SessionKeyStore::connect(&js(json!({ "name": name, "forceMemoryKey": true })))
        .await
        .map_err(|e| e.to_string())
        .unwrap();
    assert_eq!(store.persistence(), "memory");
    let r = ok(store.create(create_opts(ACCOUNT_A))).await;
    assert_eq!(s(&r, "persistence"), "memory");
    assert_eq!(r["entityId"], json!(1));
    assert_eq!(ok(store.create(create_opts(ACCOUNT_A))).await["entityId"], json!(2));
    assert_eq!(sign_and_recover(&store, &s(&r, "id")).await.to_checksum(None), s(&r, "address"));
    assert_eq!(ok(store.list(None)).await.as_array().unwrap().len(), 2);
    assert_eq!(s(&ok(store.mark_active(s(&r, "id").into())).await, "status"), "active");

    // Nothing reached IndexedDB: no key, no record.
    let db = raw_db(&name).await;
    assert!(raw_get(&db, idb::KEYS, idb::WRAP_KEY_ID).await.is_undefined());
    assert!(raw_get(&db, idb::SESSIONS, &s(&r, "id")).await.is_undefined());
    db.close();
    // And a normal store on the same database does not see memory sessions.
    let persistent = open(&name).await;
    assert_eq!(ok(persistent.list(None)).await, json!([]));
    persistent.close();
    store.close();
}

#[wasm_bindgen_test]
async fn reads_a_version_1_database() {
    let name = fresh_name("v1").await;
    let factory = idb::factory().unwrap();
    // What the first build wrote: database version 1, schema-1 records (flat iv/ciphertext).
    fn v1(db: &IdbDatabase, _tx: &web_sys::IdbTransaction, _old: u32) -> Result<(), JsValue> {
        idb::create_v1(db)
    }
    let db = idb::open(&factory, &name, 1, v1).await.unwrap();
    let wrap = webcrypto::generate_wrapping_key().await.unwrap();
    raw_put(&db, idb::KEYS, &wrap, Some(idb::WRAP_KEY_ID)).await;
    let id = "0123456789abcdef0123456789abcdef";
    let secret = alloy_primitives::hex::decode(DEV_KEY).unwrap();
    let enc = webcrypto::encrypt_key(&wrap, id, &secret).await.unwrap();
    let record = json!({
        "schema": 1, "id": id, "address": DEV_ADDR, "chainId": 11155111, "account": ACCOUNT_A,
        "entityId": 1, "permissions": [{ "type": "root" }], "expiresAt": null, "createdAt": 1_700_000_000u64,
        "status": "active", "iv": enc.iv, "ciphertext": enc.ciphertext,
    });
    raw_put(&db, idb::SESSIONS, &js(record), None).await;
    db.close();

    let store = open(&name).await;
    let r = ok(store.get(id.into())).await;
    assert_eq!(
        (s(&r, "status"), s(&r, "address"), r["entityId"].clone()),
        ("active".into(), DEV_ADDR.into(), json!(1))
    );
    assert_eq!(r["validAfter"], Value::Null);
    assert_eq!(ok(store.export_private_key(id.into())).await, json!(DEV_KEY));
    assert_eq!(sign_and_recover(&store, id).await.to_checksum(None), DEV_ADDR);
    // The version-2 index sees the old record: the next session of that account gets id 2.
    assert_eq!(ok(store.create(create_opts(ACCOUNT_A))).await["entityId"], json!(2));
    // A change rewrites the old record in the current schema.
    ok(store.mark_revoked(id.into())).await;
    let db = raw_db(&name).await;
    let raw = rust(&raw_get(&db, idb::SESSIONS, id).await);
    assert_eq!((raw["schema"].clone(), raw["status"].clone()), (json!(4), json!("revoked")));
    assert!(raw.get("iv").is_none() && raw["key"].is_null(), "revoking wiped the key: {raw}");
    db.close();
    store.close();
}

#[wasm_bindgen_test]
async fn two_instances_create_concurrently_without_loss_or_duplicates() {
    let name = fresh_name("concurrent").await;
    // Open both at once on a new database: they must agree on one wrapping key.
    let (a, b) = futures_join(
        SessionKeyStore::open(Some(js(json!({ "name": name })).unchecked_into())),
        SessionKeyStore::open(Some(js(json!({ "name": name })).unchecked_into())),
    )
    .await;
    let a = store_from(a);
    let b = store_from(b);
    let calls = Array::new();
    for i in 0..10 {
        let s = if i % 2 == 0 { &a } else { &b };
        calls.push(&s.create(create_opts(ACCOUNT_A)));
    }
    let results = rust(&ok_js(Promise::all(&calls)).await);
    let mut ids: Vec<u64> = results.as_array().unwrap().iter().map(|r| r["entityId"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    let listed_a = ok(a.list(None)).await;
    assert_eq!(listed_a.as_array().unwrap().len(), 10);
    assert_eq!(ok(b.list(None)).await, listed_a);
    // Keys created through either instance decrypt through the other.
    for r in results.as_array().unwrap() {
        assert_eq!(sign_and_recover(&a, &s(r, "id")).await.to_checksum(None), s(r, "address"));
        assert_eq!(sign_and_recover(&b, &s(r, "id")).await.to_checksum(None), s(r, "address"));
    }
    a.close();
    b.close();
}

#[wasm_bindgen_test]
async fn status_lifecycle_and_prune() {
    let name = fresh_name("status").await;
    let store = open(&name).await;
    let r = ok(store.create(create_opts(ACCOUNT_A))).await;
    let id = s(&r, "id");
    assert_eq!(s(&ok(store.mark_active(id.clone().into())).await, "status"), "active");
    assert_eq!(s(&ok(store.mark_revoked(id.clone().into())).await, "status"), "revoked");
    assert_eq!(
        err(store.mark_active(id.clone().into())).await,
        ("INVALID_STATUS_TRANSITION".into(), Some("id".into()))
    );
    assert_eq!(err(store.mark_active("missing".into())).await.0, "SESSION_NOT_FOUND");

    // Expire one session by moving its expiry into the past, as time would.
    let old = ok(store.create(create_opts(ACCOUNT_A))).await;
    let keep =
        ok(store.create(js(json!({ "chainId": 1, "account": ACCOUNT_A, "permissions": [{ "type": "root" }] })))).await;
    let db = raw_db(&name).await;
    let mut rec = rust(&raw_get(&db, idb::SESSIONS, &s(&old, "id")).await);
    rec["expiresAt"] = json!(1_000);
    raw_put(&db, idb::SESSIONS, &js(rec), None).await;
    db.close();
    assert_eq!(s(&ok(store.get(s(&old, "id").into())).await, "status"), "expired");
    // An expired key signs nothing, but can still be exported explicitly.
    assert!(ok(store.export_private_key(s(&old, "id").into())).await.is_string());
    assert_eq!(err(store.mark_active(s(&old, "id").into())).await.0, "INVALID_STATUS_TRANSITION");
    // Prune removes the expired session and the revoked tombstone.
    assert_eq!(ok(store.prune()).await, json!(2));
    assert_eq!(ok(store.prune()).await, json!(0));
    let left: Vec<String> = ok(store.list(None)).await.as_array().unwrap().iter().map(|r| s(r, "id")).collect();
    assert_eq!(left, vec![s(&keep, "id")]);
    store.close();
}

#[wasm_bindgen_test]
async fn js_open_options_and_delete_database() {
    let name = fresh_name("jsopen").await;
    let v = ok_js(SessionKeyStore::open(Some(js(json!({ "name": name })).unchecked_into()))).await;
    assert_eq!(Reflect::get(&v, &"persistence".into()).unwrap(), "indexeddb");
    let create: Function = Reflect::get(&v, &"create".into()).unwrap().dyn_into().unwrap();
    let p: Promise = create.call1(&v, &create_opts(ACCOUNT_A)).unwrap().dyn_into().unwrap();
    assert_eq!(ok(p).await["entityId"], json!(1));
    let close: Function = Reflect::get(&v, &"close".into()).unwrap().dyn_into().unwrap();
    close.call0(&v).unwrap();
    ok_js(SessionKeyStore::delete_database(Some(name.clone()))).await;
    let store = open(&name).await;
    assert_eq!(ok(store.list(None)).await, json!([]));
    store.close();
    let bad = SessionKeyStore::open(Some(js(json!({ "nmae": "x" })).unchecked_into()));
    assert_eq!(err(bad).await.0, "UNKNOWN_FIELD");
}

async fn futures_join(a: Promise, b: Promise) -> (JsValue, JsValue) {
    let both = ok_js(Promise::all(&Array::of2(&a, &b))).await;
    let arr: Array = both.dyn_into().unwrap();
    (arr.get(0), arr.get(1))
}

fn store_from(v: JsValue) -> SessionKeyStore {
    // The JS object wraps a Rust SessionKeyStore; take it back through wasm-bindgen's conversion.
    use wasm_bindgen::convert::TryFromJsValue;
    SessionKeyStore::try_from_js_value(v).map_err(|_| "not a SessionKeyStore").unwrap()
}

// ---------- the store contract, and revoking without a key ----------

/// The same suite `cargo test` runs against the memory store, here against IndexedDB.
#[wasm_bindgen_test]
async fn indexeddb_store_passes_the_store_suite() {
    use mav2_session_keys::web::idb_store::IdbStore;
    let r = mav2_session_keys::store::suite::run(|| async {
        let name = fresh_name("suite").await;
        let db = idb::open(&idb::factory().unwrap(), &name, idb::DB_VERSION, idb::upgrade)
            .await
            .map_err(|e| mav2_session_keys::Error::Storage { op: "open", detail: idb::describe(&e) })?;
        Ok(IdbStore::new(db))
    })
    .await;
    assert!(r.is_ok(), "{:?}", r.err());
}

/// With the wrapping key gone (site data partly cleared), the key cannot be opened, but the
/// session can still be revoked: the uninstall call data needs no key, and revoking wipes the
/// ciphertext, leaving a tombstone that prune removes.
#[wasm_bindgen_test]
async fn revoking_needs_no_key_and_wipes_it() {
    let name = fresh_name("revoke-wiped").await;
    let store = open(&name).await;
    let a = ok(store.create(create_opts("0x65b5ae9eAEcD5e2B6A8d8B0bA3Eb9F3F6a244d96"))).await;
    let id = s(&a, "id");
    let uninstall = ok(store.uninstall_call_data(id.clone().into())).await;
    store.close();
    let db = raw_db(&name).await;
    let tx = idb::transaction(&db, &[idb::KEYS], IdbTransactionMode::Readwrite).unwrap();
    let done = Done::new(&tx);
    idb::request(&tx.object_store(idb::KEYS).unwrap().delete(&idb::WRAP_KEY_ID.into()).unwrap()).await.unwrap();
    done.await.unwrap();
    db.close();

    let store = open(&name).await;
    assert_eq!(err(store.export_private_key(id.clone().into())).await.0, "DECRYPT_FAILED");
    assert_eq!(ok(store.uninstall_call_data(id.clone().into())).await, uninstall);
    let revoked = ok(store.mark_revoked(id.clone().into())).await;
    assert_eq!(revoked["status"], json!("revoked"));
    let raw = rust(&raw_get(&raw_db(&name).await, idb::SESSIONS, &id).await);
    assert_eq!(raw["key"], Value::Null, "the ciphertext is wiped: {raw}");
    assert_eq!(err(store.export_private_key(id.clone().into())).await.0, "KEY_WIPED");
    assert_eq!(ok(store.prune()).await, json!(1));
    assert_eq!(err(store.get(id.into())).await.0, "SESSION_NOT_FOUND");
}
