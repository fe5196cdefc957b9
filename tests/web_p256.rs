//! Browser tests of `p256-webcrypto` sessions: the key WebCrypto makes non-extractable, kept as a
//! `CryptoKey` in IndexedDB, refused by every export path, alive across a reopen, and signing
//! WebAuthn assertions that WebCrypto's own `verify` accepts. With the devnet at build time
//! (`eval "$(bash .ci/devnet env)"`): the stand-in of the module's check accepts them and refuses
//! tampered ones, and a session made here is granted and acts through alto on the 7702 delegate
//! stand-in.
//! `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web_p256`
#![cfg(target_arch = "wasm32")]

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolValue;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use k256::sha2::{Digest, Sha256};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{CryptoKey, IdbDatabase, IdbTransactionMode};

use mav2_session_keys::addresses::{ENTRY_POINT_V07, WEBAUTHN_VALIDATION_MODULE};
use mav2_session_keys::json;
use mav2_session_keys::sign::eip191_digest;
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::web::idb;
use mav2_session_keys::web::store::SessionKeyStore;
use mav2_session_keys::web::webcrypto;
use mav2_session_keys::webauthn::{WebAuthnAuth, N};

#[path = "common/web.rs"]
mod web_common;
use web_common::{authorization_js, js, key_wallet, rust};

wasm_bindgen_test_configure!(run_in_browser);

const ACCOUNT: &str = "0x65b5ae9eAEcD5e2B6A8d8B0bA3Eb9F3F6a244d96";
const CHAIN: u64 = 11155111;

// ---------- helpers ----------

async fn ok(p: Promise) -> Value {
    match JsFuture::from(p).await {
        Ok(v) => rust(&v),
        Err(e) => panic!("rejected: {}", idb::describe(&e)),
    }
}

/// Rejection → (code, field).
async fn err(p: Promise) -> (String, Option<String>) {
    let e = JsFuture::from(p).await.expect_err("expected a rejection");
    let code = Reflect::get(&e, &"code".into()).unwrap().as_string().expect("error.code");
    (code, Reflect::get(&e, &"field".into()).unwrap().as_string())
}

async fn fresh_name(tag: &str) -> String {
    let name = format!("test-p256-{tag}-{}", js_sys::Math::random());
    JsFuture::from(SessionKeyStore::delete_database(Some(name.clone()))).await.unwrap();
    name
}

async fn open(options: Value) -> SessionKeyStore {
    SessionKeyStore::connect(&js(options)).await.map_err(|e| e.to_string()).unwrap()
}

fn p256_opts() -> JsValue {
    let in_an_hour = (js_sys::Date::now() / 1000.0) as u64 + 3600;
    js(json!({
        "chainId": CHAIN, "account": ACCOUNT, "keyKind": "p256-webcrypto", "expiresAt": in_an_hour,
        "permissions": [{ "type": "contract-access", "data": { "address": "0x4444444444444444444444444444444444444444" } }]
    }))
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}")).to_string()
}

async fn raw_db(name: &str) -> IdbDatabase {
    idb::open(&idb::factory().unwrap(), name, idb::DB_VERSION, idb::upgrade).await.unwrap()
}

async fn raw_get(db: &IdbDatabase, store: &str, key: &str) -> JsValue {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readonly).unwrap();
    let req = tx.object_store(store).unwrap().get(&key.into()).unwrap();
    idb::request(&req).await.unwrap()
}

fn user_op(nonce: U256) -> Value {
    json!({
        "sender": ACCOUNT, "nonce": json::quantity(nonce), "callData": "0xb61d27f6", "callGasLimit": "0x5208",
        "verificationGasLimit": "0x30000", "preVerificationGas": "0xc350",
        "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x3b9aca00", "signature": "0x"
    })
}

fn hash_of(op: &Value) -> B256 {
    json::from_value::<UserOperation>(op).unwrap().hash(CHAIN, ENTRY_POINT_V07).unwrap()
}

fn location(part: &str) -> String {
    let loc = Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    Reflect::get(&loc, &part.into()).unwrap().as_string().unwrap()
}

/// Base64url without padding (RFC 4648 §5), written out here to check the library's.
fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bits: Vec<bool> = bytes.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect();
    bits.chunks(6)
        .map(|c| ABC[c.iter().chain([false; 6].iter()).take(6).fold(0, |n, b| n * 2 + *b as usize)] as char)
        .collect()
}

/// WebCrypto's own ECDSA P-256 / SHA-256 verification of `r ‖ s` over `message` under the
/// session's public key (`{ x, y }` from its record).
async fn webcrypto_verifies(public: &Value, rs: &[u8], message: &[u8]) -> bool {
    let raw = alloy_primitives::hex::decode(format!("04{}{}", &s(public, "x")[2..], &s(public, "y")[2..])).unwrap();
    let alg = Object::new();
    Reflect::set(&alg, &"name".into(), &"ECDSA".into()).unwrap();
    Reflect::set(&alg, &"namedCurve".into(), &"P-256".into()).unwrap();
    let subtle = webcrypto::subtle().unwrap();
    let usages = Array::of1(&"verify".into());
    let p = subtle.import_key_with_object("raw", Uint8Array::from(&raw[..]).unchecked_ref(), &alg, true, &usages);
    let key: CryptoKey = JsFuture::from(p.unwrap()).await.unwrap().dyn_into().unwrap();
    Reflect::set(&alg, &"hash".into(), &"SHA-256".into()).unwrap();
    let p = subtle.verify_with_object_and_u8_array_and_u8_array(&alg, &key, rs, message).unwrap();
    JsFuture::from(p).await.unwrap().as_bool().unwrap()
}

/// The session's signature of `op`, checked as the WebAuthn library checks it, and verified by
/// WebCrypto; returns the assertion.
async fn check_signature(sig: &str, op: &Value, public: &Value, origin: &str, rp_id: &str) -> WebAuthnAuth {
    let sig = alloy_primitives::hex::decode(sig).unwrap();
    assert_eq!(sig[0], 0xFF, "validation segment, no type byte");
    let auth = WebAuthnAuth::abi_decode(&sig[1..]).unwrap();
    let client: Value = serde_json::from_str(&auth.clientDataJSON).unwrap();
    assert_eq!(client["type"], json!("webauthn.get"));
    assert_eq!(s(&client, "challenge"), base64url(eip191_digest(&hash_of(op)).as_slice()));
    assert_eq!(client["origin"], json!(origin));
    let type_at = auth.typeIndex.to::<usize>();
    assert!(auth.clientDataJSON[type_at..].starts_with(r#""type":"webauthn.get","#));
    let challenge_at = auth.challengeIndex.to::<usize>();
    assert!(auth.clientDataJSON[challenge_at..].starts_with(r#""challenge":""#));
    assert_eq!(&auth.authenticatorData[..32], &Sha256::digest(rp_id.as_bytes())[..]);
    assert_eq!(auth.authenticatorData[32] & 0x01, 1, "user present");
    assert!(auth.s <= N >> 1, "low s");
    let mut message = auth.authenticatorData.to_vec();
    message.extend_from_slice(&Sha256::digest(auth.clientDataJSON.as_bytes()));
    let rs = [auth.r.to_be_bytes::<32>(), auth.s.to_be_bytes::<32>()].concat();
    assert!(webcrypto_verifies(public, &rs, &message).await, "WebCrypto verifies the assertion");
    // A tampered assertion does not verify.
    let mut tampered = message.clone();
    tampered[32] ^= 0x04;
    assert!(!webcrypto_verifies(public, &rs, &tampered).await);
    auth
}

fn nonce(entity: u64, sequence: u64) -> U256 {
    (U256::from(entity << 8) << 64) | U256::from(sequence)
}

// ---------- tests ----------

#[wasm_bindgen_test]
async fn the_key_is_a_non_extractable_crypto_key_that_no_path_exports() {
    let name = fresh_name("extract").await;
    let store = open(json!({ "name": name })).await;
    let r = ok(store.create(p256_opts())).await;
    let id = s(&r, "id");
    assert_eq!(
        (s(&r, "keyKind"), &r["address"], s(&r, "persistence")),
        ("p256-webcrypto".into(), &Value::Null, "indexeddb".into())
    );
    assert_eq!(s(&r["publicKey"], "x").len(), 66);
    assert!(r.get("key").is_none());

    // The package's export path.
    assert_eq!(
        err(store.export_private_key(id.clone().into())).await,
        ("KEY_NOT_EXPORTABLE".into(), Some("id".into()))
    );
    // What is stored: a record without key bytes, and a CryptoKey WebCrypto will not export.
    let db = raw_db(&name).await;
    let stored = rust(&raw_get(&db, idb::SESSIONS, &id).await);
    assert_eq!((stored["schema"].clone(), stored["keyKind"].clone()), (json!(4), json!("p256-webcrypto")));
    assert_eq!(
        stored["key"],
        json!({ "alg": "webcrypto-p256", "iv": "0x000000000000000000000000", "ciphertext": "0x" })
    );
    let key: CryptoKey = raw_get(&db, idb::P256_KEYS, &id).await.dyn_into().expect("a CryptoKey in p256Keys");
    assert!(!key.extractable());
    assert_eq!(key.type_(), "private");
    let alg = rust(&key.algorithm().unwrap());
    assert_eq!(alg, json!({ "name": "ECDSA", "namedCurve": "P-256" }));
    assert_eq!(rust(&key.usages()), json!(["sign"]));
    let subtle = webcrypto::subtle().unwrap();
    for format in ["pkcs8", "jwk", "raw", "spki"] {
        let e = JsFuture::from(subtle.export_key(format, &key).unwrap()).await.expect_err("exportKey must fail");
        assert_eq!(idb::error_name(&e), "InvalidAccessError", "{format}");
    }
    // Nor can it be wrapped out under a key the script holds.
    let kw = Object::new();
    Reflect::set(&kw, &"name".into(), &"AES-KW".into()).unwrap();
    Reflect::set(&kw, &"length".into(), &256.into()).unwrap();
    let p = subtle.generate_key_with_object(&kw, true, &Array::of1(&"wrapKey".into())).unwrap();
    let wrapper: CryptoKey = JsFuture::from(p).await.unwrap().dyn_into().unwrap();
    for format in ["pkcs8", "jwk"] {
        let p = subtle.wrap_key_with_str(format, &key, &wrapper, "AES-KW").unwrap();
        let e = JsFuture::from(p).await.expect_err("wrapKey must fail");
        assert_eq!(idb::error_name(&e), "InvalidAccessError", "wrapKey {format}");
    }
    db.close();

    // A P-256 key cannot be imported; the grant names the WebAuthn module.
    let mut import = rust(&p256_opts());
    import["privateKey"] = json!(format!("0x{}", "11".repeat(32)));
    assert_eq!(
        err(store.import_private_key(js(import))).await,
        ("KEY_KIND_UNSUPPORTED".into(), Some("keyKind".into()))
    );
    store.close();
}

#[wasm_bindgen_test]
async fn it_survives_a_reopen_and_signs_assertions_webcrypto_verifies() {
    let name = fresh_name("reopen").await;
    let store = open(json!({ "name": name })).await;
    let r = ok(store.create(p256_opts())).await;
    let id = s(&r, "id");
    let call = ok(store.install_call_data(id.clone().into())).await;
    let call = alloy_primitives::hex::decode(call.as_str().unwrap()).unwrap();
    // validationConfig (bytes25, left-aligned in the first word): module ‖ entity id ‖ flags.
    assert_eq!(&call[4..24], WEBAUTHN_VALIDATION_MODULE.as_slice(), "installValidation of the WebAuthn module");
    store.close();

    let store = open(json!({ "name": name })).await;
    assert_eq!(ok(store.get(id.clone().into())).await, r, "the same record after a reopen");
    let (origin, host) = (location("origin"), location("hostname"));
    for seq in 0..3 {
        let op = user_op(nonce(1, seq));
        let sig = ok(store.sign_user_operation(id.clone().into(), js(op.clone()))).await;
        check_signature(sig.as_str().unwrap(), &op, &r["publicKey"], &origin, &host).await;
    }
    // Revoking forgets the CryptoKey; the tombstone has no key.
    ok(store.mark_revoked(id.clone().into())).await;
    let db = raw_db(&name).await;
    assert!(raw_get(&db, idb::P256_KEYS, &id).await.is_undefined(), "the CryptoKey is deleted");
    db.close();
    assert_eq!(err(store.export_private_key(id.clone().into())).await.0, "KEY_NOT_EXPORTABLE");
    let op = user_op(nonce(1, 0));
    assert_eq!(err(store.sign_user_operation(id.into(), js(op))).await.0, "SESSION_REVOKED");
    store.close();
}

#[wasm_bindgen_test]
async fn the_assertion_names_the_rp_and_origin_given_at_open() {
    let name = fresh_name("rp").await;
    let store =
        open(json!({ "name": name, "webauthn": { "rpId": "wallet.example", "origin": "https://wallet.example" } }))
            .await;
    let r = ok(store.create(p256_opts())).await;
    let op = user_op(nonce(1, 9));
    let sig = ok(store.sign_user_operation(s(&r, "id").into(), js(op.clone()))).await;
    check_signature(sig.as_str().unwrap(), &op, &r["publicKey"], "https://wallet.example", "wallet.example").await;
    // Deleting the session deletes its CryptoKey.
    assert_eq!(ok(store.delete(s(&r, "id").into())).await, json!(true));
    let db = raw_db(&name).await;
    assert!(raw_get(&db, idb::P256_KEYS, &s(&r, "id")).await.is_undefined());
    db.close();
    store.close();
    let bad = SessionKeyStore::connect(&js(json!({ "name": name, "webauthn": { "origin": "https://a\"b" } }))).await;
    assert_eq!(bad.err().map(|e| (e.code(), e.field())), Some(("INVALID_ASSERTION", Some("origin".into()))));
}

#[wasm_bindgen_test]
async fn where_no_crypto_key_can_be_stored_the_key_lives_in_the_page() {
    let name = fresh_name("memory").await;
    let store = open(json!({ "name": name, "forceMemoryKey": true })).await;
    assert_eq!(store.persistence(), "memory");
    let r = ok(store.create(p256_opts())).await;
    assert_eq!(s(&r, "persistence"), "memory");
    let op = user_op(nonce(1, 0));
    let sig = ok(store.sign_user_operation(s(&r, "id").into(), js(op.clone()))).await;
    check_signature(sig.as_str().unwrap(), &op, &r["publicKey"], &location("origin"), &location("hostname")).await;
    assert_eq!(err(store.export_private_key(s(&r, "id").into())).await.0, "KEY_NOT_EXPORTABLE");
    store.close();
    // Nothing was written to IndexedDB.
    let db = raw_db(&name).await;
    assert!(raw_get(&db, idb::P256_KEYS, &s(&r, "id")).await.is_undefined());
    assert!(raw_get(&db, idb::SESSIONS, &s(&r, "id")).await.is_undefined());
    db.close();
}

/// The upgrade a version-2 build ran: `sessions`, `keys` and the `byAccount` index, no `p256Keys`.
fn upgrade_to_v2(db: &IdbDatabase, tx: &web_sys::IdbTransaction, old: u32) -> Result<(), JsValue> {
    if old < 1 {
        idb::create_v1(db)?;
    }
    let params = web_sys::IdbIndexParameters::new();
    params.set_unique(false);
    let path = Array::of2(&"chainId".into(), &"account".into());
    tx.object_store(idb::SESSIONS)?.create_index_with_str_sequence_and_optional_parameters(
        idb::BY_ACCOUNT,
        &path,
        &params,
    )?;
    Ok(())
}

async fn raw_put(db: &IdbDatabase, store: &str, value: &JsValue, key: Option<&str>) {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readwrite).unwrap();
    let done = idb::Done::new(&tx);
    let os = tx.object_store(store).unwrap();
    let req = match key {
        Some(k) => os.put_with_key(value, &k.into()).unwrap(),
        None => os.put(value).unwrap(),
    };
    idb::request(&req).await.unwrap();
    done.await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_2_database_upgrades_and_its_secp256k1_sessions_still_sign() {
    // A secp256k1 session as this build stores it; then the same record as a schema-3 build wrote it.
    let here = fresh_name("v3-source").await;
    let store = open(json!({ "name": here })).await;
    let root = json!({ "chainId": CHAIN, "account": ACCOUNT, "permissions": [{ "type": "root" }] });
    let mut r = ok(store.create(js(root))).await;
    let id = s(&r, "id");
    let op = user_op(nonce(1, 0));
    let before = ok(store.sign_user_operation(id.clone().into(), js(op.clone()))).await;
    store.close();
    let db = raw_db(&here).await;
    let mut record = rust(&raw_get(&db, idb::SESSIONS, &id).await);
    let wrap = raw_get(&db, idb::KEYS, idb::WRAP_KEY_ID).await;
    db.close();
    record["schema"] = json!(3);
    record.as_object_mut().unwrap().remove("keyKind");
    record.as_object_mut().unwrap().remove("publicKey");

    let old = fresh_name("v2").await;
    let db = idb::open(&idb::factory().unwrap(), &old, 2, upgrade_to_v2).await.unwrap();
    raw_put(&db, idb::SESSIONS, &js(record), None).await;
    raw_put(&db, idb::KEYS, &wrap, Some(idb::WRAP_KEY_ID)).await;
    db.close();

    let store = open(json!({ "name": old })).await;
    assert_eq!(store.persistence(), "indexeddb");
    let got = ok(store.get(id.clone().into())).await;
    r["persistence"] = got["persistence"].clone();
    assert_eq!(got, r, "read as a secp256k1 session");
    assert_eq!(got["keyKind"], json!("secp256k1"));
    assert_eq!(ok(store.sign_user_operation(id.into(), js(op))).await, before, "the same key");
    // The upgrade added p256Keys: a P-256 session can be made there.
    let p = ok(store.create(p256_opts())).await;
    assert_eq!(s(&p, "keyKind"), "p256-webcrypto");
    store.close();
}

// ---------- on the devnet: the stand-in of the module's check ----------

alloy_sol_types::sol! {
    /// tests/devnet/WebAuthnVerifier.sol.
    interface IStandInWebAuthnVerifier {
        function validateUserOpSignature(bytes32 userOpHash, bytes signature, uint256 x, uint256 y)
            external view returns (bool);
        function hasP256Precompile() external view returns (bool);
    }
}

/// The devnet's node and the verifier stand-in, when the build had them (`bash .ci/devnet up`,
/// `eval "$(bash .ci/devnet env)"`).
fn devnet_verifier() -> Option<(&'static str, alloy_primitives::Address)> {
    match (option_env!("MAV2_DEVNET_RPC_URL"), option_env!("MAV2_DEVNET_WEBAUTHN_VERIFIER")) {
        (Some(rpc), Some(v)) => Some((rpc, v.parse().unwrap())),
        _ => {
            web_sys::console::log_1(
                &"web_p256: devnet test skipped (no MAV2_DEVNET_WEBAUTHN_VERIFIER at build time)".into(),
            );
            None
        }
    }
}

#[wasm_bindgen_test]
async fn the_devnet_stand_in_accepts_what_the_package_signs_and_refuses_tampering() {
    use alloy_sol_types::SolCall;
    use mav2_session_keys::rpc::{bundler, RpcClient};
    use mav2_session_keys::send::{AccountKind, SendConfig, Sender};
    use mav2_session_keys::service::Network;
    use mav2_session_keys::web::clock::WebClock;
    use mav2_session_keys::web::fetch::FetchTransport;
    let Some((rpc, verifier)) = devnet_verifier() else { return };
    let node = RpcClient::new(FetchTransport::new(rpc, 10_000));
    let accepts = |hash: B256, sig: Vec<u8>, x: U256, y: U256| {
        let data =
            IStandInWebAuthnVerifier::validateUserOpSignatureCall { userOpHash: hash, signature: sig.into(), x, y }
                .abi_encode();
        let node = &node;
        async move {
            let out = bundler::eth_call(node, &WebClock, verifier, data.into()).await.unwrap();
            IStandInWebAuthnVerifier::validateUserOpSignatureCall::abi_decode_returns(&out).unwrap()
        }
    };
    // The chain has the precompile, as the library's own probe finds.
    let out = bundler::eth_call(
        &node,
        &WebClock,
        verifier,
        IStandInWebAuthnVerifier::hasP256PrecompileCall {}.abi_encode().into(),
    )
    .await
    .unwrap();
    assert!(IStandInWebAuthnVerifier::hasP256PrecompileCall::abi_decode_returns(&out).unwrap());
    let net = Network::new(
        Sender::new(FetchTransport::new(rpc, 10_000), WebClock, SendConfig::default()),
        AccountKind::Mav2,
        false,
    );
    assert!(net.has_p256_precompile().await.unwrap(), "the probe vector verifies on a real precompile");

    let name = fresh_name("devnet").await;
    let store = open(json!({ "name": name })).await;
    let r = ok(store.create(p256_opts())).await;
    let (x, y) = (
        json::from_value::<json::HexFixed<32>>(&r["publicKey"]["x"]).unwrap().0.into(),
        json::from_value::<json::HexFixed<32>>(&r["publicKey"]["y"]).unwrap().0.into(),
    );
    let op = user_op(nonce(1, 3));
    let hash = hash_of(&op);
    let sig = ok(store.sign_user_operation(s(&r, "id").into(), js(op))).await;
    let sig = alloy_primitives::hex::decode(sig.as_str().unwrap()).unwrap();
    assert!(accepts(hash, sig.clone(), x, y).await, "the stand-in accepts what the package signs");

    let auth = WebAuthnAuth::abi_decode(&sig[1..]).unwrap();
    let pack = |a: &WebAuthnAuth| [&[0xFFu8][..], &a.abi_encode()].concat();
    let tampered: Vec<(&str, Vec<u8>, B256)> = vec![
        ("another operation", sig.clone(), B256::repeat_byte(7)),
        ("high s", pack(&WebAuthnAuth { s: N - auth.s, ..auth.clone() }), hash),
        ("r", pack(&WebAuthnAuth { r: auth.r ^ U256::from(1), ..auth.clone() }), hash),
        ("type index", pack(&WebAuthnAuth { typeIndex: auth.typeIndex + U256::from(1), ..auth.clone() }), hash),
        (
            "challenge index",
            pack(&WebAuthnAuth { challengeIndex: auth.challengeIndex + U256::from(1), ..auth.clone() }),
            hash,
        ),
        (
            "no UP flag",
            {
                let mut data = auth.authenticatorData.to_vec();
                data[32] &= !0x01;
                pack(&WebAuthnAuth { authenticatorData: data.into(), ..auth.clone() })
            },
            hash,
        ),
        (
            "origin",
            pack(&WebAuthnAuth { clientDataJSON: auth.clientDataJSON.replace("http", "hxxp"), ..auth.clone() }),
            hash,
        ),
        ("no 0xFF segment", sig[1..].to_vec(), hash),
    ];
    for (what, bad, h) in tampered {
        assert!(!accepts(h, bad, x, y).await, "refused: {what}");
    }
    assert!(!accepts(hash, sig, x, y ^ U256::from(1)).await, "refused: another key");
    store.close();
}

// ---------- on the devnet: a P-256 session acts through the bundler ----------

/// On the devnet's 7702 delegate stand-in (which checks WebAuthn validations as the module does,
/// through anvil's precompile): a P-256 session made in this page, granted by the owner operation
/// that delegates the EOA, sends through alto with the package's WebCrypto signature.
#[wasm_bindgen_test]
async fn a_p256_session_made_here_is_granted_and_acts_through_the_bundler() {
    use mav2_session_keys::eip7702;
    use mav2_session_keys::key::SessionKey;
    use mav2_session_keys::rpc::RpcClient;
    use mav2_session_keys::web::bundler::BundlerClient;
    use mav2_session_keys::web::clock::WebClock;
    use mav2_session_keys::web::fetch::FetchTransport;
    let (Some(rpc), Some(bundler_url), Some(chain)) = (
        option_env!("MAV2_DEVNET_RPC_URL"),
        option_env!("MAV2_DEVNET_BUNDLER_URL"),
        option_env!("MAV2_DEVNET_CHAIN_ID").map(|c| c.parse::<u64>().unwrap()),
    ) else {
        web_sys::console::log_1(&"web_p256: bundler test skipped (no devnet at build time)".into());
        return;
    };
    let node = RpcClient::new(FetchTransport::new(rpc, 10_000));
    let call = |method: &'static str, params: Value| {
        let node = &node;
        async move { node.call::<_, Value>(&WebClock, method, params).await.unwrap() }
    };
    if call("eth_getCode", json!([eip7702::SMA7702_IMPL, "latest"])).await == json!("0x") {
        web_sys::console::log_1(&"web_p256: bundler test skipped (no delegate at SMA7702's address)".into());
        return;
    }
    let eoa = SessionKey::generate().unwrap();
    let address = eoa.address();
    call("anvil_setBalance", json!([address, "0xde0b6b3a7640000"])).await;
    let to = SessionKey::generate().unwrap().address();

    let client =
        BundlerClient::new(js(json!({ "bundlerUrl": bundler_url, "rpcUrl": rpc, "accountKind": "mav2-7702" })))
            .map_err(|e| idb::describe(&e))
            .unwrap();
    let store = open(json!({ "name": fresh_name("bundler").await })).await;
    let in_an_hour = (js_sys::Date::now() / 1000.0) as u64 + 3600;
    let r = ok(client.create_session(
        &store,
        js(json!({
            "chainId": chain, "account": address, "owner": address, "expiresAt": in_an_hour,
            "keyKind": "p256-webcrypto", "permissions": [{ "type": "contract-access", "data": { "address": to } }],
        })),
    ))
    .await;
    assert_eq!(s(&r, "keyKind"), "p256-webcrypto");

    // The owner's operation delegates the EOA and installs the WebAuthn validation.
    let options = js(json!({ "timeoutMs": 30000, "authorization": authorization_js(&eoa, chain, 0) }));
    Reflect::set(
        &options,
        &"wallet".into(),
        &key_wallet(SessionKey::from_bytes(eoa.export_secret().as_ref(), "k").unwrap()),
    )
    .unwrap();
    let granted = ok(client.grant_session(&store, s(&r, "id").into(), options)).await;
    assert_eq!(granted["receipt"]["success"], json!(true), "{granted}");
    assert_eq!(granted["session"]["status"], json!("active"));

    // The session sends: signed in this page by the non-extractable key, mined.
    let hash = ok(client.send_calls(&store, s(&r, "id").into(), js(json!([{ "target": to, "value": 7 }])), None)).await;
    let receipt = ok(client.wait_for_receipt(hash.as_str().unwrap().into(), None)).await;
    assert_eq!(receipt["success"], json!(true), "{receipt}");
    let balance = call("eth_getBalance", json!([to, "latest"])).await;
    assert_eq!(balance, json!("0x7"));
    store.close();
}
