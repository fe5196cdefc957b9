//! Faults in the browser: IndexedDB writes interrupted mid-transaction, records damaged on disk,
//! a database written by a newer build, quota exceeded, storage cleared by the user, and clocks
//! that disagree with the chain. Each yields a typed error or a clean state, and sessions stored
//! intact still load and sign.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web_faults`
//!
//! Where Chrome cannot be made to fail on demand (quota, a tab killed mid-write), the failure is
//! injected at the IndexedDB API the store calls: `IDBObjectStore.prototype.add/put` are patched
//! to throw the browser's own `QuotaExceededError`, or to abort their transaction right after the
//! write was issued (what closing the page does to an uncommitted transaction).
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Promise, Reflect, JSON};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{IdbDatabase, IdbTransactionMode};

use mav2_session_keys::web::bundler::BundlerClient;
use mav2_session_keys::web::idb::{self, Done};
use mav2_session_keys::web::store::SessionKeyStore;

#[path = "common/web.rs"]
mod web_common;
use web_common::{js, rust};

wasm_bindgen_test_configure!(run_in_browser);

const ACCOUNT: &str = "0x65b5ae9eAEcD5e2B6A8d8B0bA3Eb9F3F6a244d96";
const TARGET: &str = "0x000000000000000000000000000000000000dEaD";
/// Nothing listens on the discard port: a request that gets this far fails with NETWORK_ERROR.
const NO_BUNDLER: &str = "http://127.0.0.1:9";

// ---------- helpers ----------

fn code_of(e: &JsValue) -> (String, Option<String>, String) {
    let get = |k: &str| Reflect::get(e, &k.into()).ok().and_then(|v| v.as_string());
    (get("code").unwrap_or_default(), get("field"), get("message").unwrap_or_else(|| idb::describe(e)))
}

async fn ok(p: Promise) -> Value {
    match JsFuture::from(p).await {
        Ok(v) => rust(&v),
        Err(e) => panic!("rejected: {:?}", code_of(&e)),
    }
}

/// Rejection → (code, field); it must be a real `Error` with a code.
async fn err(p: Promise) -> (String, Option<String>) {
    let e = match JsFuture::from(p).await {
        Ok(v) => panic!("expected a rejection, got {}", String::from(JSON::stringify(&v).unwrap())),
        Err(e) => e,
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let (code, field, msg) = code_of(&e);
    assert!(!code.is_empty(), "no code: {msg}");
    (code, field)
}

fn run_js(body: &str) -> JsValue {
    Function::new_no_args(body).call0(&JsValue::NULL).unwrap()
}

fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

async fn fresh_name(tag: &str) -> String {
    let name = format!("faults-{tag}-{}", js_sys::Math::random());
    JsFuture::from(SessionKeyStore::delete_database(Some(name.clone()))).await.unwrap();
    name
}

async fn open(name: &str) -> SessionKeyStore {
    SessionKeyStore::connect(&js(json!({ "name": name }))).await.map_err(|e| e.to_string()).unwrap()
}

fn opts(expires_in: u64) -> JsValue {
    js(json!({
        "chainId": 11155111, "account": ACCOUNT,
        "permissions": [{ "type": "contract-access", "data": { "address": TARGET } }],
        "expiresAt": now() + expires_in,
    }))
}

async fn raw_db(name: &str, version: u32) -> IdbDatabase {
    idb::open(&idb::factory().unwrap(), name, version, idb::upgrade).await.unwrap()
}

async fn raw_get(db: &IdbDatabase, key: &str) -> JsValue {
    let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readonly).unwrap();
    let req = tx.object_store(idb::SESSIONS).unwrap().get(&key.into()).unwrap();
    idb::request(&req).await.unwrap()
}

async fn raw_count(db: &IdbDatabase) -> f64 {
    let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readonly).unwrap();
    let req = tx.object_store(idb::SESSIONS).unwrap().count().unwrap();
    idb::request(&req).await.unwrap().as_f64().unwrap()
}

async fn raw_put(db: &IdbDatabase, store: &str, value: &JsValue) {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readwrite).unwrap();
    let done = Done::new(&tx);
    idb::request(&tx.object_store(store).unwrap().put(value).unwrap()).await.unwrap();
    done.await.unwrap();
}

async fn raw_delete(db: &IdbDatabase, store: &str, key: &str) {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readwrite).unwrap();
    let done = Done::new(&tx);
    idb::request(&tx.object_store(store).unwrap().delete(&key.into()).unwrap()).await.unwrap();
    done.await.unwrap();
}

/// A session still loads, and its key signs an operation of its own.
async fn still_signs(store: &SessionKeyStore, rec: &Value) {
    let id = rec["id"].as_str().unwrap();
    let got = ok(store.get(id.into())).await;
    assert_eq!(got["address"], rec["address"]);
    let nonce = format!("{:#x}", (alloy_primitives::U256::from(rec["entityId"].as_u64().unwrap()) << 72));
    let op = js(json!({
        "sender": ACCOUNT, "nonce": nonce, "callData": "0x", "callGasLimit": 1, "verificationGasLimit": 1,
        "preVerificationGas": 1, "maxFeePerGas": 1, "maxPriorityFeePerGas": 1,
    }));
    let sig = JsFuture::from(store.sign_user_operation(id.into(), op)).await.map_err(|e| code_of(&e)).unwrap();
    assert_eq!(sig.as_string().unwrap().len(), 2 + 2 * 67);
}

/// Patch `IDBObjectStore.prototype[method]`; `mode` "quota" throws QuotaExceededError, "abort"
/// issues the write and aborts its transaction at once (the page went away before the commit).
struct Patch(&'static str);

impl Patch {
    fn new(method: &'static str, mode: &str) -> Patch {
        run_js(&format!(
            r#"const p = IDBObjectStore.prototype;
               p.__orig_{method} = p.{method};
               p.{method} = function (...args) {{
                 if ("{mode}" === "quota") throw new DOMException("simulated: the origin's storage quota is exhausted", "QuotaExceededError");
                 const req = p.__orig_{method}.apply(this, args);
                 this.transaction.abort();
                 return req;
               }};"#
        ));
        Patch(method)
    }
}

impl Drop for Patch {
    fn drop(&mut self) {
        let m = self.0;
        run_js(&format!("const p = IDBObjectStore.prototype; p.{m} = p.__orig_{m}; delete p.__orig_{m};"));
    }
}

// ---------- IndexedDB ----------

#[wasm_bindgen_test]
async fn a_create_interrupted_mid_transaction_leaves_nothing_behind() {
    let name = fresh_name("interrupt").await;
    let store = open(&name).await;
    let kept = ok(store.create(opts(3600))).await;

    {
        let _p = Patch::new("add", "abort");
        let (code, _) = err(store.create(opts(3600))).await;
        assert_eq!(code, "STORAGE_FAILED");
    }
    // Closing the store while create is in flight (the page navigating away): create either
    // completes or fails typed; what is on disk is whole either way.
    let p = store.create(opts(3600));
    store.close();
    let outcome = JsFuture::from(p).await;
    if let Err(e) = &outcome {
        let (code, _, msg) = code_of(e);
        assert!(["STORE_CLOSED", "STORAGE_FAILED"].contains(&code.as_str()), "{code} {msg}");
    }

    let db = raw_db(&name, idb::DB_VERSION).await;
    let n = raw_count(&db).await;
    db.close();
    let store = open(&name).await;
    let list = ok(store.list(None)).await;
    assert_eq!(list.as_array().unwrap().len() as f64, n, "every stored record reads back");
    assert_eq!(n, if outcome.is_ok() { 2.0 } else { 1.0 });
    still_signs(&store, &kept).await;
    for r in list.as_array().unwrap() {
        still_signs(&store, r).await;
    }
    // and the store keeps working
    let again = ok(store.create(opts(3600))).await;
    still_signs(&store, &again).await;
    store.close();
}

#[wasm_bindgen_test]
async fn quota_exceeded_is_a_typed_error_and_changes_nothing() {
    let name = fresh_name("quota").await;
    let store = open(&name).await;
    let kept = ok(store.create(opts(3600))).await;
    {
        let _p = Patch::new("add", "quota");
        let (code, field) = err(store.create(opts(3600))).await;
        assert_eq!((code.as_str(), field), ("STORAGE_FAILED", None));
    }
    {
        // an update (markActive) that cannot be written leaves the record as it was
        let _p = Patch::new("put", "quota");
        assert_eq!(err(store.mark_active(kept["id"].as_str().unwrap().into())).await.0, "STORAGE_FAILED");
    }
    {
        let _p = Patch::new("put", "abort");
        assert_eq!(err(store.mark_active(kept["id"].as_str().unwrap().into())).await.0, "STORAGE_FAILED");
    }
    let got = ok(store.get(kept["id"].as_str().unwrap().into())).await;
    assert_eq!(got["status"], "pending");
    assert_eq!(ok(store.list(None)).await.as_array().unwrap().len(), 1);
    still_signs(&store, &kept).await;
    // once space is back, the same calls work
    assert_eq!(ok(store.mark_active(kept["id"].as_str().unwrap().into())).await["status"], "active");
    ok(store.create(opts(3600))).await;
    store.close();
}

#[wasm_bindgen_test]
async fn records_corrupted_on_disk_are_typed_errors_and_the_rest_loads() {
    let name = fresh_name("corrupt").await;
    let store = open(&name).await;
    let good = ok(store.create(opts(3600))).await;
    let victim = ok(store.create(opts(3600))).await;
    let db = raw_db(&name, idb::DB_VERSION).await;
    let original = rust(&raw_get(&db, victim["id"].as_str().unwrap()).await);

    type Damage = Box<dyn Fn(&mut Value)>;
    let damage: Vec<(&str, Damage, &str)> = vec![
        ("iv too short", Box::new(|r| r["key"]["iv"] = json!("0x0102")), "RECORD_CORRUPT"),
        ("ciphertext not hex", Box::new(|r| r["key"]["ciphertext"] = json!("0xzz")), "RECORD_CORRUPT"),
        ("ciphertext truncated", Box::new(|r| r["key"]["ciphertext"] = json!("0x00")), "DECRYPT_FAILED"),
        (
            "key missing",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("key");
            }),
            "RECORD_CORRUPT",
        ),
        ("unknown algorithm", Box::new(|r| r["key"]["alg"] = json!("ROT13")), "RECORD_CORRUPT"),
        (
            "address of another key",
            Box::new(|r| r["address"] = json!("0x0000000000000000000000000000000000000001")),
            "DECRYPT_FAILED",
        ),
        ("address not an address", Box::new(|r| r["address"] = json!(7)), "RECORD_CORRUPT"),
        ("entityId negative", Box::new(|r| r["entityId"] = json!(-1)), "RECORD_CORRUPT"),
        ("status unknown", Box::new(|r| r["status"] = json!("zombie")), "RECORD_CORRUPT"),
        ("permissions damaged", Box::new(|r| r["permissions"] = json!([{ "type": "nope" }])), "RECORD_CORRUPT"),
        (
            "schema missing",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("schema");
            }),
            "RECORD_CORRUPT",
        ),
        ("schema a string", Box::new(|r| r["schema"] = json!("2")), "RECORD_CORRUPT"),
        ("deferred damaged", Box::new(|r| r["deferred"] = json!({ "nonce": "x" })), "RECORD_CORRUPT"),
        ("an extra field", Box::new(|r| r["plaintextKey"] = json!("0x00")), "RECORD_CORRUPT"),
    ];
    for (what, f, want) in damage {
        let mut r = original.clone();
        f(&mut r);
        raw_put(&db, idb::SESSIONS, &js(r)).await;
        let id: JsValue = victim["id"].as_str().unwrap().into();
        // reading the record or using its key: a typed error naming the session
        let read = JsFuture::from(store.get(id.clone())).await;
        let used = JsFuture::from(store.export_private_key(id.clone())).await;
        let grant = JsFuture::from(store.install_call_data(id.clone())).await;
        let codes: Vec<String> =
            [read, used, grant].iter().filter_map(|r| r.as_ref().err().map(|e| code_of(e).0)).collect();
        assert!(codes.iter().any(|c| c == want), "{what}: {codes:?}, expected {want}");
        assert!(codes.iter().all(|c| !c.is_empty()), "{what}: untyped error");
        // list() skips what it cannot read and still shows the good one
        let list = ok(store.list(None)).await;
        assert!(list.as_array().unwrap().iter().any(|r| r["id"] == good["id"]), "{what}");
        still_signs(&store, &good).await;
        // prune() keeps unreadable records (nothing is deleted on a guess)
        assert_eq!(ok(store.prune()).await, json!(0), "{what}");
    }
    raw_put(&db, idb::SESSIONS, &js(original)).await;
    db.close();
    still_signs(&store, &victim).await;
    store.close();
}

#[wasm_bindgen_test]
async fn a_database_from_a_newer_build_is_refused_and_left_intact() {
    let name = fresh_name("newer").await;
    let store = open(&name).await;
    ok(store.create(opts(3600))).await;
    store.close();
    // A newer build upgraded the database (version + 1) and wrote a record of its own schema.
    let db = raw_db(&name, idb::DB_VERSION + 1).await;
    raw_put(&db, idb::SESSIONS, &js(json!({ "id": "from-the-future", "schema": 5, "chainId": 1, "account": ACCOUNT })))
        .await;
    db.close();

    let e = SessionKeyStore::connect(&js(json!({ "name": name })))
        .await
        .err()
        .expect("an older build must not open a newer database");
    assert_eq!(e.code(), "STORAGE_FAILED");
    assert!(e.to_string().contains("newer build"), "{e}");
    // nothing was destroyed: the newer build still finds both records
    let db = raw_db(&name, idb::DB_VERSION + 1).await;
    assert_eq!(raw_count(&db).await, 2.0);
    db.close();

    // A record of a newer schema inside a database of this version: that one is refused, the
    // others load.
    let name = fresh_name("newer-record").await;
    let store = open(&name).await;
    let good = ok(store.create(opts(3600))).await;
    let db = raw_db(&name, idb::DB_VERSION).await;
    raw_put(&db, idb::SESSIONS, &js(json!({ "id": "v5", "schema": 5, "somethingNew": true }))).await;
    db.close();
    assert_eq!(err(store.get("v5".into())).await, ("SCHEMA_TOO_NEW".into(), Some("id".into())));
    assert_eq!(ok(store.list(None)).await.as_array().unwrap().len(), 1);
    still_signs(&store, &good).await;
    store.close();
}

#[wasm_bindgen_test]
async fn storage_cleared_by_the_user() {
    // Everything cleared while the page is open: the open store fails typed, a new one is empty.
    let name = fresh_name("cleared").await;
    let store = open(&name).await;
    let gone = ok(store.create(opts(3600))).await;
    idb::delete_database(&idb::factory().unwrap(), &name).await.unwrap();
    let (code, _) = err(store.get(gone["id"].as_str().unwrap().into())).await;
    assert!(["STORAGE_FAILED", "SESSION_NOT_FOUND"].contains(&code.as_str()), "{code}");
    let (code, _) = err(store.create(opts(3600))).await;
    assert_eq!(code, "STORAGE_FAILED");
    let store = open(&name).await;
    assert_eq!(ok(store.list(None)).await, json!([]));
    assert_eq!(err(store.get(gone["id"].as_str().unwrap().into())).await.0, "SESSION_NOT_FOUND");
    let fresh = ok(store.create(opts(3600))).await;
    still_signs(&store, &fresh).await;
    store.close();

    // Only the wrapping key cleared: old sessions are listed but refuse to decrypt (typed), new
    // ones work, and no key is ever written in plaintext to make up for it.
    let name = fresh_name("wrap-cleared").await;
    let store = open(&name).await;
    let old = ok(store.create(opts(3600))).await;
    store.close();
    let db = raw_db(&name, idb::DB_VERSION).await;
    raw_delete(&db, idb::KEYS, idb::WRAP_KEY_ID).await;
    db.close();
    let store = open(&name).await;
    assert_eq!(ok(store.list(None)).await.as_array().unwrap().len(), 1);
    assert_eq!(
        err(store.export_private_key(old["id"].as_str().unwrap().into())).await,
        ("DECRYPT_FAILED".into(), Some("id".into()))
    );
    let fresh = ok(store.create(opts(3600))).await;
    still_signs(&store, &fresh).await;
    let db = raw_db(&name, idb::DB_VERSION).await;
    let stored = String::from(JSON::stringify(&raw_get(&db, fresh["id"].as_str().unwrap()).await).unwrap());
    db.close();
    assert!(stored.contains("\"ciphertext\"") && !stored.contains("privateKey"), "{stored}");
    store.close();
}

// ---------- clock ----------

/// Wrap the page's `fetch` to count calls.
fn count_fetches() -> impl Fn() -> f64 {
    run_js("if (!globalThis.__realFetch) { globalThis.__realFetch = globalThis.fetch; globalThis.fetch = (...a) => { globalThis.__fetches = (globalThis.__fetches || 0) + 1; return globalThis.__realFetch(...a); }; } globalThis.__fetches = 0;");
    || Reflect::get(&js_sys::global(), &"__fetches".into()).unwrap().as_f64().unwrap_or(0.0)
}

async fn send(
    client: &BundlerClient,
    store: &SessionKeyStore,
    id: &str,
    options: Value,
) -> Result<JsValue, (String, Option<String>, String)> {
    let calls = js(json!([{ "target": TARGET, "data": "0x" }]));
    client.send_calls(store, id.into(), calls, Some(js(options).unchecked_into())).await.map_err(|e| code_of(&e))
}

#[wasm_bindgen_test]
async fn clock_skew_is_covered_by_a_safety_margin_before_expires_at() {
    let name = fresh_name("clock").await;
    let store = open(&name).await;
    let client = BundlerClient::new(js(json!({ "bundlerUrl": NO_BUNDLER, "requestTimeoutMs": 2000 })))
        .map_err(|e| code_of(&e))
        .unwrap();
    let fetches = count_fetches();

    // Expires in 10 s: with the default margin (30 s) a page clock 10+ s behind the chain would
    // send an operation the chain already considers expired; refused before any request.
    let soon = ok(store.create(opts(10))).await;
    let id = soon["id"].as_str().unwrap();
    let (code, field, _) = send(&client, &store, id, json!({})).await.unwrap_err();
    assert_eq!((code.as_str(), field.as_deref()), ("SESSION_EXPIRED", Some("expiresAt")));
    let (code, _, _) = send(&client, &store, id, json!({ "safetyMarginSeconds": 20 })).await.unwrap_err();
    assert_eq!(code, "SESSION_EXPIRED");
    assert_eq!(fetches(), 0.0, "a refused send makes no request");
    // The margin is configurable: with 0 the pre-check passes and the send reaches the network
    // (which is not there: a typed network error).
    let (code, _, _) = send(&client, &store, id, json!({ "safetyMarginSeconds": 0 })).await.unwrap_err();
    assert_eq!(code, "NETWORK_ERROR");
    assert!(fetches() > 0.0);

    // A session the page already considers expired is refused by the store itself.
    let expired = ok(store.create(opts(3600))).await;
    let eid = expired["id"].as_str().unwrap();
    let db = raw_db(&name, idb::DB_VERSION).await;
    let mut r = rust(&raw_get(&db, eid).await);
    r["expiresAt"] = json!(now() - 5);
    raw_put(&db, idb::SESSIONS, &js(r)).await;
    db.close();
    assert_eq!(ok(store.get(eid.into())).await["status"], "expired");
    let fetches = count_fetches();
    let (code, _, _) = send(&client, &store, eid, json!({ "safetyMarginSeconds": 0 })).await.unwrap_err();
    assert!(["EXPIRED", "SESSION_EXPIRED"].contains(&code.as_str()), "{code}");
    assert_eq!(fetches(), 0.0);
    let op = js(json!({
        "sender": ACCOUNT, "nonce": format!("{:#x}", alloy_primitives::U256::from(expired["entityId"].as_u64().unwrap()) << 72),
        "callData": "0x", "callGasLimit": 1, "verificationGasLimit": 1, "preVerificationGas": 1, "maxFeePerGas": 1, "maxPriorityFeePerGas": 1,
    }));
    assert_eq!(err(store.sign_user_operation(eid.into(), op)).await, ("EXPIRED".into(), Some("expiresAt".into())));

    // A page clock behind a session's validAfter: not valid yet, refused before any request.
    let later = js(json!({
        "chainId": 11155111, "account": ACCOUNT, "permissions": [{ "type": "contract-access", "data": { "address": TARGET } }],
        "validAfter": now() + 600, "expiresAt": now() + 3600,
    }));
    let later = ok(store.create(later)).await;
    let (code, field, _) = send(&client, &store, later["id"].as_str().unwrap(), json!({})).await.unwrap_err();
    assert_eq!((code.as_str(), field.as_deref()), ("SESSION_NOT_YET_VALID", Some("validAfter")));
    assert_eq!(fetches(), 0.0);
    store.close();
}
