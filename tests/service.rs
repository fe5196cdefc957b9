//! The session service, natively: every verb over the memory store and vault, against a scripted
//! fake chain (bundler + node + paymaster answering JSON-RPC in memory) and a fake clock.
//!
//! Read top to bottom as documentation of what the service does: create, grant (owner operation
//! and deferred), send (the deferred first operation, a resend after a dropped answer, the fee
//! fallback, the paymaster rules, a counterfactual account deployed without the caller's help,
//! the wrong chain), wait (a grant settles), revoke (no key needed, key wiped, tombstone pruned).
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use serde_json::{json, Value};

use mav2_session_keys::abi::IEntryPoint;
use mav2_session_keys::account::{self, AccountRequest};
use mav2_session_keys::addresses::ENTRY_POINT_V07;
use mav2_session_keys::calls::CallRequest;
use mav2_session_keys::eip7702::{self, Authorization, SMA7702_IMPL};
use mav2_session_keys::error::{Error, Result};
use mav2_session_keys::json::{self as hexjson, Addr, HexBytes};
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::rpc::{Clock, Transport};
use mav2_session_keys::send::{AccountKind, PersonalSign, SendConfig, Sender};
use mav2_session_keys::service::{Network, Progress, Random, SendOptions, Sessions};
use mav2_session_keys::session::{ListFilter, NewSession, Status, StoredStatus};
use mav2_session_keys::sign;
use mav2_session_keys::store::{self, MemoryStore};
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::vault::MemoryVault;

// ---------- the platform, faked ----------

/// Time that moves only when the code under test sleeps.
#[derive(Clone)]
struct FakeClock(Rc<Cell<u64>>);

impl Clock for FakeClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
    async fn sleep(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

/// Deterministic randomness (a counter through keccak).
struct Counter(Cell<u64>);

impl Random for Counter {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        for chunk in buf.chunks_mut(32) {
            self.0.set(self.0.get() + 1);
            let h = alloy_primitives::keccak256(self.0.get().to_be_bytes());
            chunk.copy_from_slice(&h[..chunk.len()]);
        }
        Ok(())
    }
}

/// The chain as the bundler, the node and the paymaster service see it.
#[derive(Default)]
struct Chain {
    chain_id: u64,
    nonces: BTreeMap<(Address, U192), u64>,
    code: Vec<Address>,
    ops: Vec<(B256, UserOperation)>,
    methods: Vec<String>,
    /// Answer `pimlico_getUserOperationGasPrice` with "method not found".
    no_pimlico: bool,
    /// Lose the answer of the next `eth_sendUserOperation` (after the bundler took the operation).
    drop_next_send_answer: bool,
    /// The paymaster the paymaster service answers with.
    paymaster: Address,
    /// Make every mined operation revert.
    revert: bool,
    /// Refuse every `eth_sendUserOperation` (after estimation passed).
    refuse_sends: bool,
    /// EIP-7702 delegations: the EOA's code is `0xef0100 ‖ delegate`.
    delegations: BTreeMap<Address, Address>,
    /// EOAs' transaction counts (`eth_getTransactionCount`).
    tx_nonces: BTreeMap<Address, u64>,
    /// Every request, with the endpoint it went to.
    requests: Vec<(&'static str, String)>,
    /// The `eip7702Auth` field of each estimate and each send, as it came.
    estimated_auths: Vec<Value>,
    sent_auths: Vec<Value>,
}

fn word(v: u64) -> String {
    hexjson::hex(U256::from(v).to_be_bytes::<32>())
}

impl Chain {
    fn answer(&mut self, method: &str, params: &Value) -> std::result::Result<Value, (i64, String)> {
        let fees = json!({ "maxFeePerGas": "0x64", "maxPriorityFeePerGas": "0xa" });
        match method {
            "eth_chainId" => Ok(json!(format!("{:#x}", self.chain_id))),
            "eth_supportedEntryPoints" => Ok(json!([hexjson::address(&ENTRY_POINT_V07)])),
            "pimlico_getUserOperationGasPrice" if self.no_pimlico => Err((-32601, "method not found".into())),
            "pimlico_getUserOperationGasPrice" => Ok(json!({ "slow": fees, "standard": fees, "fast": fees })),
            "eth_maxPriorityFeePerGas" => Ok(json!("0x5")),
            "eth_getBlockByNumber" => Ok(json!({ "baseFeePerGas": "0x20" })),
            "eth_getCode" => {
                let a: Address = serde_json::from_value(params[0].clone()).unwrap();
                if let Some(delegate) = self.delegations.get(&a) {
                    return Ok(json!(hexjson::hex(eip7702::delegation_code(*delegate))));
                }
                Ok(json!(if self.code.contains(&a) { "0x6000" } else { "0x" }))
            }
            "eth_getTransactionCount" => {
                let a: Address = serde_json::from_value(params[0].clone()).unwrap();
                Ok(json!(format!("{:#x}", self.tx_nonces.get(&a).copied().unwrap_or(0))))
            }
            "eth_call" => {
                let data: Bytes = serde_json::from_value(params[0]["data"].clone()).unwrap();
                let call = IEntryPoint::getNonceCall::abi_decode(&data).unwrap();
                let seq = self.nonces.get(&(call.sender, call.key)).copied().unwrap_or(0);
                let full: U256 = (U256::from(call.key) << 64) | U256::from(seq);
                Ok(json!(hexjson::hex(full.to_be_bytes::<32>())))
            }
            "eth_estimateUserOperationGas" => {
                self.estimated_auths.push(params[0].get("eip7702Auth").cloned().unwrap_or(Value::Null));
                Ok(
                    json!({ "preVerificationGas": "0xb000", "verificationGasLimit": "0x60000", "callGasLimit": "0x4000" }),
                )
            }
            "pm_getPaymasterStubData" => Ok(json!({
                "paymaster": hexjson::address(&self.paymaster), "paymasterData": "0x01",
                "paymasterVerificationGasLimit": "0x1000", "paymasterPostOpGasLimit": "0x10", "isFinal": false
            })),
            "pm_getPaymasterData" => {
                Ok(json!({ "paymaster": hexjson::address(&self.paymaster), "paymasterData": "0x02" }))
            }
            "eth_sendUserOperation" if self.refuse_sends => Err((-32500, "AA21 didn't pay prefund".into())),
            "eth_sendUserOperation" => {
                let mut body = params[0].clone();
                let auth = body.as_object_mut().unwrap().remove("eip7702Auth").unwrap_or(Value::Null);
                self.sent_auths.push(auth.clone());
                let op: UserOperation = serde_json::from_value(body).unwrap();
                let hash = op.hash(self.chain_id, ENTRY_POINT_V07).unwrap();
                let sender = op.sender.0;
                let key = U192::from(op.nonce >> 64);
                let seq = self.nonces.get(&(sender, key)).copied().unwrap_or(0);
                if U256::from(seq) != op.nonce & U256::from(u64::MAX) {
                    return Err((-32500, "AA25 invalid account nonce".into()));
                }
                if !auth.is_null() && !self.delegations.contains_key(&sender) {
                    // The bundler's type-4 transaction applies the authorization first.
                    let a: Authorization = hexjson::from_value(&auth).unwrap();
                    let eoa_nonce = self.tx_nonces.get(&sender).copied().unwrap_or(0);
                    if a.authority().ok() != Some(sender) || a.nonce != eoa_nonce {
                        return Err((-32602, "Invalid EIP-7702 authorization".into()));
                    }
                    self.delegations.insert(sender, a.address.0);
                    self.tx_nonces.insert(sender, eoa_nonce + 1);
                }
                if !self.code.contains(&sender) && !self.delegations.contains_key(&sender) {
                    if op.factory.is_none() {
                        return Err((-32500, "AA20 account not deployed".into()));
                    }
                    self.code.push(sender);
                }
                self.nonces.insert((sender, key), seq + 1);
                self.ops.push((hash, op));
                if std::mem::take(&mut self.drop_next_send_answer) {
                    return Err((0, "dropped".into()));
                }
                Ok(json!(hexjson::hex(hash)))
            }
            "eth_getUserOperationByHash" => {
                let h: B256 = serde_json::from_value(params[0].clone()).unwrap();
                Ok(match self.ops.iter().find(|(x, _)| *x == h) {
                    Some(_) => json!({ "userOperation": {}, "entryPoint": hexjson::address(&ENTRY_POINT_V07) }),
                    None => Value::Null,
                })
            }
            "eth_getUserOperationReceipt" => {
                let h: B256 = serde_json::from_value(params[0].clone()).unwrap();
                let Some((_, op)) = self.ops.iter().find(|(x, _)| *x == h) else { return Ok(Value::Null) };
                Ok(json!({
                    "userOpHash": hexjson::hex(h), "entryPoint": hexjson::address(&ENTRY_POINT_V07),
                    "sender": hexjson::address(&op.sender.0), "nonce": hexjson::quantity(op.nonce),
                    "actualGasCost": "0x1", "actualGasUsed": "0x1", "success": !self.revert, "logs": [],
                    "receipt": { "transactionHash": word(1), "blockHash": word(2), "blockNumber": "0x1" }
                }))
            }
            other => Err((-32601, format!("{other} not found"))),
        }
    }
}

/// One JSON-RPC endpoint over the shared fake chain.
struct Fake {
    chain: Rc<RefCell<Chain>>,
    url: &'static str,
}

impl Transport for Fake {
    async fn post(&self, body: String) -> Result<String> {
        let req: Value = serde_json::from_str(&body).unwrap();
        let method = req["method"].as_str().unwrap().to_string();
        let mut chain = self.chain.borrow_mut();
        chain.methods.push(method.clone());
        chain.requests.push((self.url, method.clone()));
        let id = req["id"].clone();
        match chain.answer(&method, &req["params"]) {
            Ok(result) => Ok(json!({ "jsonrpc": "2.0", "id": id, "result": result }).to_string()),
            Err((0, _)) => Err(Error::Network { url: self.url.into(), detail: "connection reset".into() }),
            Err((code, message)) => {
                Ok(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }).to_string())
            }
        }
    }
    fn url(&self) -> &str {
        self.url
    }
}

/// An owner wallet: `personal_sign` with a local key.
struct Wallet(SessionKey);

impl PersonalSign for Wallet {
    fn address(&self) -> Address {
        self.0.address()
    }
    async fn personal_sign(&self, hash: B256) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(&self.0.sign_hash(&sign::eip191_digest(&hash))?))
    }
}

/// Run a future whose every wait is a fake (the fake clock and chain never leave it pending).
fn run<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a fake future waited"),
    }
}

// ---------- the world of one test ----------

const T0_MS: u64 = 1_800_000_000_000;
const TARGET: &str = "0x4444444444444444444444444444444444444444";

struct World {
    chain: Rc<RefCell<Chain>>,
    clock: FakeClock,
    sessions: Sessions<MemoryStore, MemoryVault, FakeClock, Counter>,
    owner: SessionKey,
    account: Address,
}

fn world() -> World {
    let chain =
        Rc::new(RefCell::new(Chain { chain_id: 1, paymaster: Address::repeat_byte(0x9a), ..Default::default() }));
    let clock = FakeClock(Rc::new(Cell::new(T0_MS)));
    let sessions = Sessions::with_random(MemoryStore::new(), MemoryVault::new(), clock.clone(), Counter(Cell::new(0)));
    let owner = SessionKey::from_bytes(&[0x11; 32], "owner").unwrap();
    let account =
        account::predict(&AccountRequest { owner: Addr(owner.address()), salt: None, factory: None }).address.0;
    World { chain, clock, sessions, owner, account }
}

impl World {
    fn network(&self, kind: AccountKind, paymaster: bool) -> Network<Fake, FakeClock> {
        let fake = |url| Fake { chain: self.chain.clone(), url };
        let mut sender =
            Sender::new(fake("bundler"), self.clock.clone(), SendConfig::default()).with_node(fake("node"));
        if paymaster {
            sender = sender.with_paymaster(fake("paymaster"), json!({}));
        }
        Network::new(sender, kind, paymaster)
    }

    fn new_session(&self, extra: Value) -> NewSession {
        let mut v = json!({
            "chainId": 1, "account": hexjson::address(&self.account),
            "permissions": [{ "type": "contract-access", "data": { "address": TARGET } }],
            "expiresAt": T0_MS / 1000 + 3600,
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        hexjson::from_value(&v).unwrap()
    }

    fn deploy(&self) {
        self.chain.borrow_mut().code.push(self.account);
    }

    fn methods(&self) -> Vec<String> {
        self.chain.borrow().methods.clone()
    }

    fn sent(&self) -> Vec<(B256, UserOperation)> {
        self.chain.borrow().ops.clone()
    }
}

fn call(value: u64) -> Vec<CallRequest> {
    hexjson::from_value(&json!([{ "target": TARGET, "value": value, "data": "0x" }])).unwrap()
}

fn no_progress(_: Progress) {}

// ---------- the store contract ----------

#[test]
fn memory_store_passes_the_store_suite() {
    run(store::suite::run(|| async { Ok(MemoryStore::new()) })).unwrap();
}

// ---------- create, keep ----------

#[test]
fn create_list_get_delete() {
    let w = world();
    let a = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let b = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    assert_eq!((a.entity_id, b.entity_id), (1, 2), "lowest free entity ids");
    assert_eq!(w.sessions.status(&a), Status::Pending);
    let (listed, unreadable) = run(w.sessions.list(&ListFilter::default())).unwrap();
    assert_eq!((listed.len(), unreadable.len()), (2, 0));
    assert_eq!(run(w.sessions.get(&a.id)).unwrap(), a);
    assert!(run(w.sessions.delete(&a.id)).unwrap());
    assert_eq!(run(w.sessions.get(&a.id)).unwrap_err().code(), "SESSION_NOT_FOUND");
    assert_eq!(run(w.sessions.export_private_key(&a.id)).unwrap_err().code(), "SESSION_NOT_FOUND");
    // The key in the vault belongs to the record's address.
    let k = run(w.sessions.export_private_key(&b.id)).unwrap();
    assert_eq!(SessionKey::from_bytes(k.as_ref(), "k").unwrap().address(), b.address.0);
}

#[test]
fn create_refuses_bad_input_and_a_wrong_owner() {
    let w = world();
    let e = run(w.sessions.create(w.new_session(json!({ "expiresAt": 5 })))).unwrap_err();
    assert_eq!(e.code(), "EXPIRED");
    let e = run(w.sessions.create(w.new_session(json!({ "permissions": [{ "type": "root" }, { "type": "root" }] }))))
        .unwrap_err();
    assert_eq!(e.code(), "ROOT_PERMISSION_ONLY");
    let stranger = hexjson::address(&Address::repeat_byte(3));
    let e = run(w.sessions.create(w.new_session(json!({ "owner": stranger })))).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("OWNER_MISMATCH", Some("owner")));
    let e = run(w.sessions.create(w.new_session(json!({ "salt": 1 })))).unwrap_err();
    assert_eq!(e.code(), "MISSING_FIELD");
    assert!(run(w.sessions.list(&ListFilter::default())).unwrap().0.is_empty(), "nothing stored");
}

#[test]
fn import_keeps_the_given_key() {
    let w = world();
    let key = SessionKey::from_bytes(&[0x42; 32], "k").unwrap();
    let r = run(w.sessions.import(w.new_session(json!({ "privateKey": hexjson::hex([0x42u8; 32]) })))).unwrap();
    assert_eq!(r.address.0, key.address());
    let e = run(w.sessions.create(w.new_session(json!({ "privateKey": hexjson::hex([0x42u8; 32]) })))).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_FIELD");
}

// ---------- grant by owner operation, act, revoke ----------

#[test]
fn owner_operation_grant_then_send_then_revoke_without_the_key() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();

    let (hash, receipt, granted) = run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap();
    assert!(receipt.success);
    assert_eq!(granted.status, StoredStatus::Active);
    let (_, op) = &w.sent()[0];
    assert_eq!(op.hash(1, ENTRY_POINT_V07).unwrap(), hash);
    assert_eq!(
        op.call_data.0,
        run(w.sessions.install_call_data(&s.id)).unwrap(),
        "the owner operation installs the session"
    );
    assert_eq!(op.nonce >> 64, U256::from(1), "the owner's nonce key (SMA fallback validation, global)");

    let sent = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap();
    let (h, op) = w.sent()[1].clone();
    assert_eq!(h, sent);
    assert_eq!(op.signature.0[..2], [0xff, 0x00], "a plain session signature: no deferred prefix");

    // The key cannot be opened any more (the browser's wrapping key cleared): revoking still works.
    let vault_less = Sessions::new(MemoryStore::new(), MemoryVault::new(), w.clock.clone());
    let copy = run(w.sessions.get(&s.id)).unwrap();
    run(store::SessionStore::insert(vault_less.store(), copy, Some(s.entity_id))).unwrap();
    assert_eq!(run(vault_less.export_private_key(&s.id)).unwrap_err().code(), "DECRYPT_FAILED");
    let (_, _, revoked) = run(vault_less.revoke(&net, &s.id, Wallet(w.owner.clone()), None)).unwrap();
    assert_eq!(revoked.status, StoredStatus::Revoked);
    assert!(revoked.key.is_none(), "revoking wipes the key ciphertext");
    assert_eq!(w.sent()[2].1.call_data.0, run(vault_less.uninstall_call_data(&s.id)).unwrap());

    // The tombstone refuses to sign and is pruned.
    assert_eq!(run(vault_less.export_private_key(&s.id)).unwrap_err().code(), "KEY_WIPED");
    assert_eq!(run(vault_less.prune()).unwrap(), 1);
    assert_eq!(run(vault_less.get(&s.id)).unwrap_err().code(), "SESSION_NOT_FOUND");
}

#[test]
fn a_reverted_owner_operation_leaves_the_session_pending() {
    let w = world();
    w.deploy();
    w.chain.borrow_mut().revert = true;
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let e = run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_USER_OP_REVERTED");
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Pending);
}

// ---------- deferred grant: the first operation deploys the account and carries the install ----------

#[test]
fn deferred_grant_rides_in_the_first_operation_which_deploys_the_account() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let owner = hexjson::address(&w.owner.address());
    let s = run(w.sessions.create(w.new_session(json!({ "owner": owner })))).unwrap();

    // The service picks the deferred nonce: the caller gives at most a deadline.
    let d = run(w.sessions.deferred_install_on(&net, &s.id, 0)).unwrap();
    let expected_key = (U256::from(s.entity_id) << 8) | U256::from(0x02);
    let owner_sig = w.owner.sign_hash(&d.typed_data_hash).unwrap();
    let r = run(w.sessions.attach_owner_signature(&s.id, &owner_sig)).unwrap();
    assert!(r.deferred.as_ref().unwrap().deferred_action_digest.is_some());

    let stages = RefCell::new(Vec::new());
    let report = |p: Progress| {
        stages.borrow_mut().push(match p {
            Progress::Estimating => ("estimating", None, None),
            Progress::Signed(h, op) => ("signed", Some(h), Some(op.clone())),
            Progress::Sent(h) => ("sent", Some(h), None),
        })
    };
    let hash = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &report)).unwrap();
    let signed = w.sent()[0].1.clone();
    assert_eq!(
        *stages.borrow(),
        vec![("estimating", None, None), ("signed", Some(hash), Some(signed)), ("sent", Some(hash), None)],
        "the signed stage shows the operation exactly as it was sent"
    );
    let (_, op) = w.sent()[0].clone();
    assert_eq!(op.nonce >> 64, expected_key, "the nonce the owner signed for");
    let info = account::predict(&AccountRequest { owner: Addr(w.owner.address()), salt: None, factory: None });
    assert_eq!(
        (op.factory, op.factory_data.clone()),
        (Some(info.factory), Some(info.factory_data)),
        "deployed without the caller's help"
    );
    let prefix =
        mav2_session_keys::deferred::split_deferred_action(&r.deferred.unwrap().deferred_action_digest.unwrap().0)
            .unwrap()
            .2;
    assert!(op.signature.0.starts_with(&prefix), "the signature carries the owner's install");
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Pending, "not active before the receipt");

    // The receipt of that operation makes the session active.
    let receipt = run(w.sessions.wait_for_receipt(&net, hash, None)).unwrap();
    assert!(receipt.success);
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Active);

    // The next send: a fresh parallel key, no prefix, no factory (the account has code).
    run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    let (_, op2) = w.sent()[1].clone();
    assert_ne!(op2.nonce >> 64, expected_key);
    assert!(op2.factory.is_none());
    assert_eq!(op2.signature.0.len(), 2 + 65);
}

#[test]
fn without_the_receipt_the_next_send_sees_the_used_nonce_and_activates() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({ "owner": hexjson::address(&w.owner.address()) })))).unwrap();
    let d = run(w.sessions.deferred_install(&s.id, None, 0)).unwrap();
    run(w.sessions.attach_owner_signature(&s.id, &w.owner.sign_hash(&d.typed_data_hash).unwrap())).unwrap();
    run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Active);
}

// ---------- sending: resend, fees, paymaster, chain ----------

#[test]
fn a_dropped_answer_is_resent_and_the_operation_lands_once() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    w.chain.borrow_mut().drop_next_send_answer = true;
    let hash = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    assert_eq!(w.sent().len(), 1, "landed once");
    assert_eq!(w.sent()[0].0, hash);
    let sends = w.methods().iter().filter(|m| *m == "eth_sendUserOperation").count();
    assert_eq!(sends, 2, "sent again after the dropped answer");
}

#[test]
fn fees_fall_back_to_the_node_without_pimlico() {
    let w = world();
    w.deploy();
    w.chain.borrow_mut().no_pimlico = true;
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    let op = &w.sent()[0].1;
    assert_eq!((op.max_fee_per_gas, op.max_priority_fee_per_gas), (2 * 0x20 + 5, 5), "2 × base fee + priority fee");
    assert!(w.methods().contains(&"eth_getBlockByNumber".to_string()));
}

#[test]
fn out_of_scope_calls_are_refused_before_any_request() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let elsewhere: Vec<CallRequest> =
        hexjson::from_value(&json!([{ "target": hexjson::address(&Address::repeat_byte(5)) }])).unwrap();
    let e = run(w.sessions.send_calls(&net, &s.id, &elsewhere, SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "OUT_OF_SCOPE_TARGET");
    let e = run(w.sessions.send_calls(&net, &s.id, &[], SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "INVALID_LENGTH");
    assert!(w.methods().is_empty(), "no request made");
}

#[test]
fn a_session_pinned_to_a_paymaster_needs_that_paymaster() {
    let w = world();
    w.deploy();
    let pinned = hexjson::address(&Address::repeat_byte(0x9a));
    let s = run(w.sessions.create(w.new_session(json!({ "paymaster": pinned })))).unwrap();

    // No paymaster service: its own code, before any request.
    let e = run(w.sessions.send_calls(
        &w.network(AccountKind::Mav2, false),
        &s.id,
        &call(0),
        SendOptions::default(),
        &no_progress,
    ))
    .unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("PAYMASTER_REQUIRED", Some("paymaster")));
    assert!(w.methods().is_empty());

    // The service offers another paymaster: refused after the stub, before estimation.
    w.chain.borrow_mut().paymaster = Address::repeat_byte(0x77);
    let net = w.network(AccountKind::Mav2, true);
    let e = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "PAYMASTER_MISMATCH");
    assert!(!w.methods().contains(&"eth_estimateUserOperationGas".to_string()));

    // The right one: stub, estimate, final data.
    w.chain.borrow_mut().paymaster = Address::repeat_byte(0x9a);
    run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    let op = &w.sent()[0].1;
    assert_eq!(op.paymaster, Some(Addr(Address::repeat_byte(0x9a))));
    assert_eq!(op.paymaster_data, Some(HexBytes(Bytes::from(vec![0x02]))), "final data replaces the stub");
}

#[test]
fn a_bundler_on_another_chain_is_refused() {
    let w = world();
    w.chain.borrow_mut().chain_id = 5;
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let e = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "WRONG_CHAIN");
    assert!(w.sent().is_empty());
}

#[test]
fn an_undeployed_account_without_owner_or_factory_fails_at_the_bundler() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let e = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA20");
    // The caller's factory fields work too.
    let info = account::predict(&AccountRequest { owner: Addr(w.owner.address()), salt: None, factory: None });
    let o = SendOptions { factory: Some((info.factory.0, info.factory_data.0)), ..Default::default() };
    run(w.sessions.send_calls(&net, &s.id, &call(0), o, &no_progress)).unwrap();
}

#[test]
fn expired_and_revoked_sessions_do_not_send() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    // Within the safety margin of expiry.
    w.clock.0.set(T0_MS + 3600 * 1000 - 10_000);
    let e = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_EXPIRED");
    w.clock.0.set(T0_MS);
    run(w.sessions.mark_revoked(&s.id)).unwrap();
    let e = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_REVOKED");
    assert!(w.methods().is_empty());
}

#[test]
fn sign_user_operation_applies_the_deferred_prefix_only_to_its_nonce() {
    let w = world();
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let d = run(w.sessions.deferred_install(&s.id, None, 0)).unwrap();
    run(w.sessions.attach_owner_signature(&s.id, &w.owner.sign_hash(&d.typed_data_hash).unwrap())).unwrap();
    let nonce =
        Sessions::<MemoryStore, MemoryVault, FakeClock>::deferred_nonce(&run(w.sessions.get(&s.id)).unwrap(), 0)
            .unwrap();
    let mut op: UserOperation = hexjson::from_value(&json!({
        "sender": hexjson::address(&w.account), "nonce": hexjson::quantity(nonce), "callData": "0x",
        "callGasLimit": "0x1", "verificationGasLimit": "0x1", "preVerificationGas": "0x1",
        "maxFeePerGas": "0x1", "maxPriorityFeePerGas": "0x1", "signature": "0x"
    }))
    .unwrap();
    let with = run(w.sessions.sign_user_operation(&s.id, &op)).unwrap();
    // Another parallel key of the same entity: a plain session signature.
    op.nonce = (U256::from(7u64) << 40 | U256::from(s.entity_id) << 8) << 64;
    let without = run(w.sessions.sign_user_operation(&s.id, &op)).unwrap();
    assert!(with.len() > without.len() && without.len() == 2 + 65);
}

#[test]
fn a_failed_send_still_names_the_user_op_hash_it_signed() {
    let w = world();
    w.deploy();
    w.chain.borrow_mut().refuse_sends = true;
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let signed = Cell::new(None);
    let report = |p: Progress| {
        if let Progress::Signed(h, _) = p {
            signed.set(Some(h));
        }
    };
    let e = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &report)).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA21", "the cause keeps its code");
    let hash = signed.get().expect("signed before the send");
    assert_eq!(e.data().unwrap()["userOpHash"], json!(hexjson::hex(hash)));
    assert!(e.to_string().contains(&hexjson::hex(hash)));
}

// ---------- EIP-7702: the owner's EOA as a MAv2 account (mav2-7702) ----------

/// The owner's EOA as the session's account (its own owner).
fn eoa_world() -> World {
    let mut w = world();
    w.account = w.owner.address();
    w.chain.borrow_mut().tx_nonces.insert(w.account, 3);
    w
}

/// An authorization signed by `key`: delegate `address` on `chain_id` at EOA nonce `nonce`.
fn authorize(key: &SessionKey, chain_id: u64, address: Address, nonce: u64) -> Authorization {
    let sig = key.sign_hash(&eip7702::authorization_hash(chain_id, address, nonce)).unwrap();
    hexjson::from_value(&json!({
        "chainId": chain_id, "address": hexjson::address(&address), "nonce": nonce,
        "r": hexjson::hex(&sig[..32]), "s": hexjson::hex(&sig[32..64]), "v": sig[64]
    }))
    .unwrap()
}

impl World {
    fn eoa_session(&self) -> String {
        let me = hexjson::address(&self.account);
        run(self.sessions.create(self.new_session(json!({ "owner": me })))).unwrap().id
    }

    fn bundler_requests(&self) -> Vec<String> {
        self.chain.borrow().requests.iter().filter(|(url, _)| *url == "bundler").map(|(_, m)| m.clone()).collect()
    }
}

#[test]
fn a_7702_session_s_first_operation_delegates_the_eoa_and_later_ones_do_not() {
    let w = eoa_world();
    let net = w.network(AccountKind::Mav27702, false);
    let id = w.eoa_session();
    let auth = authorize(&w.owner, 1, SMA7702_IMPL, 3);

    // Deferred grant (its typed data for the EOA is proven by tests/conformance_7702.rs).
    let d = run(w.sessions.deferred_install_on(&net, &id, 0)).unwrap();
    run(w.sessions.attach_owner_signature(&id, &w.owner.sign_hash(&d.typed_data_hash).unwrap())).unwrap();

    let o = SendOptions { authorization: Some(auth.clone()), ..Default::default() };
    let hash = run(w.sessions.send_calls(&net, &id, &call(0), o, &no_progress)).unwrap();
    let (h, op) = w.sent()[0].clone();
    assert_eq!(h, hash);
    assert_eq!(op.sender.0, w.account, "the account is the EOA");
    assert!(op.factory.is_none() && op.factory_data.is_none(), "no factory");
    assert_eq!(eip7702::user_op_hash(&op, Some(&auth), 1, ENTRY_POINT_V07).unwrap(), hash, "viem's userOpHash");
    assert_eq!(w.chain.borrow().sent_auths[0], serde_json::to_value(&auth).unwrap(), "sent in eip7702Auth");
    let stub = serde_json::to_value(Authorization::estimation_stub(1, 3)).unwrap();
    assert_eq!(w.chain.borrow().estimated_auths[0], stub, "estimated with the SDK's unsigned stub");
    assert!(op.signature.0.len() > 2 + 65, "the deferred install rides along");
    assert_eq!(w.chain.borrow().delegations.get(&w.account), Some(&SMA7702_IMPL));

    run(w.sessions.wait_for_receipt(&net, hash, None)).unwrap();
    assert_eq!(run(w.sessions.get(&id)).unwrap().status, StoredStatus::Active);

    // Delegated now: no authorization, even when one is given again (its nonce is used).
    let o = SendOptions { authorization: Some(auth), ..Default::default() };
    run(w.sessions.send_calls(&net, &id, &call(0), o, &no_progress)).unwrap();
    let (_, op2) = w.sent()[1].clone();
    assert_eq!(w.chain.borrow().sent_auths[1], Value::Null);
    assert_eq!(w.chain.borrow().estimated_auths[1], Value::Null);
    assert_eq!(op2.signature.0.len(), 2 + 65, "a plain session signature");
}

#[test]
fn a_7702_owner_grant_delegates_the_eoa_and_revoke_needs_no_authorization() {
    let w = eoa_world();
    let net = w.network(AccountKind::Mav27702, false);
    let id = w.eoa_session();
    let auth = authorize(&w.owner, 0, SMA7702_IMPL, 3); // chain 0: valid on every chain
    let (hash, _, r) =
        run(w.sessions.grant_with(&net, &id, Wallet(w.owner.clone()), None, Some(auth.clone()), None)).unwrap();
    assert_eq!(r.status, StoredStatus::Active);
    let (_, op) = w.sent()[0].clone();
    assert_eq!(op.hash(1, ENTRY_POINT_V07).unwrap(), hash);
    assert_eq!(op.nonce >> 64, U256::from(1), "the owner's nonce key, as for mav2");
    assert_eq!(op.signature.0[..2], [0xff, 0x00], "the SMA owner layout");
    assert_eq!(op.call_data.0, run(w.sessions.install_call_data(&id)).unwrap());
    assert_eq!(w.chain.borrow().sent_auths[0], serde_json::to_value(&auth).unwrap());

    run(w.sessions.send_calls(&net, &id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    run(w.sessions.revoke(&net, &id, Wallet(w.owner.clone()), None)).unwrap();
    assert_eq!(w.chain.borrow().sent_auths[1..], [Value::Null, Value::Null]);
}

#[test]
fn a_7702_session_refuses_a_missing_or_wrong_authorization_before_the_bundler() {
    let other = SessionKey::from_bytes(&[0x22; 32], "other").unwrap();
    let elsewhere = Address::repeat_byte(0x77);
    /// What the EOA's code is before the send.
    #[derive(Clone, Copy)]
    enum Code {
        Empty,
        DelegatedTo(Address),
        Contract,
    }
    let owner = eoa_world().owner;
    let ok = || Some(authorization_ok(&owner));
    let cases = [
        ("AUTHORIZATION_REQUIRED", None, Code::Empty),
        ("AUTHORIZATION_WRONG_DELEGATE", Some(authorize(&owner, 1, elsewhere, 3)), Code::Empty),
        ("AUTHORIZATION_WRONG_NONCE", Some(authorize(&owner, 1, SMA7702_IMPL, 2)), Code::Empty),
        ("AUTHORIZATION_WRONG_CHAIN", Some(authorize(&owner, 5, SMA7702_IMPL, 3)), Code::Empty),
        ("AUTHORIZATION_WRONG_SIGNER", Some(authorize(&other, 1, SMA7702_IMPL, 3)), Code::Empty),
        ("DELEGATED_ELSEWHERE", ok(), Code::DelegatedTo(elsewhere)),
        ("ACCOUNT_HAS_CODE", ok(), Code::Contract),
    ];
    for (code, auth, eoa_code) in cases {
        for owner_path in [false, true] {
            let w = eoa_world();
            match eoa_code {
                Code::DelegatedTo(d) => {
                    w.chain.borrow_mut().delegations.insert(w.account, d);
                }
                Code::Contract => w.deploy(),
                Code::Empty => {}
            }
            let net = w.network(AccountKind::Mav27702, false);
            let id = w.eoa_session();
            let e = if owner_path {
                run(w.sessions.grant_with(&net, &id, Wallet(w.owner.clone()), None, auth.clone(), None)).unwrap_err()
            } else {
                let o = SendOptions { authorization: auth.clone(), ..Default::default() };
                run(w.sessions.send_calls(&net, &id, &call(0), o, &no_progress)).unwrap_err()
            };
            assert_eq!(e.code(), code, "owner path: {owner_path}: {e}");
            assert!(w.bundler_requests().is_empty(), "{code}: asked the bundler {:?}", w.bundler_requests());
            assert!(w.sent().is_empty());
        }
    }

    // A factory has no place in a 7702 account's operation.
    let w = eoa_world();
    let net = w.network(AccountKind::Mav27702, false);
    let id = w.eoa_session();
    let o = SendOptions {
        factory: Some((Address::repeat_byte(1), Bytes::new())),
        authorization: Some(authorization_ok(&w.owner)),
        ..Default::default()
    };
    let e = run(w.sessions.send_calls(&net, &id, &call(0), o, &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("UNKNOWN_FIELD", Some("factory")));
    assert!(w.bundler_requests().is_empty());
}

fn authorization_ok(owner: &SessionKey) -> Authorization {
    authorize(owner, 1, SMA7702_IMPL, 3)
}
