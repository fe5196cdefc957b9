//! The session service, natively: every verb over the memory store and vault, against a scripted
//! fake chain (bundler + node + paymaster answering JSON-RPC in memory) and a fake clock.
//!
//! Read top to bottom as documentation of what the service does: create, grant (owner operation
//! and deferred), send (the deferred first operation, a resend after a dropped answer, the fee
//! fallback, the paymaster rules, a counterfactual account deployed without the caller's help,
//! the wrong chain), wait (a grant settles), revoke (no key needed, key wiped, tombstone pruned),
//! and the chain's truth (status and its reconcile, the pre-check against what is left, reverts
//! decoded, entity ids free on chain).
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolValue};
use serde_json::{json, Value};

use mav2_session_keys::abi::{IEntryPoint, IModularAccount};
use mav2_session_keys::account::{self, AccountRequest};
use mav2_session_keys::addresses::ENTRY_POINT_V07;
use mav2_session_keys::addresses::{
    ALLOWLIST_MODULE, NATIVE_TOKEN_LIMIT_MODULE, SINGLE_SIGNER_VALIDATION_MODULE, TIME_RANGE_MODULE,
    WEBAUTHN_VALIDATION_MODULE,
};
use mav2_session_keys::calls::CallRequest;
use mav2_session_keys::eip7702::{self, Authorization, SMA7702_IMPL};
use mav2_session_keys::error::{Error, Result};
use mav2_session_keys::json::{self as hexjson, Addr, HexBytes};
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::onchain::{self, Granted, IAccountView, ValidationDataView, ValidationView};
use mav2_session_keys::permissions::module_entity;
use mav2_session_keys::revert::{IEntryPointErrors, IExecutionLibErrors, IModuleErrors};
use mav2_session_keys::rpc::{Clock, Transport};
use mav2_session_keys::send::{AccountKind, PersonalSign, SendConfig, Sender};
use mav2_session_keys::service::{
    Network, Progress, Random, SendOptions, Sessions, P256_PRECOMPILE, P256_PROBE, P256_VERIFY_GAS_PRECOMPILE,
    P256_VERIFY_GAS_SOLIDITY,
};
use mav2_session_keys::session::{KeyKind, PublicKeyXy};
use mav2_session_keys::session::{ListFilter, NewSession, Status, StoredStatus};
use mav2_session_keys::sign;
use mav2_session_keys::store::{self, MemoryStore};
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::vault::MemoryVault;
use mav2_session_keys::webauthn::{self, AssertionOptions, WebAuthnAuth};
use p256::ecdsa::signature::Verifier;

#[path = "common/p256_vault.rs"]
mod p256_vault;
use p256_vault::{TestVault, TEST_P256_ALG};

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

/// The page's assertion options.
fn assertion_options() -> AssertionOptions {
    hexjson::from_value(&json!({ "rpId": "app.example", "origin": "https://app.example" })).unwrap()
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
    /// Module and account views: `eth_call` answers by `(to, data)`.
    views: BTreeMap<(Address, Bytes), Bytes>,
    /// The latest block's timestamp.
    timestamp: u64,
    /// The error object `eth_estimateUserOperationGas` answers with.
    estimate_error: Option<Value>,
    /// The chain has the P-256 precompile at 0x100.
    p256_precompile: bool,
    /// The signature of each estimate, as it came.
    estimated_sigs: Vec<Bytes>,
    /// Fail every `eth_call` that is not to the EntryPoint (a node that cannot read the modules).
    views_fail: bool,
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

/// What the P-256 precompile checks: `hash ‖ r ‖ s ‖ x ‖ y`, a prehashed ECDSA signature.
fn p256_verifies(input: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    if input.len() != 160 {
        return false;
    }
    let point = p256::EncodedPoint::from_affine_coordinates(input[96..128].into(), input[128..].into(), false);
    let (Ok(key), Ok(sig)) =
        (p256::ecdsa::VerifyingKey::from_encoded_point(&point), p256::ecdsa::Signature::from_slice(&input[32..96]))
    else {
        return false;
    };
    key.verify_prehash(&input[..32], &sig).is_ok()
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
            "eth_getBlockByNumber" => {
                Ok(json!({ "baseFeePerGas": "0x20", "timestamp": format!("{:#x}", self.timestamp) }))
            }
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
                let to: Address = serde_json::from_value(params[0]["to"].clone()).unwrap();
                let data: Bytes = serde_json::from_value(params[0]["data"].clone()).unwrap();
                if to == P256_PRECOMPILE {
                    // RIP-7212: a 32-byte 1 for a valid signature; nothing without the precompile.
                    let valid = self.p256_precompile && p256_verifies(&data);
                    return Ok(json!(if valid { word(1) } else { "0x".into() }));
                }
                if let Some(out) = self.views.get(&(to, data.clone())) {
                    return Ok(json!(out));
                }
                if to != ENTRY_POINT_V07 && self.views_fail {
                    return Err((-32000, "header not found".into()));
                }
                if to != ENTRY_POINT_V07 {
                    // Nothing stored there: a validation with no data, a zero budget.
                    return Ok(json!(if data[..4] == IAccountView::getValidationDataCall::SELECTOR {
                        Bytes::from(view(&ValidationView::default()))
                    } else {
                        Bytes::from(vec![0u8; 32])
                    }));
                }
                let call = IEntryPoint::getNonceCall::abi_decode(&data).unwrap();
                let seq = self.nonces.get(&(call.sender, call.key)).copied().unwrap_or(0);
                let full: U256 = (U256::from(call.key) << 64) | U256::from(seq);
                Ok(json!(hexjson::hex(full.to_be_bytes::<32>())))
            }
            "eth_estimateUserOperationGas" => {
                self.estimated_auths.push(params[0].get("eip7702Auth").cloned().unwrap_or(Value::Null));
                self.estimated_sigs.push(serde_json::from_value(params[0]["signature"].clone()).unwrap());
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
        if let (Some(error), "eth_estimateUserOperationGas") = (&chain.estimate_error, method.as_str()) {
            return Ok(json!({ "jsonrpc": "2.0", "id": id, "error": error }).to_string());
        }
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
    sessions: Sessions<MemoryStore, TestVault, FakeClock, Counter>,
    owner: SessionKey,
    account: Address,
}

fn world() -> World {
    let chain =
        Rc::new(RefCell::new(Chain { chain_id: 1, paymaster: Address::repeat_byte(0x9a), ..Default::default() }));
    let clock = FakeClock(Rc::new(Cell::new(T0_MS)));
    let sessions =
        Sessions::with_random(MemoryStore::new(), TestVault::default(), clock.clone(), Counter(Cell::new(0)))
            .with_assertion_options(assertion_options());
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
        NewSession::from_json(&v, "options").unwrap()
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

/// `getValidationData`'s answer for `v`.
fn view(v: &ValidationView) -> Vec<u8> {
    IAccountView::getValidationDataCall::abi_encode_returns(&ValidationDataView {
        validationFlags: v.flags,
        validationHooks: v.validation_hooks.clone(),
        executionHooks: v.execution_hooks.clone(),
        selectors: v.selectors.clone(),
    })
}

impl World {
    /// The chain holds session `id`'s validation as granted, with `native` wei and `erc20` token
    /// units left.
    fn install(&self, id: &str, native: u64, erc20: &[(Address, u64)]) {
        let g = Granted::from_record(&run(self.sessions.get(id)).unwrap()).unwrap();
        let hooks = |v: bool| {
            g.hooks.iter().filter(|h| h.config.is_validation_hook() == v).map(|h| h.config.encode()).collect()
        };
        let v = ValidationView {
            flags: g.permissions.validation_flags(),
            validation_hooks: hooks(true),
            execution_hooks: hooks(false),
            selectors: g.permissions.selectors.clone(),
        };
        let (e, h, a) = (g.entity_id(), g.hook_entity_id(), self.account);
        let mut c = self.chain.borrow_mut();
        c.views.insert((a, onchain::encode_get_validation_data(g.module, e)), view(&v).into());
        if let Some(key) = g.session_key {
            c.views.insert((SINGLE_SIGNER_VALIDATION_MODULE, onchain::encode_signers(e, a)), key.abi_encode().into());
        }
        c.views
            .insert((NATIVE_TOKEN_LIMIT_MODULE, onchain::encode_limits(e, a)), U256::from(native).abi_encode().into());
        for (token, left) in erc20 {
            c.views.insert(
                (ALLOWLIST_MODULE, onchain::encode_erc20_spend_limits(h, *token, a)),
                U256::from(*left).abi_encode().into(),
            );
        }
        if let Some(until) = g.expires_at {
            c.views.insert(
                (TIME_RANGE_MODULE, onchain::encode_time_ranges(e, a)),
                (U256::from(until), U256::from(g.valid_after.unwrap_or(0))).abi_encode_params().into(),
            );
        }
    }

    /// Nothing is installed at session `id`'s entity id any more.
    fn uninstall(&self, id: &str) {
        let r = run(self.sessions.get(id)).unwrap();
        let data = onchain::encode_get_validation_data(r.signer().unwrap().module(), r.entity_id);
        self.chain.borrow_mut().views.remove(&(self.account, data));
    }

    /// Requests that would have sent or estimated an operation.
    fn op_requests(&self) -> usize {
        self.methods().iter().filter(|m| *m == "eth_sendUserOperation" || *m == "eth_estimateUserOperationGas").count()
    }
}

const TOKEN: &str = "0x3333333333333333333333333333333333333333";

/// A session with a native limit of 1000 wei and a 500-unit limit on TOKEN.
fn limited() -> Value {
    json!({ "permissions": [
        { "type": "contract-access", "data": { "address": TARGET } },
        { "type": "native-token-transfer", "data": { "allowance": 1000 } },
        { "type": "erc20-token-transfer", "data": { "address": TOKEN, "allowance": 500 } }
    ] })
}

fn transfer(amount: u64) -> Vec<CallRequest> {
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend_from_slice(&Address::repeat_byte(7).abi_encode());
    data.extend_from_slice(&U256::from(amount).abi_encode());
    hexjson::from_value(&json!([{ "target": TOKEN, "data": hexjson::hex(data) }])).unwrap()
}

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
    assert_eq!(SessionKey::from_bytes(k.as_ref(), "k").unwrap().address(), b.address.unwrap().0);
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
    assert_eq!(r.address.unwrap().0, key.address());
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

#[test]
fn the_deferred_nonce_sequence_comes_from_the_chain_when_a_network_is_at_hand() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let key = (U256::from(s.entity_id) << 8) | U256::from(0x02);
    // An earlier session at the same entity id used that key three times.
    w.chain.borrow_mut().nonces.insert((w.account, U192::from(key)), 3);
    run(w.sessions.deferred_install_on(&net, &s.id, 0)).unwrap();
    let d = run(w.sessions.get(&s.id)).unwrap().deferred.unwrap();
    assert_eq!(d.nonce, (key << 64) | U256::from(3));
    // Offline, the store assumes a fresh key (sequence 0).
    let t = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    run(w.sessions.deferred_install(&t.id, None, 0)).unwrap();
    let d = run(w.sessions.get(&t.id)).unwrap().deferred.unwrap();
    assert_eq!(d.nonce, ((U256::from(t.entity_id) << 8) | U256::from(0x02)) << 64);
}

// ---------- the chain's truth: status, remaining budgets, decoded reverts, entity ids ----------

#[test]
fn status_reads_an_installed_session_and_what_is_left() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(limited()))).unwrap();
    run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap();
    let token: Address = TOKEN.parse().unwrap();
    w.install(&s.id, 400, &[(token, 120)]);

    let st = run(w.sessions.status_on(&net, &s.id)).unwrap();
    assert!(st.state.installed && st.state.matches_grant, "{st:?}");
    assert_eq!(st.reconciled, None);
    let js = serde_json::to_value(&st).unwrap();
    assert_eq!(js["remaining"]["native"], "400", "amounts as decimal strings");
    assert_eq!(js["remaining"]["gas"], Value::Null, "no gas limit granted");
    assert_eq!(js["remaining"]["erc20"][token.to_checksum(None)], "120");
    assert_eq!(js["validUntil"], T0_MS / 1000 + 3600);
    assert_eq!((js["installed"].clone(), js["matchesGrant"].clone()), (json!(true), json!(true)));
    assert!(js.get("reconciled").is_none());
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Active);
}

#[test]
fn status_of_a_session_uninstalled_elsewhere_revokes_it_and_says_so() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap();
    w.install(&s.id, 0, &[]);
    assert_eq!(run(w.sessions.status_on(&net, &s.id)).unwrap().reconciled, None);

    // Another device uninstalled it.
    w.uninstall(&s.id);
    let st = run(w.sessions.status_on(&net, &s.id)).unwrap();
    assert!(st.state.deployed && !st.state.installed);
    assert_eq!(st.reconciled, Some("revoked"));
    assert_eq!(serde_json::to_value(&st).unwrap()["reconciled"], "revoked");
    let r = run(w.sessions.get(&s.id)).unwrap();
    assert_eq!(r.status, StoredStatus::Revoked);
    assert!(r.key.is_none(), "the key is wiped as by revoke");
    assert_eq!(run(w.sessions.export_private_key(&s.id)).unwrap_err().code(), "KEY_WIPED");
}

#[test]
fn status_of_a_pending_session_on_an_undeployed_account_changes_nothing() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let st = run(w.sessions.status_on(&net, &s.id)).unwrap();
    assert!(!st.state.deployed && !st.state.installed && st.reconciled.is_none());
    assert_eq!(st.state.mismatches, ["notInstalled"]);
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Pending);

    // Deployed, not installed yet: still a normal pending session.
    w.deploy();
    assert_eq!(run(w.sessions.status_on(&net, &s.id)).unwrap().reconciled, None);
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Pending);

    // Installed as granted (a deferred grant whose receipt nobody waited for): active now.
    w.install(&s.id, 0, &[]);
    assert_eq!(run(w.sessions.status_on(&net, &s.id)).unwrap().reconciled, Some("active"));
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Active);

    // The stand-in account has no modules to read.
    let e = run(w.sessions.status_on(&w.network(AccountKind::SimpleAccount, false), &s.id)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("ACCOUNT_KIND_UNSUPPORTED", Some("accountKind")));
}

#[test]
fn a_call_over_what_is_left_is_refused_before_any_operation_request() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(limited()))).unwrap();
    run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap();
    let token: Address = TOKEN.parse().unwrap();
    w.install(&s.id, 100, &[(token, 20)]);
    let before = w.op_requests();

    // Under the grant (1000), over what is left (100).
    let e = run(w.sessions.send_calls(&net, &s.id, &call(500), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("NATIVE_LIMIT_EXCEEDED", Some("calls[0].value")));
    assert_eq!(
        e.data(),
        Some(json!({ "requested": "500", "limit": "100", "granted": "1000", "remaining": "100", "source": "chain" }))
    );
    let e = run(w.sessions.send_calls(&net, &s.id, &transfer(50), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("ERC20_LIMIT_EXCEEDED", Some("calls[0].data")));
    let d = e.data().unwrap();
    assert_eq!(
        (&d["granted"], &d["remaining"], &d["requested"], &d["source"]),
        (&json!("500"), &json!("20"), &json!("50"), &json!("chain"))
    );
    assert_eq!(d["token"], token.to_checksum(None));
    assert_eq!(w.op_requests(), before, "nothing estimated or sent");

    // Within what is left: sent. Only the two budgets were read for it.
    let calls_before = w.methods().iter().filter(|m| *m == "eth_call").count();
    run(w.sessions.send_calls(&net, &s.id, &call(100), SendOptions::default(), &no_progress)).unwrap();
    let reads = w.methods().iter().filter(|m| *m == "eth_call").count() - calls_before;
    assert_eq!(reads, 2 + 1, "native and ERC-20 budgets, then the nonce");

    // Over the grant itself: refused locally, no request at all, the grant's figures.
    let n = w.methods().len();
    let e = run(w.sessions.send_calls(&net, &s.id, &call(2000), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.data(), Some(json!({ "requested": "2000", "limit": "1000", "granted": "1000", "source": "grant" })));
    assert_eq!(w.methods().len(), n);
}

#[test]
fn a_pending_session_is_checked_against_its_grant_only() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(limited()))).unwrap();
    // The chain says 0 left, but the session is not installed yet: nothing is read.
    run(w.sessions.send_calls(&net, &s.id, &call(900), SendOptions::default(), &no_progress)).unwrap();
    let reads = w.methods().iter().filter(|m| *m == "eth_call").count();
    assert_eq!(reads, 1, "the nonce only");
}

#[test]
fn a_failed_budget_read_falls_back_to_the_grant() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(limited()))).unwrap();
    run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap();
    w.chain.borrow_mut().views_fail = true;
    // The chain enforces the limits anyway: the send goes on, checked against the grant.
    run(w.sessions.send_calls(&net, &s.id, &call(900), SendOptions::default(), &no_progress)).unwrap();
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1001), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.data().unwrap()["source"], "grant");
}

fn revert_error(code: i64, message: &str, data: &[u8]) -> Value {
    json!({ "code": code, "message": message, "data": { "revertData": hexjson::hex(data) } })
}

#[test]
fn a_revert_at_estimation_is_decoded_into_what_happened() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    let inner = IModuleErrors::ExceededNativeTokenLimit {}.abi_encode();
    let hook = IExecutionLibErrors::PreExecHookReverted {
        moduleFunction: module_entity(NATIVE_TOKEN_LIMIT_MODULE, s.entity_id),
        revertReason: inner.into(),
    }
    .abi_encode();
    w.chain.borrow_mut().estimate_error = Some(revert_error(-32521, "execution reverted", &hook));
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN");
    let d = e.data().unwrap();
    assert_eq!(d["bundlerCode"], "BUNDLER_USER_OP_REVERTED");
    assert_eq!(d["error"], "ExceededNativeTokenLimit");
    assert_eq!(d["moduleName"], "NativeTokenLimitModule");
    assert_eq!(d["module"], NATIVE_TOKEN_LIMIT_MODULE.to_checksum(None));
    assert_eq!((d["entityId"].clone(), d["sessionEntityId"].clone()), (json!(s.entity_id), json!(s.entity_id)));
    assert_eq!(d["rpcData"]["revertData"], hexjson::hex(&hook), "the raw revert kept");
    assert!(w.sent().is_empty());

    // Wrapped by the EntryPoint, with an argument: the token refused.
    let token = Address::repeat_byte(0x33);
    let failed = IEntryPointErrors::FailedOpWithRevert {
        opIndex: U256::ZERO,
        reason: "AA23 reverted".into(),
        inner: IExecutionLibErrors::PreExecHookReverted {
            moduleFunction: module_entity(ALLOWLIST_MODULE, s.entity_id),
            revertReason: IModuleErrors::ERC20NotAllowed { token }.abi_encode().into(),
        }
        .abi_encode()
        .into(),
    }
    .abi_encode();
    w.chain.borrow_mut().estimate_error = Some(revert_error(-32500, "AA23 reverted", &failed));
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_ERC20_NOT_ALLOWED_ON_CHAIN");
    let d = e.data().unwrap();
    assert_eq!((d["bundlerCode"].clone(), d["aa"].clone()), (json!("BUNDLER_AA23"), json!("AA23")));
    assert_eq!(d["args"], json!({ "token": token.to_checksum(None) }));

    // Data that matches nothing known keeps the bundler's code, and the bytes.
    w.chain.borrow_mut().estimate_error = Some(revert_error(-32500, "AA23 reverted", &[0xde, 0xad, 0xbe, 0xef]));
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA23");
    assert_eq!(e.data().unwrap()["raw"], "0xdeadbeef");
}

#[test]
fn aa22_says_expired_or_not_due_by_the_chains_time() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let now = T0_MS / 1000;
    let s = run(w.sessions.create(w.new_session(json!({ "validAfter": now - 100 })))).unwrap();
    w.chain.borrow_mut().estimate_error = Some(json!({ "code": -32500, "message": "AA22 expired or not due" }));

    // The chain runs ahead of the page: past the session's end.
    w.chain.borrow_mut().timestamp = now + 4000;
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_EXPIRED_ON_CHAIN");
    let d = e.data().unwrap();
    assert_eq!((d["validAfter"].clone(), d["validUntil"].clone()), (json!(now - 100), json!(now + 3600)));
    assert_eq!((d["chainTime"].clone(), d["bundlerCode"].clone()), (json!(now + 4000), json!("BUNDLER_AA22")));

    // The chain runs behind: not due yet.
    w.chain.borrow_mut().timestamp = now - 1000;
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_NOT_YET_VALID_ON_CHAIN");
    assert!(w.methods().contains(&"eth_getBlockByNumber".to_string()));
    assert!(w.sent().is_empty());
}

#[test]
fn create_on_skips_entity_ids_installed_on_chain() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    // Ids 1 and 2 were granted from another device: only the chain knows them.
    let taken = view(&ValidationView { flags: 1, ..ValidationView::default() });
    for id in [1, 2] {
        let data = onchain::encode_get_validation_data(Address::ZERO, id);
        w.chain.borrow_mut().views.insert((w.account, data), taken.clone().into());
    }
    let a = run(w.sessions.create_on(&net, w.new_session(json!({})))).unwrap();
    assert_eq!(a.entity_id, 3);
    let b =
        run(w.sessions.import_on(&net, w.new_session(json!({ "privateKey": hexjson::hex([0x42u8; 32]) })))).unwrap();
    assert_eq!(b.entity_id, 4, "3 is in the store");
    // A given id is the caller's; the offline create knows only the store.
    let c = run(w.sessions.create_on(&net, w.new_session(json!({ "entityId": 9 })))).unwrap();
    assert_eq!(c.entity_id, 9);
    assert_eq!(run(w.sessions.create(w.new_session(json!({})))).unwrap().entity_id, 1, "offline: store only");
    let e = run(w.sessions.create_on(&net, w.new_session(json!({ "privateKey": hexjson::hex([0x42u8; 32]) }))))
        .unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_FIELD");
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

#[test]
fn status_reads_a_delegated_7702_account_like_any_mav2_account() {
    // SemiModularAccount7702 carries MAv2's modules: the same reads, the same answer.
    let w = eoa_world();
    w.chain.borrow_mut().delegations.insert(w.account, SMA7702_IMPL);
    let net = w.network(AccountKind::Mav27702, false);
    let s = run(w.sessions.create(w.new_session(limited()))).unwrap();
    run(w.sessions.mark_active(&s.id)).unwrap();
    let token: Address = TOKEN.parse().unwrap();
    w.install(&s.id, 400, &[(token, 120)]);
    let st = run(w.sessions.status_on(&net, &s.id)).unwrap();
    assert!(st.state.deployed && st.state.installed && st.state.matches_grant, "{st:?}");
    assert_eq!(st.state.remaining.native, Some(U256::from(400)));
    // And the pre-check uses what is left there too: 500 wei is within the grant, not within 400.
    let e = run(w.sessions.send_calls(&net, &s.id, &call(500), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.data().unwrap()["source"].clone()), ("NATIVE_LIMIT_EXCEEDED", json!("chain")));
    assert_eq!(w.op_requests(), 0);
}

// ---------- P-256 WebCrypto sessions (the WebAuthn validation module) ----------

/// A `p256-webcrypto` session of `w`'s account.
fn p256_session(w: &World, extra: Value) -> mav2_session_keys::session::SessionRecord {
    let mut o = json!({ "keyKind": "p256-webcrypto" });
    for (k, x) in extra.as_object().unwrap() {
        o[k] = x.clone();
    }
    run(w.sessions.create(w.new_session(o))).unwrap()
}

/// `signature` (after any deferred prefix) checked the way the WebAuthn library checks it: the
/// assertion is the page's for `hash`, `s` is low, and the P-256 signature verifies under `key`.
#[track_caller]
fn check_webauthn(signature: &[u8], hash: B256, key: &PublicKeyXy) -> WebAuthnAuth {
    assert_eq!(signature[0], 0xFF, "the validation segment, no signature-type byte");
    let auth = WebAuthnAuth::abi_decode(&signature[1..]).unwrap();
    let expected = webauthn::Assertion::for_user_op(&hash, &assertion_options()).unwrap();
    assert_eq!(auth.clientDataJSON, expected.client_data_json);
    assert_eq!(auth.authenticatorData, expected.authenticator_data);
    assert_eq!(auth.challengeIndex, U256::from(expected.challenge_index));
    assert_eq!(auth.typeIndex, U256::from(expected.type_index));
    assert!(auth.s <= webauthn::N >> 1, "low s");
    let point = p256::EncodedPoint::from_affine_coordinates(&key.x.0 .0.into(), &key.y.0 .0.into(), false);
    let vk = p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap();
    let sig = p256::ecdsa::Signature::from_scalars(auth.r.to_be_bytes::<32>(), auth.s.to_be_bytes::<32>()).unwrap();
    vk.verify(&expected.message(), &sig).expect("the P-256 signature verifies");
    auth
}

#[test]
fn the_precompile_probe_is_a_valid_p256_signature() {
    assert!(p256_verifies(&P256_PROBE));
    let mut tampered = P256_PROBE;
    tampered[0] ^= 1;
    assert!(!p256_verifies(&tampered));
}

#[test]
fn p256_session_create_keeps_the_key_in_the_vault_and_never_exports_it() {
    let w = world();
    let s = p256_session(&w, json!({}));
    assert_eq!((s.key_kind, s.address, s.entity_id), (KeyKind::P256WebCrypto, None, 1));
    let public = s.public_key.unwrap();
    let held = w.sessions.vault().p256.borrow().get(&s.id).unwrap().verifying_key().to_encoded_point(false);
    assert_eq!(&held.as_bytes()[1..], [public.x.0.as_slice(), public.y.0.as_slice()].concat());
    assert_eq!(s.key.as_ref().unwrap().alg, TEST_P256_ALG);
    assert!(s.key.as_ref().unwrap().ciphertext.0.is_empty(), "the record holds no key bytes");

    let e = run(w.sessions.export_private_key(&s.id)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("KEY_NOT_EXPORTABLE", Some("id")));
    assert_eq!(e.data().unwrap()["keyKind"], json!("p256-webcrypto"));
    // A P-256 key cannot be brought in either.
    let k = hexjson::hex([0x42u8; 32]);
    let e = run(w.sessions.import(w.new_session(json!({ "keyKind": "p256-webcrypto", "privateKey": k })))).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("KEY_KIND_UNSUPPORTED", Some("keyKind")));
    // A refused create makes no key.
    let e = run(w.sessions.create(w.new_session(json!({ "keyKind": "p256-webcrypto", "expiresAt": 5 })))).unwrap_err();
    assert_eq!(e.code(), "EXPIRED");
    assert_eq!(w.sessions.vault().p256.borrow().len(), 1);

    // The grant installs the WebAuthn module with the key; the hooks are the permissions'.
    let install = run(w.sessions.install_call_data(&s.id)).unwrap();
    let call = IModularAccount::installValidationCall::abi_decode(&install).unwrap();
    // The same permissions as a secp256k1 session at the same entity id (another store).
    let w2 = world();
    let secp = run(w2.sessions.create(w2.new_session(json!({})))).unwrap();
    let secp_call =
        IModularAccount::installValidationCall::abi_decode(&run(w2.sessions.install_call_data(&secp.id)).unwrap())
            .unwrap();
    assert_eq!(&call.validationConfig[..20], WEBAUTHN_VALIDATION_MODULE.as_slice());
    assert_eq!(&call.validationConfig[20..], &secp_call.validationConfig[20..], "entity id 1 both, same flags");
    assert_eq!(call.installData, public.key().unwrap().install_data(1));
    assert_eq!((call.selectors, call.hooks), (secp_call.selectors, secp_call.hooks));
    let uninstall =
        IModularAccount::uninstallValidationCall::abi_decode(&run(w.sessions.uninstall_call_data(&s.id)).unwrap())
            .unwrap();
    assert_eq!(uninstall.validationFunction, module_entity(WEBAUTHN_VALIDATION_MODULE, 1));

    // A vault that cannot make P-256 keys refuses, and nothing is stored.
    let plain = Sessions::new(MemoryStore::new(), MemoryVault::new(), w.clock.clone());
    let e = run(plain.create(w.new_session(json!({ "keyKind": "p256-webcrypto" })))).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("KEY_KIND_UNSUPPORTED", Some("keyKind")));
    assert!(run(plain.list(&ListFilter::default())).unwrap().0.is_empty());
}

#[test]
fn p256_session_grant_send_sign_and_revoke_over_the_fake_chain() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = p256_session(&w, json!({}));
    let public = s.public_key.unwrap();

    // Granted by an owner operation: installValidation of the WebAuthn module.
    let (_, receipt, granted) = run(w.sessions.grant(&net, &s.id, Wallet(w.owner.clone()), None, None)).unwrap();
    assert!(receipt.success && granted.status == StoredStatus::Active);
    assert_eq!(w.sent()[0].1.call_data.0, run(w.sessions.install_call_data(&s.id)).unwrap());

    // Sent: estimated with a dummy of the real size, signed by the vault, low s, verifying.
    let hash = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap();
    let (h, op) = w.sent()[1].clone();
    assert_eq!(h, hash);
    check_webauthn(&op.signature.0, hash, &public);
    let dummy = w.chain.borrow().estimated_sigs.last().unwrap().clone();
    assert_eq!(dummy.len(), op.signature.0.len(), "the dummy has the signature's size");
    assert_eq!(dummy[0], 0xFF);
    // No precompile on this chain: the Solidity fallback's gas on top of the estimate.
    assert_eq!(op.verification_gas_limit, 0x60000 + P256_VERIFY_GAS_SOLIDITY);

    // A second send: a high s from the vault is made low; the probe is not asked again.
    run(w.sessions.send_calls(&net, &s.id, &call(2), SendOptions::default(), &no_progress)).unwrap();
    let (h2, op2) = w.sent()[2].clone();
    check_webauthn(&op2.signature.0, h2, &public);
    assert!(w.sessions.vault().signed.get() >= 2);

    // signUserOperation: the same signature layout for an operation the caller built.
    let mut mine = op2.clone();
    mine.nonce = (U256::from(1) << 72) | U256::from(7);
    let sig = run(w.sessions.sign_user_operation(&s.id, &mine)).unwrap();
    check_webauthn(&sig, mine.hash(1, ENTRY_POINT_V07).unwrap(), &public);

    // Revoked by the owner: uninstallValidation of the WebAuthn module; the key leaves the vault.
    let (_, _, revoked) = run(w.sessions.revoke(&net, &s.id, Wallet(w.owner.clone()), None)).unwrap();
    assert_eq!(revoked.status, StoredStatus::Revoked);
    assert_eq!(w.sent()[3].1.call_data.0, run(w.sessions.uninstall_call_data(&s.id)).unwrap());
    assert!(w.sessions.vault().p256.borrow().get(&s.id).is_none(), "the vault forgot the key");
    let e = run(w.sessions.send_calls(&net, &s.id, &call(1), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_REVOKED");
    assert_eq!(run(w.sessions.export_private_key(&s.id)).unwrap_err().code(), "KEY_NOT_EXPORTABLE");
}

#[test]
fn p256_gas_follows_the_precompile_asked_once_per_network() {
    let w = world();
    w.deploy();
    w.chain.borrow_mut().p256_precompile = true;
    let net = w.network(AccountKind::Mav2, false);
    let s = p256_session(&w, json!({}));
    run(w.sessions.mark_active(&s.id)).unwrap();
    for i in 0..2 {
        run(w.sessions.send_calls(&net, &s.id, &call(i), SendOptions::default(), &no_progress)).unwrap();
        assert_eq!(w.sent()[i as usize].1.verification_gas_limit, 0x60000 + P256_VERIFY_GAS_PRECOMPILE);
    }
    let probes = w.chain.borrow().requests.iter().filter(|(url, m)| *url == "node" && m == "eth_call").count();
    // getNonce twice, the probe once.
    assert_eq!(probes, 3, "{:?}", w.chain.borrow().requests);
    // A secp256k1 session on the same chain: no probe, no extra gas.
    let k = run(w.sessions.create(w.new_session(json!({})))).unwrap();
    run(w.sessions.send_calls(&net, &k.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    assert_eq!(w.sent()[2].1.verification_gas_limit, 0x60000);
}

#[test]
fn p256_deferred_grant_rides_in_front_of_the_webauthn_segment() {
    let w = world();
    let net = w.network(AccountKind::Mav2, false);
    let owner = hexjson::address(&w.owner.address());
    let s = p256_session(&w, json!({ "owner": owner }));
    let d = run(w.sessions.deferred_install_on(&net, &s.id, 0)).unwrap();
    assert_eq!(
        d.call_data,
        run(w.sessions.install_call_data(&s.id)).unwrap(),
        "the action installs the WebAuthn module"
    );
    let r = run(w.sessions.attach_owner_signature(&s.id, &w.owner.sign_hash(&d.typed_data_hash).unwrap())).unwrap();
    let prefix =
        mav2_session_keys::deferred::split_deferred_action(&r.deferred.unwrap().deferred_action_digest.unwrap().0)
            .unwrap()
            .2;
    let hash = run(w.sessions.send_calls(&net, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap();
    let (_, op) = w.sent()[0].clone();
    assert!(op.factory.is_some(), "the first operation deploys the account");
    assert!(op.signature.0.starts_with(&prefix), "the owner's install first");
    check_webauthn(&op.signature.0[prefix.len()..], hash, &s.public_key.unwrap());
    let dummy = w.chain.borrow().estimated_sigs[0].clone();
    assert!(dummy.starts_with(&prefix) && dummy.len() == op.signature.0.len(), "estimated with the install too");
    assert!(run(w.sessions.wait_for_receipt(&net, hash, None)).unwrap().success);
    assert_eq!(run(w.sessions.get(&s.id)).unwrap().status, StoredStatus::Active);
}

#[test]
fn p256_refusals_come_before_any_request() {
    let w = world();
    let s = p256_session(&w, json!({}));
    // A SimpleAccount cannot check a WebAuthn assertion.
    let simple = w.network(AccountKind::SimpleAccount, false);
    let e = run(w.sessions.send_calls(&simple, &s.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("KEY_KIND_UNSUPPORTED", Some("keyKind")));
    let e = run(w.sessions.create_on(&simple, w.new_session(json!({ "keyKind": "p256-webcrypto" })))).unwrap_err();
    assert_eq!(e.code(), "KEY_KIND_UNSUPPORTED");
    // Without an rpId and origin, the assertion cannot be written.
    let bare = Sessions::new(MemoryStore::new(), TestVault::default(), w.clock.clone());
    let r = run(bare.create(w.new_session(json!({ "keyKind": "p256-webcrypto" })))).unwrap();
    let net = w.network(AccountKind::Mav2, false);
    let e = run(bare.send_calls(&net, &r.id, &call(0), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("rpId")));
    // The pre-check is the same as for any session.
    let elsewhere: Vec<CallRequest> =
        hexjson::from_value(&json!([{ "target": hexjson::address(&Address::repeat_byte(5)) }])).unwrap();
    let e = run(w.sessions.send_calls(&net, &s.id, &elsewhere, SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "OUT_OF_SCOPE_TARGET");
    assert!(w.chain.borrow().requests.is_empty(), "{:?}", w.chain.borrow().requests);
    // A key the vault no longer holds does not sign.
    w.sessions.vault().p256.borrow_mut().clear();
    let mut op: UserOperation = hexjson::from_value(&json!({
        "sender": hexjson::address(&w.account), "nonce": "0x1000000000000000000", "callData": "0x",
        "callGasLimit": 1, "verificationGasLimit": 1, "preVerificationGas": 1, "maxFeePerGas": 1, "maxPriorityFeePerGas": 1
    }))
    .unwrap();
    op.nonce = U256::from(1) << 72;
    assert_eq!(run(w.sessions.sign_user_operation(&s.id, &op)).unwrap_err().code(), "DECRYPT_FAILED");
}

#[test]
fn p256_status_reads_the_webauthn_validation() {
    let w = world();
    w.deploy();
    let net = w.network(AccountKind::Mav2, false);
    let s = p256_session(&w, limited());
    run(w.sessions.mark_active(&s.id)).unwrap();
    let token: Address = TOKEN.parse().unwrap();
    w.install(&s.id, 400, &[(token, 120)]);
    let st = run(w.sessions.status_on(&net, &s.id)).unwrap();
    assert!(st.state.installed && st.state.matches_grant, "{st:?}");
    assert_eq!(st.state.remaining.native, Some(U256::from(400)));
    let e = run(w.sessions.send_calls(&net, &s.id, &call(500), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!((e.code(), e.data().unwrap()["source"].clone()), ("NATIVE_LIMIT_EXCEEDED", json!("chain")));
}
