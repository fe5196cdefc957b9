//! End to end against a real chain and bundler: anvil + EntryPoint v0.7 + alto, started by
//! `bash .ci/devnet up`. The account is the EntryPoint package's `SimpleAccount`, created through
//! its factory (initCode) with a key from this library as owner; it checks the same signature
//! MAv2's SingleSigner checks (ECDSA over the EIP-191 digest of the v0.7 userOpHash).
//!
//! Runs only when `MAV2_DEVNET` is set (`.ci/run` sets it after `.ci/devnet up`); then every
//! failure is a failure. URLs come from `MAV2_DEVNET_RPC_URL` / `MAV2_DEVNET_BUNDLER_URL` (else
//! `.ci/state/devnet.json`), addresses from `MAV2_DEVNET_STATE` (default `.ci/state/devnet.json`).
//!
//! Requests go through the library's `native` transport (the test needs that feature):
//!
//!     bash .ci/devnet up && eval "$(bash .ci/devnet env)" && MAV2_DEVNET=1 cargo test --features native --test e2e_bundler
#![cfg(all(feature = "native", not(target_arch = "wasm32")))]

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{sol, SolCall};
use mav2_session_keys::calls::CallRequest;
use mav2_session_keys::json::Addr;
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::native::{block_on, SystemClock};
use mav2_session_keys::rpc::bundler;
use mav2_session_keys::rpc::{RetryPolicy, RpcClient};
use mav2_session_keys::send::{
    owner_nonce_key, AccountKind, OpRequest, OwnerSigner, PersonalSign, SendConfig, Sender, SimpleAccountSigner,
    UserOpSigner,
};
use mav2_session_keys::service::{Network, Progress, SendOptions, Sessions};
use mav2_session_keys::session::NewSession;
use mav2_session_keys::store::MemoryStore;
use mav2_session_keys::vault::MemoryVault;
use mav2_session_keys::{Error, Result};

#[path = "common/devnet.rs"]
mod devnet;
use devnet::Http;

sol! {
    interface ISimpleAccountFactory {
        function createAccount(address owner, uint256 salt) external returns (address);
        function getAddress(address owner, uint256 salt) external view returns (address);
    }
    interface IPaymaster {
        function getDeposit() external view returns (uint256);
    }
    interface ISimpleAccount {
        function execute(address dest, uint256 value, bytes func) external;
        function executeBatch(address[] dest, uint256[] value, bytes[] func) external;
    }
}

// ---------- the devnet ----------

struct Devnet {
    rpc_url: String,
    bundler_url: String,
    chain_id: u64,
    entry_point: Address,
    factory: Address,
    /// The ERC-7677 service in front of the VerifyingPaymaster (tests/devnet/paymaster.mjs).
    paymaster_url: Option<String>,
    verifying_paymaster: Address,
}

fn devnet() -> Option<Devnet> {
    let st = devnet::state("e2e_bundler")?;
    Some(Devnet {
        rpc_url: st.rpc_url(),
        bundler_url: st.bundler_url(),
        chain_id: st.chain_id(),
        entry_point: st.s("entryPoint").parse().unwrap(),
        factory: st.s("simpleAccountFactory").parse().unwrap(),
        paymaster_url: std::env::var("MAV2_DEVNET_PAYMASTER_URL")
            .ok()
            .or_else(|| st.json["paymasterUrl"].as_str().map(str::to_string)),
        verifying_paymaster: st.s("verifyingPaymaster").parse().unwrap(),
    })
}

impl Devnet {
    fn sender(&self) -> Sender<Http, SystemClock> {
        let config = SendConfig {
            entry_point: self.entry_point,
            chain_id: Some(self.chain_id),
            receipt_timeout_ms: 30_000,
            ..Default::default()
        };
        Sender::new(Http::new(&self.bundler_url), SystemClock, config).with_node(Http::new(&self.rpc_url))
    }

    /// A sender whose operations the VerifyingPaymaster pays, through the ERC-7677 service; the
    /// service's transport (to count its requests).
    fn paymaster_sender(&self, context: serde_json::Value) -> (Sender<Http, SystemClock>, Http) {
        let url = self.paymaster_url.as_deref().expect("no paymaster service: MAV2_DEVNET_PAYMASTER_URL unset and no paymasterUrl in the devnet state (bash .ci/devnet up)");
        let service = Http::new(url);
        (self.sender().with_paymaster(service.clone(), context), service)
    }

    /// The paymaster's deposit in the EntryPoint (`VerifyingPaymaster.getDeposit()`).
    fn paymaster_deposit(&self) -> U256 {
        let data = IPaymaster::getDepositCall {}.abi_encode();
        let out =
            block_on(bundler::eth_call(&self.node(), &SystemClock, self.verifying_paymaster, data.into())).unwrap();
        IPaymaster::getDepositCall::abi_decode_returns(&out).unwrap()
    }

    fn node(&self) -> RpcClient<Http> {
        RpcClient::new(Http::new(&self.rpc_url))
    }

    /// A fresh owner key and its counterfactual SimpleAccount (funded unless `fund` is false).
    fn account(&self, fund: bool) -> (SessionKey, Address, (Address, Bytes)) {
        let owner = SessionKey::generate().unwrap();
        let salt = U256::ZERO;
        let node = self.node();
        let data = ISimpleAccountFactory::getAddressCall { owner: owner.address(), salt }.abi_encode();
        let out = block_on(bundler::eth_call(&node, &SystemClock, self.factory, data.into())).unwrap();
        let account = ISimpleAccountFactory::getAddressCall::abi_decode_returns(&out).unwrap();
        if fund {
            self.set_balance(account, U256::from(10u128.pow(18)));
        }
        let init = ISimpleAccountFactory::createAccountCall { owner: owner.address(), salt }.abi_encode();
        (owner, account, (self.factory, init.into()))
    }

    fn set_balance(&self, who: Address, wei: U256) {
        let _: serde_json::Value = block_on(self.node().call(&SystemClock, "anvil_setBalance", (who, wei))).unwrap();
    }

    fn balance(&self, who: Address) -> U256 {
        block_on(self.node().call(&SystemClock, "eth_getBalance", (who, "latest"))).unwrap()
    }
}

fn execute(to: Address, value: u64) -> Bytes {
    ISimpleAccount::executeCall { dest: to, value: U256::from(value), func: Bytes::new() }.abi_encode().into()
}

fn fresh_address() -> Address {
    SessionKey::generate().unwrap().address()
}

fn send_and_wait(
    s: &Sender<Http, SystemClock>,
    req: &OpRequest,
    signer: &impl UserOpSigner,
) -> bundler::UserOperationReceipt {
    let sent = block_on(s.send(req, signer)).unwrap();
    let receipt = block_on(s.wait_for_receipt(sent.user_op_hash, None)).unwrap();
    assert_eq!(receipt.user_op_hash, sent.user_op_hash);
    receipt
}

// ---------- tests ----------

#[test]
fn one_op_built_estimated_signed_sent_and_mined() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let (owner, account, init) = d.account(true);
    let to = fresh_address();
    let req = OpRequest { sender: account, factory: Some(init), call_data: execute(to, 12345), ..Default::default() };
    let signer = SimpleAccountSigner(&owner);

    let mut op = block_on(s.build(&req, &signer)).unwrap();
    assert!(op.factory.is_some(), "undeployed account gets initCode");
    assert!(op.call_gas_limit > 0 && op.verification_gas_limit > 0);
    let hash = block_on(s.sign(&mut op, &signer)).unwrap();
    // Our v0.7 hash equals the real EntryPoint's getUserOpHash.
    let onchain = block_on(bundler::get_user_op_hash_onchain(s.node(), &SystemClock, d.entry_point, &op)).unwrap();
    assert_eq!(hash, onchain);

    let sent = block_on(s.send_signed(&op)).unwrap();
    assert_eq!(sent, hash);
    // Resending the same signed operation is safe: same hash back, one operation on chain.
    assert_eq!(block_on(s.send_signed(&op)).unwrap(), hash);
    let receipt = block_on(s.wait_for_receipt(hash, None)).unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(receipt.sender, account);
    assert_eq!(op.sender.0, account);
    assert_eq!(d.balance(to), U256::from(12345));
    // ... and after it is mined (the bundler refuses with AA25, then finds it by hash).
    assert_eq!(block_on(s.send_signed(&op)).unwrap(), hash);
    assert_eq!(d.balance(to), U256::from(12345));
    let by_hash = block_on(bundler::get_user_operation_by_hash(s.bundler(), &SystemClock, hash)).unwrap().unwrap();
    assert_eq!(by_hash.transaction_hash, Some(receipt.receipt.transaction_hash));

    // Second op: the account exists now, so no initCode; nonce advanced.
    let req2 = OpRequest { call_data: execute(to, 1), ..req };
    let op2 = block_on(s.build(&req2, &signer)).unwrap();
    assert!(op2.factory.is_none());
    assert_eq!(op2.nonce, U256::from(1));
    let r2 = send_and_wait(&s, &req2, &signer);
    assert!(r2.success);
    assert_eq!(d.balance(to), U256::from(12346));
}

#[test]
fn batch_of_three_calls() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let (owner, account, init) = d.account(true);
    let targets = [fresh_address(), fresh_address(), fresh_address()];
    let call_data = ISimpleAccount::executeBatchCall {
        dest: targets.to_vec(),
        value: vec![U256::from(1), U256::from(2), U256::from(3)],
        func: vec![Bytes::new(), Bytes::new(), Bytes::new()],
    }
    .abi_encode()
    .into();
    let req = OpRequest { sender: account, factory: Some(init), call_data, ..Default::default() };
    let r = send_and_wait(&s, &req, &SimpleAccountSigner(&owner));
    assert!(r.success, "{r:?}");
    for (i, t) in targets.iter().enumerate() {
        assert_eq!(d.balance(*t), U256::from(i + 1));
    }
}

#[test]
fn wrong_signature_is_aa24() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let (_owner, account, init) = d.account(true);
    let stranger = SessionKey::generate().unwrap();
    let req = OpRequest {
        sender: account,
        factory: Some(init),
        call_data: execute(fresh_address(), 1),
        ..Default::default()
    };
    let e = block_on(s.send(&req, &SimpleAccountSigner(&stranger))).unwrap_err();
    eprintln!("{e:?}");
    assert_eq!(e.code(), "BUNDLER_AA24", "{e:?}");
    assert!(matches!(&e, Error::Rpc { message, .. } if message.contains("AA24")), "{e:?}");
}

#[test]
fn stale_nonce_is_aa25() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let (owner, account, init) = d.account(true);
    let signer = SimpleAccountSigner(&owner);
    let req = OpRequest {
        sender: account,
        factory: Some(init),
        call_data: execute(fresh_address(), 1),
        ..Default::default()
    };
    assert!(send_and_wait(&s, &req, &signer).success);
    let stale = OpRequest { nonce: Some(U256::ZERO), ..req };
    let e = block_on(s.send(&stale, &signer)).unwrap_err();
    eprintln!("{e:?}");
    assert_eq!(e.code(), "BUNDLER_AA25", "{e:?}");
}

#[test]
fn unfunded_account_is_aa21() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let (owner, account, init) = d.account(false);
    let req = OpRequest {
        sender: account,
        factory: Some(init),
        call_data: execute(fresh_address(), 0),
        ..Default::default()
    };
    let e = block_on(s.send(&req, &SimpleAccountSigner(&owner))).unwrap_err();
    eprintln!("{e:?}");
    assert_eq!(e.code(), "BUNDLER_AA21", "{e:?}");
}

#[test]
fn bundler_unreachable_is_a_network_error_after_bounded_retries() {
    let Some(d) = devnet() else { return };
    // A port nothing listens on (the bundler stopped).
    let http = Http::new("http://127.0.0.1:9");
    let config = SendConfig {
        entry_point: d.entry_point,
        retry: RetryPolicy { attempts: 3, initial_backoff_ms: 10, max_backoff_ms: 20 },
        ..Default::default()
    };
    let s = Sender::new(http.clone(), SystemClock, config);
    let e = block_on(s.ready()).unwrap_err();
    assert_eq!(e.code(), "NETWORK_ERROR", "{e:?}");
    assert_eq!(http.count(), 3, "three attempts, then the error");
}

#[test]
fn bundler_on_another_chain_is_refused() {
    let Some(d) = devnet() else { return };
    let config = SendConfig { entry_point: d.entry_point, chain_id: Some(1), ..Default::default() };
    let s = Sender::new(Http::new(&d.bundler_url), SystemClock, config);
    let e = block_on(s.ready()).unwrap_err();
    assert_eq!(e.code(), "WRONG_CHAIN", "{e:?}");
    assert!(matches!(e, Error::WrongChain { expected: 1, actual } if actual == d.chain_id));
    // And an EntryPoint the bundler does not serve.
    let config = SendConfig { entry_point: Address::repeat_byte(0x44), ..Default::default() };
    let e = block_on(Sender::new(Http::new(&d.bundler_url), SystemClock, config).ready()).unwrap_err();
    assert_eq!(e.code(), "ENTRY_POINT_NOT_SUPPORTED", "{e:?}");
}

#[test]
fn two_ops_at_once_with_distinct_nonce_keys_both_land() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let (owner, account, init) = d.account(true);
    // Deploy first (key 0), then two sessions' keys in parallel.
    let req = OpRequest {
        sender: account,
        factory: Some(init),
        call_data: execute(fresh_address(), 1),
        ..Default::default()
    };
    assert!(send_and_wait(&s, &req, &SimpleAccountSigner(&owner)).success);

    let targets = [fresh_address(), fresh_address()];
    let receipts: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = [1u64, 2]
            .iter()
            .zip(targets)
            .map(|(key, to)| {
                let (d, owner) = (&d, &owner);
                scope.spawn(move || {
                    let s = d.sender();
                    let req = OpRequest {
                        sender: account,
                        nonce_key: U192::from(*key),
                        call_data: execute(to, 7),
                        ..Default::default()
                    };
                    let sent = block_on(s.send(&req, &SimpleAccountSigner(owner))).unwrap();
                    assert_eq!(sent.op.nonce, U256::from(*key) << 64);
                    block_on(s.wait_for_receipt(sent.user_op_hash, None)).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &receipts {
        assert!(r.success, "{r:?}");
    }
    assert_ne!(receipts[0].user_op_hash, receipts[1].user_op_hash);
    for t in targets {
        assert_eq!(d.balance(t), U256::from(7));
    }
}

/// A session of the SimpleAccount `owner` owns, kept by the service in memory: its key is the
/// owner key (a SimpleAccount checks its owner's signature), its permissions `permissions`.
fn simple_account_session(
    owner: &SessionKey,
    account: Address,
    permissions: serde_json::Value,
) -> (Sessions<MemoryStore, MemoryVault, SystemClock>, String) {
    let sessions = Sessions::new(MemoryStore::new(), MemoryVault::new(), SystemClock);
    let expires = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    let opts = NewSession::from_json(
        &serde_json::json!({
            "chainId": 31337, "account": mav2_session_keys::json::address(&account), "permissions": permissions,
            "expiresAt": expires, "privateKey": mav2_session_keys::json::hex(owner.export_secret().as_ref()),
        }),
        "options",
    )
    .unwrap();
    let id = block_on(sessions.import(opts)).unwrap().id;
    (sessions, id)
}

fn no_progress(_: Progress) {}

#[test]
fn precheck_refuses_out_of_scope_call_with_no_request() {
    let Some(d) = devnet() else { return };
    let bundler_http = Http::new(&d.bundler_url);
    let node_http = Http::new(&d.rpc_url);
    let config = SendConfig { entry_point: d.entry_point, chain_id: Some(d.chain_id), ..Default::default() };
    let s = Sender::new(bundler_http.clone(), SystemClock, config).with_node(node_http.clone());
    let net = Network::new(s, AccountKind::SimpleAccount, false);
    let (owner, account, _) = d.account(false);
    let allowed = fresh_address();
    let (sessions, id) = simple_account_session(
        &owner,
        account,
        serde_json::json!([
            { "type": "contract-access", "data": { "address": mav2_session_keys::json::address(&allowed) } },
            { "type": "native-token-transfer", "data": { "allowance": 100 } },
        ]),
    );
    let call = |to: Address, value: u64| {
        vec![CallRequest { target: Addr(to), value: U256::from(value), data: Default::default() }]
    };

    let e = block_on(sessions.send_calls(&net, &id, &call(fresh_address(), 0), SendOptions::default(), &no_progress))
        .unwrap_err();
    assert_eq!(e.code(), "OUT_OF_SCOPE_TARGET");
    assert_eq!(e.field().as_deref(), Some("calls[0].target"));
    let e = block_on(sessions.send_calls(&net, &id, &call(allowed, 101), SendOptions::default(), &no_progress))
        .unwrap_err();
    assert_eq!(e.code(), "NATIVE_LIMIT_EXCEEDED");
    assert_eq!(bundler_http.count() + node_http.count(), 0, "nothing reached the bundler or the node");
}

#[test]
fn in_scope_calls_go_through_the_session_service() {
    let Some(d) = devnet() else { return };
    let net = Network::new(d.sender(), AccountKind::SimpleAccount, false);
    let (owner, account, init) = d.account(true);
    let to = fresh_address();
    let (sessions, id) = simple_account_session(
        &owner,
        account,
        serde_json::json!([
            { "type": "contract-access", "data": { "address": mav2_session_keys::json::address(&to) } },
            { "type": "native-token-transfer", "data": { "allowance": 100 } },
        ]),
    );
    let calls = vec![CallRequest { target: Addr(to), value: U256::from(99), data: Default::default() }];
    let o = SendOptions { factory: Some(init), ..Default::default() };
    let hash = block_on(sessions.send_calls(&net, &id, &calls, o, &no_progress)).unwrap();
    let r = block_on(sessions.wait_for_receipt(&net, hash, Some(30_000))).unwrap();
    assert!(r.success);
    assert_eq!(d.balance(to), U256::from(99));
}

#[test]
fn receipt_of_unknown_op_times_out_with_its_code() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    let e = block_on(s.wait_for_receipt(alloy_primitives::B256::repeat_byte(0x11), Some(600))).unwrap_err();
    assert_eq!(e.code(), "RECEIPT_TIMEOUT", "{e:?}");
}

/// An EIP-1193-style wallet: anvil's own `personal_sign` for one of its dev accounts.
struct AnvilWallet {
    node: RpcClient<Http>,
    address: Address,
}

impl PersonalSign for AnvilWallet {
    fn address(&self) -> Address {
        self.address
    }
    async fn personal_sign(&self, hash: alloy_primitives::B256) -> Result<Bytes> {
        self.node.call(&SystemClock, "personal_sign", (hash, self.address)).await
    }
}

#[test]
fn owner_operation_signed_by_a_wallet_with_personal_sign_is_mined() {
    let Some(d) = devnet() else { return };
    let s = d.sender();
    // anvil's dev account #1 (a public test account) owns a fresh SimpleAccount.
    let owner: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().unwrap();
    let salt = U256::from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64);
    let data = ISimpleAccountFactory::getAddressCall { owner, salt }.abi_encode();
    let out = block_on(bundler::eth_call(&d.node(), &SystemClock, d.factory, data.into())).unwrap();
    let account = ISimpleAccountFactory::getAddressCall::abi_decode_returns(&out).unwrap();
    d.set_balance(account, U256::from(10u128.pow(18)));
    let init = ISimpleAccountFactory::createAccountCall { owner, salt }.abi_encode();
    let to = fresh_address();
    let req = OpRequest {
        sender: account,
        nonce_key: owner_nonce_key(AccountKind::SimpleAccount),
        factory: Some((d.factory, init.into())),
        call_data: execute(to, 777),
        ..Default::default()
    };
    let signer =
        OwnerSigner { wallet: AnvilWallet { node: d.node(), address: owner }, kind: AccountKind::SimpleAccount };
    let r = send_and_wait(&s, &req, &signer);
    assert!(r.success, "{r:?}");
    assert_eq!(d.balance(to), U256::from(777));
    // The same wallet packed for MAv2 (SMA owner): 0xFF ‖ 0x00 ‖ the same 65 bytes.
    let mav2 = OwnerSigner { wallet: AnvilWallet { node: d.node(), address: owner }, kind: AccountKind::Mav2 };
    let h = alloy_primitives::B256::repeat_byte(0x42);
    let (a, b) = (block_on(signer.sign(h)).unwrap(), block_on(mav2.sign(h)).unwrap());
    assert_eq!(&b[..2], &[0xFF, 0x00]);
    assert_eq!(&b[2..], &a[..]);
}

// ---------- paymaster (ERC-7677 service → the package's VerifyingPaymaster) ----------

#[test]
fn paymaster_pays_for_an_unfunded_account() {
    let Some(d) = devnet() else { return };
    let (s, service) = d.paymaster_sender(serde_json::json!({ "policy": "e2e" }));
    // Not funded: without the paymaster this is AA21 (see unfunded_account_is_aa21).
    let (owner, account, init) = d.account(false);
    let to = fresh_address();
    let req = OpRequest { sender: account, factory: Some(init), call_data: execute(to, 0), ..Default::default() };
    let signer = SimpleAccountSigner(&owner);
    let deposit_before = d.paymaster_deposit();

    let op = block_on(s.build(&req, &signer)).unwrap();
    assert_eq!(op.paymaster.map(|a| a.0), Some(d.verifying_paymaster));
    assert!(op.paymaster_verification_gas_limit.unwrap_or(0) > 0, "{op:?}");
    // paymasterData = abi.encode(uint48 validUntil, uint48 validAfter) ‖ the signer's 65 bytes.
    let data = op.paymaster_data.as_ref().unwrap();
    assert_eq!(data.0.len(), 64 + 65, "{op:?}");
    assert_ne!(&data.0[64..], &mav2_session_keys::sign::DUMMY_SIG65[..], "final data, not the stub's");
    assert_eq!(service.count(), 2, "pm_getPaymasterStubData, then pm_getPaymasterData");

    let sent = block_on(s.send(&req, &signer)).unwrap();
    let r = block_on(s.wait_for_receipt(sent.user_op_hash, None)).unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.paymaster, Some(d.verifying_paymaster));
    assert!(r.actual_gas_cost > U256::ZERO);
    assert_eq!(d.balance(account), U256::ZERO, "the account paid nothing");
    assert!(!block_on(bundler::get_code(s.node(), &SystemClock, account)).unwrap().is_empty(), "deployed");
    // The paymaster's deposit paid exactly the operation's cost.
    assert_eq!(d.paymaster_deposit(), deposit_before - r.actual_gas_cost);

    // Once more, deployed (no initCode): still sponsored, still unfunded.
    let req2 = OpRequest { factory: None, ..req };
    let r2 = send_and_wait(&s, &req2, &signer);
    assert!(r2.success, "{r2:?}");
    assert_eq!(r2.paymaster, Some(d.verifying_paymaster));
    assert_eq!(d.balance(account), U256::ZERO);
    assert_eq!(d.paymaster_deposit(), deposit_before - r.actual_gas_cost - r2.actual_gas_cost);
}

#[test]
fn paymaster_signature_refused_by_the_chain_is_aa34() {
    let Some(d) = devnet() else { return };
    // The test service signs with a key that is not the VerifyingPaymaster's verifyingSigner.
    let (s, _) = d.paymaster_sender(serde_json::json!({ "badSignature": true }));
    let (owner, account, init) = d.account(false);
    let req = OpRequest {
        sender: account,
        factory: Some(init),
        call_data: execute(fresh_address(), 0),
        ..Default::default()
    };
    let deposit_before = d.paymaster_deposit();
    let e = block_on(s.send(&req, &SimpleAccountSigner(&owner))).unwrap_err();
    eprintln!("{e:?}");
    assert_eq!(e.code(), "BUNDLER_AA34", "{e:?}");
    assert!(
        matches!(&e, Error::Rpc { method, message, .. } if method == "eth_sendUserOperation" && message.contains("AA34")),
        "{e:?}"
    );
    assert_eq!(d.paymaster_deposit(), deposit_before);
}

#[test]
fn paymaster_service_errors_keep_their_method_and_message() {
    let Some(d) = devnet() else { return };
    let (owner, account, init) = d.account(false);
    let req = OpRequest {
        sender: account,
        factory: Some(init),
        call_data: execute(fresh_address(), 0),
        ..Default::default()
    };
    // A service that is not there: a network error, after bounded retries.
    let config = SendConfig {
        entry_point: d.entry_point,
        chain_id: Some(d.chain_id),
        retry: RetryPolicy { attempts: 2, initial_backoff_ms: 10, max_backoff_ms: 20 },
        ..Default::default()
    };
    let dead = Http::new("http://127.0.0.1:9");
    let s = Sender::new(Http::new(&d.bundler_url), SystemClock, config)
        .with_node(Http::new(&d.rpc_url))
        .with_paymaster(dead.clone(), serde_json::json!({}));
    let e = block_on(s.send(&req, &SimpleAccountSigner(&owner))).unwrap_err();
    assert_eq!(e.code(), "NETWORK_ERROR", "{e:?}");
    assert_eq!(dead.count(), 2);
    // The service refuses (another chain, another EntryPoint): its JSON-RPC error, method named.
    let op: mav2_session_keys::user_op::UserOperation = mav2_session_keys::json::from_value(&serde_json::json!({
        "sender": account, "nonce": "0x0", "callData": "0x",
        "callGasLimit": "0x1", "verificationGasLimit": "0x1", "preVerificationGas": "0x1",
        "maxFeePerGas": "0x1", "maxPriorityFeePerGas": "0x1", "signature": "0x"
    }))
    .unwrap();
    let pm = RpcClient::new(Http::new(d.paymaster_url.as_deref().unwrap()));
    let ctx = serde_json::json!({});
    for (ep, chain) in [(Address::repeat_byte(0x44), d.chain_id), (d.entry_point, 1)] {
        let e = block_on(bundler::pm_get_paymaster_stub_data(&pm, &SystemClock, &op, ep, chain, &ctx)).unwrap_err();
        assert!(
            matches!(&e, Error::Rpc { method, rpc_code: -32602, message, .. } if method == "pm_getPaymasterStubData" && message.contains("not supported")),
            "{e:?}"
        );
        let e = block_on(bundler::pm_get_paymaster_data(&pm, &SystemClock, &op, ep, chain, &ctx)).unwrap_err();
        assert!(matches!(&e, Error::Rpc { method, .. } if method == "pm_getPaymasterData"), "{e:?}");
    }
}
