//! End to end, EIP-7702: an EOA with no code becomes its own account through the bundler. The
//! devnet (`bash .ci/devnet up`) holds the delegate stand-in (tests/devnet/Delegate7702.sol) at
//! SemiModularAccount7702's address, so the library's `mav2-7702` path runs unchanged: the
//! authorization is checked against the node, estimated with the SDK's stub, sent in
//! `eip7702Auth`, and alto puts it in a type-4 transaction. The stand-in takes the EOA's own
//! signature, records MAv2's `installValidation` / `uninstallValidation`, answers
//! `getValidationData`, and takes a session key's signature for the entity id its nonce key names
//! while that SingleSigner validation is installed, with MAv2's deferred action in front of it on
//! a deferred grant's first operation, and a `p256-webcrypto` session's WebAuthn assertion for an
//! installed WebAuthn validation (webauthn-sol's checks, P-256 through anvil's precompile). So the
//! session flow's bytes (install and uninstall call data, nonce keys, session signatures, the
//! deferred action, the assertion and its added gas) meet a contract that reads them;
//! SMA7702's own validation (modules, hooks, permissions) is proven by the SDK vectors
//! (tests/conformance_7702.rs), not here.
//!
//! Runs only when `MAV2_DEVNET` is set, like tests/e2e_bundler.rs:
//!
//!     bash .ci/devnet up && eval "$(bash .ci/devnet env)" && MAV2_DEVNET=1 cargo test --features native --test e2e_7702
#![cfg(all(feature = "native", not(target_arch = "wasm32")))]

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use mav2_session_keys::addresses::{
    NATIVE_TOKEN_LIMIT_MODULE, SINGLE_SIGNER_VALIDATION_MODULE, WEBAUTHN_VALIDATION_MODULE,
};
use mav2_session_keys::calls::CallRequest;
use mav2_session_keys::eip7702::{self, Authorization, SMA7702_IMPL};
use mav2_session_keys::json as hexjson;
use mav2_session_keys::json::Addr;
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::native::{block_on, SystemClock};
use mav2_session_keys::nonce::{self, NonceKeyRequest};
use mav2_session_keys::rpc::bundler;
use mav2_session_keys::rpc::RpcClient;
use mav2_session_keys::send::{AccountKind, Mav2SessionSigner, OpRequest, PersonalSign, SendConfig, Sender};
use mav2_session_keys::service::{
    encode_calls, owner_operation_with, Network, OwnerOp, Progress, SendOptions, Sessions,
};
use mav2_session_keys::session::{NewSession, SessionRecord, Status};
use mav2_session_keys::store::MemoryStore;
use mav2_session_keys::vault::{KeyVault, MemoryVault};
use mav2_session_keys::webauthn::AssertionOptions;
use mav2_session_keys::{sign, Result};

#[path = "common/devnet.rs"]
mod devnet;
use devnet::Http;
#[path = "common/p256_vault.rs"]
mod p256_vault;
use p256_vault::TestVault;

sol! {
    interface IAccount {
        function execute(address dest, uint256 value, bytes func) external;
    }
    /// tests/devnet/Delegate7702.sol's record of installed validations (StandInValidations.sol).
    interface IDelegate7702 {
        function installed(bytes24 validationFunction) external view returns (bool);
        function signerOf(bytes24 validationFunction) external view returns (address);
        function p256Key(bytes24 validationFunction) external view returns (uint256 x, uint256 y);
    }
    /// tests/devnet/StandInModules.sol's setter at NativeTokenLimitModule's address.
    interface IStandInNativeTokenLimitModule {
        function setLimit(uint256 entityId, address account, uint256 limit) external;
    }
}

struct Devnet {
    rpc_url: String,
    bundler_url: String,
    chain_id: u64,
    entry_point: Address,
}

fn devnet() -> Option<Devnet> {
    let st = devnet::state("e2e_7702")?;
    let delegate: Address = st.s("delegate7702").parse().unwrap();
    assert_eq!(delegate, SMA7702_IMPL, "{}: the delegate stand-in must sit at SMA7702's address", st.path);
    Some(Devnet {
        rpc_url: st.rpc_url(),
        bundler_url: st.bundler_url(),
        chain_id: st.chain_id(),
        entry_point: st.s("entryPoint").parse().unwrap(),
    })
}

impl Devnet {
    fn node(&self) -> RpcClient<Http> {
        RpcClient::new(Http::new(&self.rpc_url))
    }

    /// A `mav2-7702` network, and the bundler's transport (to count its requests).
    fn network(&self) -> (Network<Http, SystemClock>, Http) {
        let config = SendConfig {
            entry_point: self.entry_point,
            chain_id: Some(self.chain_id),
            receipt_timeout_ms: 30_000,
            ..Default::default()
        };
        let bundler = Http::new(&self.bundler_url);
        let sender = Sender::new(bundler.clone(), SystemClock, config).with_node(Http::new(&self.rpc_url));
        (Network::new(sender, AccountKind::Mav27702, false), bundler)
    }

    fn set_balance(&self, who: Address, wei: U256) {
        let _: serde_json::Value = block_on(self.node().call(&SystemClock, "anvil_setBalance", (who, wei))).unwrap();
    }

    fn balance(&self, who: Address) -> U256 {
        block_on(self.node().call(&SystemClock, "eth_getBalance", (who, "latest"))).unwrap()
    }

    fn code(&self, who: Address) -> Bytes {
        block_on(bundler::get_code(&self.node(), &SystemClock, who)).unwrap()
    }

    fn transaction(&self, hash: B256) -> serde_json::Value {
        block_on(self.node().call(&SystemClock, "eth_getTransactionByHash", (hash,))).unwrap()
    }

    fn tx_count(&self, who: Address) -> u64 {
        block_on(bundler::transaction_count(&self.node(), &SystemClock, who)).unwrap()
    }

    /// The operation as the bundler holds it (`eth_getUserOperationByHash`).
    fn user_operation(&self, hash: B256) -> serde_json::Value {
        let bundler = RpcClient::new(Http::new(&self.bundler_url));
        block_on(bundler::get_user_operation_by_hash(&bundler, &SystemClock, hash)).unwrap().unwrap().user_operation
    }

    /// Set the native budget NativeTokenLimitModule's stand-in reports for `entity_id` of `account`
    /// (a transaction from anvil's dev account #5, which anvil signs itself).
    fn set_native_left(&self, entity_id: u32, account: Address, wei: u64) {
        let from = alloy_primitives::address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc");
        let data = IStandInNativeTokenLimitModule::setLimitCall {
            entityId: U256::from(entity_id),
            account,
            limit: U256::from(wei),
        }
        .abi_encode();
        let tx = serde_json::json!({ "from": from, "to": NATIVE_TOKEN_LIMIT_MODULE, "data": Bytes::from(data) });
        let hash: B256 = block_on(self.node().call(&SystemClock, "eth_sendTransaction", [tx])).unwrap();
        for _ in 0..100 {
            let receipt: serde_json::Value =
                block_on(self.node().call(&SystemClock, "eth_getTransactionReceipt", [hash])).unwrap();
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "{receipt}");
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("no receipt for {hash}");
    }

    fn view(&self, to: Address, data: Vec<u8>) -> Bytes {
        block_on(bundler::eth_call(&self.node(), &SystemClock, to, data.into())).unwrap()
    }

    /// What the delegate stand-in in `eoa` recorded for SingleSigner's validation `entity_id`:
    /// installed, and the signer its install data named.
    /// Whether a WebAuthn validation is installed at `entity_id` of `eoa`, and the key it names.
    fn recorded_p256(&self, eoa: Address, entity_id: u32) -> (bool, U256, U256) {
        let validation =
            FixedBytes::<24>::from_slice(&[WEBAUTHN_VALIDATION_MODULE.as_slice(), &entity_id.to_be_bytes()].concat());
        let installed = self.view(eoa, IDelegate7702::installedCall { validationFunction: validation }.abi_encode());
        let key = self.view(eoa, IDelegate7702::p256KeyCall { validationFunction: validation }.abi_encode());
        let key = IDelegate7702::p256KeyCall::abi_decode_returns(&key).unwrap();
        (IDelegate7702::installedCall::abi_decode_returns(&installed).unwrap(), key.x, key.y)
    }

    fn recorded(&self, eoa: Address, entity_id: u32) -> (bool, Address) {
        let validation = single_signer(entity_id);
        let installed = self.view(eoa, IDelegate7702::installedCall { validationFunction: validation }.abi_encode());
        let signer = self.view(eoa, IDelegate7702::signerOfCall { validationFunction: validation }.abi_encode());
        (
            IDelegate7702::installedCall::abi_decode_returns(&installed).unwrap(),
            IDelegate7702::signerOfCall::abi_decode_returns(&signer).unwrap(),
        )
    }
}

/// The EOA's key as its wallet: `personal_sign` of the raw userOpHash.
struct Eoa(SessionKey);

impl PersonalSign for Eoa {
    fn address(&self) -> Address {
        self.0.address()
    }
    async fn personal_sign(&self, hash: B256) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(&self.0.sign_hash(&sign::eip191_digest(&hash))?))
    }
}

/// The EOA's signed authorization to delegate to SMA7702 at its nonce `nonce`.
fn authorize(key: &SessionKey, chain_id: u64, nonce: u64) -> Authorization {
    let sig = key.sign_hash(&eip7702::authorization_hash(chain_id, SMA7702_IMPL, nonce)).unwrap();
    hexjson::from_value(&serde_json::json!({
        "chainId": chain_id, "address": hexjson::address(&SMA7702_IMPL), "nonce": nonce,
        "r": hexjson::hex(&sig[..32]), "s": hexjson::hex(&sig[32..64]), "yParity": sig[64] - 27
    }))
    .unwrap()
}

fn pay(to: Address, wei: u64) -> Bytes {
    IAccount::executeCall { dest: to, value: U256::from(wei), func: Bytes::new() }.abi_encode().into()
}

#[test]
fn an_eoa_without_code_delegates_with_its_first_operation_and_sends_the_next_without() {
    let Some(d) = devnet() else { return };
    let key = SessionKey::generate().unwrap();
    let eoa = key.address();
    d.set_balance(eoa, U256::from(10u128.pow(18)));
    assert!(d.code(eoa).is_empty(), "a fresh EOA has no code");
    let (net, bundler) = d.network();
    let to = Address::from_slice(&alloy_primitives::keccak256(eoa)[..20]);
    let opts = |authorization| OwnerOp { chain_id: Some(d.chain_id), authorization, ..Default::default() };

    // Without an authorization: refused with its code, the bundler never asked.
    let e = block_on(owner_operation_with(&net, Eoa(key.clone()), eoa, pay(to, 1), opts(None))).unwrap_err();
    assert_eq!(e.code(), "AUTHORIZATION_REQUIRED");
    // An authorization for a used nonce: the same.
    let stale = authorize(&key, d.chain_id, 1);
    let e = block_on(owner_operation_with(&net, Eoa(key.clone()), eoa, pay(to, 1), opts(Some(stale)))).unwrap_err();
    assert_eq!(e.code(), "AUTHORIZATION_WRONG_NONCE");
    assert_eq!(bundler.count(), 0, "nothing was asked of the bundler");

    // The first operation carries the authorization: the EOA is delegated and executes.
    let auth = authorize(&key, d.chain_id, d.tx_count(eoa));
    let (hash, receipt) =
        block_on(owner_operation_with(&net, Eoa(key.clone()), eoa, pay(to, 777), opts(Some(auth)))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(receipt.user_op_hash, hash);
    assert_eq!(d.balance(to), U256::from(777));
    assert_eq!(d.code(eoa).as_ref(), &eip7702::delegation_code(SMA7702_IMPL)[..], "delegated to SMA7702's address");
    assert_eq!(d.tx_count(eoa), 1, "the authorization used the EOA's nonce");
    let tx = d.transaction(receipt.receipt.transaction_hash);
    assert_eq!(tx["type"], "0x4", "the bundler sent a set-code transaction: {tx}");
    assert_eq!(tx["authorizationList"].as_array().map(Vec::len), Some(1), "{tx}");

    // The second operation: delegated, so no authorization (a stale one given is ignored).
    let again = authorize(&key, d.chain_id, 0);
    let (_, receipt) =
        block_on(owner_operation_with(&net, Eoa(key.clone()), eoa, pay(to, 223), opts(Some(again)))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(d.balance(to), U256::from(1000));
    assert_eq!(d.tx_count(eoa), 1, "no second authorization");
    assert_ne!(d.transaction(receipt.receipt.transaction_hash)["type"], "0x4");
}

// ---------- session keys on a 7702 account ----------

/// SingleSigner's validation function for `entity_id`: module ‖ entity id.
fn single_signer(entity_id: u32) -> FixedBytes<24> {
    let mut v = [0u8; 24];
    v[..20].copy_from_slice(SINGLE_SIGNER_VALIDATION_MODULE.as_slice());
    v[20..].copy_from_slice(&entity_id.to_be_bytes());
    FixedBytes(v)
}

type MemorySessions = Sessions<MemoryStore, MemoryVault, SystemClock>;

/// A session of the EOA `eoa` (account and owner) with `permissions`, kept in memory; its entity
/// id comes from the chain and the store.
fn eoa_session(
    d: &Devnet,
    net: &Network<Http, SystemClock>,
    eoa: Address,
    permissions: serde_json::Value,
) -> (MemorySessions, SessionRecord) {
    let sessions = Sessions::new(MemoryStore::new(), MemoryVault::new(), SystemClock);
    let expires = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    let opts = NewSession::from_json(
        &serde_json::json!({
            "chainId": d.chain_id, "account": hexjson::address(&eoa), "owner": hexjson::address(&eoa),
            "permissions": permissions, "expiresAt": expires,
        }),
        "options",
    )
    .unwrap();
    let rec = block_on(sessions.create_on(net, opts)).unwrap();
    (sessions, rec)
}

/// `contract-access` to each of `targets` (native value not limited).
fn access(targets: &[Address]) -> serde_json::Value {
    targets.iter().map(|t| serde_json::json!({ "type": "contract-access", "data": { "address": t } })).collect()
}

fn calls(to: &[(Address, u64)]) -> Vec<CallRequest> {
    to.iter().map(|(t, v)| CallRequest { target: Addr(*t), value: U256::from(*v), data: Default::default() }).collect()
}

fn no_progress(_: Progress) {}

/// Send `calls` with the session and wait for a successful receipt.
fn send_session<V: KeyVault>(
    net: &Network<Http, SystemClock>,
    sessions: &Sessions<MemoryStore, V, SystemClock>,
    id: &str,
    to: &[(Address, u64)],
    o: SendOptions,
) {
    let hash = block_on(sessions.send_calls(net, id, &calls(to), o, &no_progress)).unwrap();
    let receipt = block_on(sessions.wait_for_receipt(net, hash, Some(30_000))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(receipt.user_op_hash, hash);
}

/// An operation of `calls` signed by `key` for validation `entity_id` of `eoa`, sent past the
/// session service (no pre-check, no store): what the chain says of the key itself.
fn send_raw(
    net: &Network<Http, SystemClock>,
    eoa: Address,
    key: &SessionKey,
    entity_id: u32,
    to: &[(Address, u64)],
) -> Result<B256> {
    let nonce_key = nonce::nonce_key(&NonceKeyRequest {
        nonce_key: Some(U256::from(7)),
        entity_id: Some(entity_id),
        is_global_validation: Some(false),
        is_deferred_action: Some(false),
    })?;
    let req = OpRequest {
        sender: eoa,
        nonce_key: U192::from(nonce_key),
        call_data: encode_calls(AccountKind::Mav27702, eoa, &calls(to), None, false)?,
        ..Default::default()
    };
    let sent = block_on(net.sender().send(&req, &Mav2SessionSigner { key, deferred_prefix: None }))?;
    Ok(sent.user_op_hash)
}

#[test]
fn a_session_granted_by_the_operation_that_delegates_sends_and_is_revoked() {
    let Some(d) = devnet() else { return };
    let owner = SessionKey::generate().unwrap();
    let eoa = owner.address();
    d.set_balance(eoa, U256::from(10u128.pow(18)));
    assert!(d.code(eoa).is_empty(), "a fresh EOA has no code");
    let (net, _) = d.network();
    let (to, other) = (SessionKey::generate().unwrap().address(), SessionKey::generate().unwrap().address());
    let (sessions, rec) = eoa_session(&d, &net, eoa, access(&[to, other]));
    let (id, entity) = (rec.id.clone(), rec.entity_id);
    assert_eq!(entity, 1, "nothing is installed on an EOA without code");
    let session_key =
        SessionKey::from_bytes(block_on(sessions.export_private_key(&id)).unwrap().as_ref(), "k").unwrap();

    // The grant is an owner operation carrying the authorization: it delegates the EOA and
    // installs the session's validation in one type-4 transaction.
    let auth = authorize(&owner, d.chain_id, d.tx_count(eoa));
    let (_, receipt, rec) =
        block_on(sessions.grant_with(&net, &id, Eoa(owner.clone()), None, Some(auth), Some(30_000))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(sessions.status(&rec), Status::Active);
    assert_eq!(d.code(eoa).as_ref(), &eip7702::delegation_code(SMA7702_IMPL)[..], "delegated to SMA7702's address");
    assert_eq!(d.transaction(receipt.receipt.transaction_hash)["type"], "0x4");
    assert_eq!(d.recorded(eoa, entity), (true, session_key.address()), "installed, naming the session key");
    // getValidationData answers the grant's flags, selectors and hooks; only the module stand-ins
    // (which no install reaches) differ.
    let status = block_on(sessions.status_on(&net, &id)).unwrap().state;
    assert!(status.deployed && status.installed, "{status:?}");
    assert!(status.mismatches.iter().all(|m| ["signer", "timeRange"].contains(m)), "{status:?}");

    // The session key acts: one call (`execute`), then two (MAv2's `executeBatch`).
    send_session(&net, &sessions, &id, &[(to, 1234)], SendOptions::default());
    assert_eq!(d.balance(to), U256::from(1234));
    send_session(&net, &sessions, &id, &[(to, 1), (other, 2)], SendOptions::default());
    assert_eq!((d.balance(to), d.balance(other)), (U256::from(1235), U256::from(2)));
    assert_eq!(d.tx_count(eoa), 1, "one authorization in all");
    // The nonce key selects the validation: the same key under another entity id is refused.
    let e = send_raw(&net, eoa, &session_key, entity + 1, &[(to, 1)]).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA24", "{e:?}");

    // Revoked by an owner operation (no authorization: the EOA is delegated).
    let (_, receipt, rec) = block_on(sessions.revoke(&net, &id, Eoa(owner.clone()), Some(30_000))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(sessions.status(&rec), Status::Revoked);
    assert_eq!(d.recorded(eoa, entity), (false, Address::ZERO));
    let e =
        block_on(sessions.send_calls(&net, &id, &calls(&[(to, 1)]), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "SESSION_REVOKED");
    let status = block_on(sessions.status_on(&net, &id)).unwrap().state;
    assert!(status.deployed && !status.installed, "{status:?}");
    assert_eq!(status.mismatches, ["notInstalled"]);
    // And the chain refuses the key at its own entity id.
    let e = send_raw(&net, eoa, &session_key, entity, &[(to, 1)]).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA24", "{e:?}");
    assert_eq!(d.balance(to), U256::from(1235));
}

#[test]
fn a_deferred_grant_rides_in_the_sessions_first_operation_with_the_authorization() {
    let Some(d) = devnet() else { return };
    let owner = SessionKey::generate().unwrap();
    let eoa = owner.address();
    d.set_balance(eoa, U256::from(10u128.pow(18)));
    let (net, bundler) = d.network();
    let to = SessionKey::generate().unwrap().address();
    // A native limit: the session's validation has an execution hook, so its calls go behind
    // `executeUserOp`.
    let permissions = serde_json::json!([
        { "type": "contract-access", "data": { "address": to } },
        { "type": "native-token-transfer", "data": { "allowance": 100 } },
    ]);
    let (sessions, rec) = eoa_session(&d, &net, eoa, permissions);
    let (id, entity) = (rec.id.clone(), rec.entity_id);

    // The owner signs the deferred action's typed data (EIP-712, verifying contract: the EOA).
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    let deferred = block_on(sessions.deferred_install_on(&net, &id, deadline)).unwrap();
    assert!(deferred.has_execution_hooks);
    let signature = owner.sign_hash(&deferred.typed_data_hash).unwrap();
    block_on(sessions.attach_owner_signature(&id, &signature)).unwrap();

    // The session's first operation delegates the EOA, so it needs the authorization.
    let asked = bundler.count();
    let e =
        block_on(sessions.send_calls(&net, &id, &calls(&[(to, 5)]), SendOptions::default(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "AUTHORIZATION_REQUIRED");
    assert_eq!(bundler.count(), asked, "nothing was asked of the bundler");
    let auth = authorize(&owner, d.chain_id, d.tx_count(eoa));
    let with_auth = || SendOptions { authorization: Some(auth.clone()), ..Default::default() };

    // The account checks the owner's signature of the deferred action: another key's is refused.
    let stranger = SessionKey::generate().unwrap().sign_hash(&deferred.typed_data_hash).unwrap();
    block_on(sessions.attach_owner_signature(&id, &stranger)).unwrap();
    let e = block_on(sessions.send_calls(&net, &id, &calls(&[(to, 5)]), with_auth(), &no_progress)).unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA23", "{e:?}");
    block_on(sessions.attach_owner_signature(&id, &signature)).unwrap();

    // With the owner's: one type-4 transaction delegates, installs (the deferred action) and transfers.
    let hash = block_on(sessions.send_calls(&net, &id, &calls(&[(to, 5)]), with_auth(), &no_progress)).unwrap();
    let receipt = block_on(sessions.wait_for_receipt(&net, hash, Some(30_000))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(d.balance(to), U256::from(5));
    assert_eq!(d.code(eoa).as_ref(), &eip7702::delegation_code(SMA7702_IMPL)[..]);
    assert_eq!(d.transaction(receipt.receipt.transaction_hash)["type"], "0x4");
    let bound = MemorySessions::deferred_nonce(&rec, 0).unwrap();
    assert_eq!(receipt.nonce, bound, "the nonce the owner signed: the entity id with the deferred bit");
    let op = d.user_operation(hash);
    assert!(op["callData"].as_str().unwrap().starts_with("0x8dd7712f"), "behind executeUserOp: {op}");
    assert_eq!(d.recorded(eoa, entity), (true, rec.address.unwrap().0), "the deferred action installed the session");
    assert_eq!(sessions.status(&block_on(sessions.get(&id)).unwrap()), Status::Active, "its receipt settled it");

    // The next operation: no authorization, no deferred action. The session is active, so the
    // library reads what is left of its native budget from NativeTokenLimitModule's address; no
    // install reaches the module stand-in there, so the test sets what the module would hold.
    d.set_native_left(entity, eoa, 95);
    send_session(&net, &sessions, &id, &[(to, 6)], SendOptions::default());
    assert_eq!(d.balance(to), U256::from(11));
    assert_eq!(d.tx_count(eoa), 1);
}

#[test]
fn a_p256_session_granted_by_the_operation_that_delegates_signs_webauthn_assertions_through_the_bundler() {
    let Some(d) = devnet() else { return };
    let owner = SessionKey::generate().unwrap();
    let eoa = owner.address();
    d.set_balance(eoa, U256::from(10u128.pow(18)));
    let (net, _) = d.network();
    assert!(block_on(net.has_p256_precompile()).unwrap(), "anvil has the P-256 precompile");
    let to = SessionKey::generate().unwrap().address();
    let origin: AssertionOptions =
        hexjson::from_value(&serde_json::json!({ "rpId": "app.example", "origin": "https://app.example" })).unwrap();
    let sessions = Sessions::new(MemoryStore::new(), TestVault::default(), SystemClock).with_assertion_options(origin);
    let expires = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    let new = |permissions: serde_json::Value| -> NewSession {
        NewSession::from_json(
            &serde_json::json!({
                "chainId": d.chain_id, "account": hexjson::address(&eoa), "owner": hexjson::address(&eoa),
                "permissions": permissions, "expiresAt": expires, "keyKind": "p256-webcrypto",
            }),
            "options",
        )
        .unwrap()
    };
    let rec = block_on(sessions.create_on(&net, new(access(&[to])))).unwrap();
    let (id, entity) = (rec.id.clone(), rec.entity_id);
    let key = rec.public_key.unwrap();

    // Granted by the owner operation that delegates the EOA: the WebAuthn validation with the key.
    let auth = authorize(&owner, d.chain_id, d.tx_count(eoa));
    let (_, receipt, _) =
        block_on(sessions.grant_with(&net, &id, Eoa(owner.clone()), None, Some(auth), Some(30_000))).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(d.recorded_p256(eoa, entity), (true, key.x.0.into(), key.y.0.into()), "installed, naming the P-256 key");

    // The session acts: estimated with the dummy assertion, the check's gas added, signed by the
    // vault's P-256 key, checked by the stand-in (webauthn-sol's checks, anvil's precompile).
    send_session(&net, &sessions, &id, &[(to, 1234)], SendOptions::default());
    send_session(&net, &sessions, &id, &[(to, 1), (to, 2)], SendOptions::default());
    assert_eq!(d.balance(to), U256::from(1237));

    // Another P-256 key, at an entity id with no validation installed: the chain refuses it.
    let stranger = block_on(sessions.create_on(&net, new(access(&[to])))).unwrap();
    assert_ne!(stranger.entity_id, entity);
    let e = block_on(sessions.send_calls(&net, &stranger.id, &calls(&[(to, 1)]), SendOptions::default(), &no_progress))
        .unwrap_err();
    assert_eq!(e.code(), "BUNDLER_AA24", "{e:?}");

    // Revoked by the owner: the validation and its key are gone.
    let (_, receipt, rec) = block_on(sessions.revoke(&net, &id, Eoa(owner.clone()), Some(30_000))).unwrap();
    assert!(receipt.success && sessions.status(&rec) == Status::Revoked, "{receipt:?}");
    assert_eq!(d.recorded_p256(eoa, entity), (false, U256::ZERO, U256::ZERO));
    assert!(sessions.vault().p256.borrow().get(&id).is_none(), "the vault forgot the key");
    assert_eq!(d.balance(to), U256::from(1237));
}
