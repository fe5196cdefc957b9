//! Browser end to end: `BundlerClient` in headless Chrome, `fetch` from the page to the local
//! alto and anvil (`bash .ci/devnet up`; alto runs with CORS). The account is the EntryPoint
//! package's `SimpleAccount` (`accountKind: "simple-account"`), owned by a session key imported
//! into a real `SessionKeyStore` (IndexedDB).
//!
//! The devnet's URLs and addresses come in at compile time (a page cannot read files):
//!
//!     bash .ci/devnet up && eval "$(bash .ci/devnet env)"
//!     CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web_bundler
//!
//! Without `MAV2_DEVNET_BUNDLER_URL` at build time every test logs that it is skipped and passes.
//!
//! `grantSession` and `revokeSession` run against the devnet's stand-in account
//! (tests/devnet/StandInAccount.sol): validated like a SimpleAccount, it records the
//! `installValidation` / `uninstallValidation` calls it receives, since MAv2 cannot run locally.
#![cfg(target_arch = "wasm32")]

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolEvent, SolValue};
use js_sys::{Function, Promise, Reflect};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wasm_bindgen_test::*;
use web_sys::{IdbDatabase, IdbTransactionMode};

use mav2_session_keys::abi::IModularAccount;
use mav2_session_keys::eip7702;
use mav2_session_keys::json as hexjson;
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::rpc::{bundler, RpcClient};
use mav2_session_keys::web::bundler::BundlerClient;
use mav2_session_keys::web::clock::WebClock;
use mav2_session_keys::web::fetch::FetchTransport;
use mav2_session_keys::web::idb::{self, Done};
use mav2_session_keys::web::store::SessionKeyStore;

#[path = "common/web.rs"]
mod web_common;
use web_common::{authorization_js, js, key_wallet, rust};

wasm_bindgen_test_configure!(run_in_browser);

sol! {
    interface ISimpleAccountFactory {
        function createAccount(address owner, uint256 salt) external returns (address);
        function getAddress(address owner, uint256 salt) external view returns (address);
    }
    interface ISimpleAccount {
        function execute(address dest, uint256 value, bytes func) external;
    }
    interface IPaymaster {
        function getDeposit() external view returns (uint256);
    }
    /// tests/devnet/StandInAccount.sol: what the account recorded.
    /// The stand-in modules' setters (tests/devnet/StandInModules.sol), at the modules' addresses.
    interface IStandInModules {
        function setSigner(uint32 entityId, address account, address signer) external;
        function setTimeRange(uint32 entityId, address account, uint48 validUntil, uint48 validAfter) external;
    }

    interface IStandInAccount {
        function installed(bytes24 validationFunction) external view returns (bool);
        function sessionSigner(address signer) external view returns (uint256);
        event ValidationInstalled(bytes24 indexed validationFunction, bytes callData);
        event ValidationUninstalled(bytes24 indexed validationFunction, bytes callData);
    }
}

/// anvil's dev account #1 (public test account): the EIP-1193 wallet of the owner-operation test.
const ANVIL_DEV_1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

struct Devnet {
    bundler_url: &'static str,
    rpc_url: &'static str,
    chain_id: u64,
    factory: Address,
    /// The stand-in account's factory (same interface as SimpleAccountFactory).
    stand_in_factory: Option<Address>,
    /// The ERC-7677 test service (tests/devnet/paymaster.mjs) and the VerifyingPaymaster behind it.
    paymaster: Option<(&'static str, Address)>,
}

fn devnet() -> Option<Devnet> {
    let (Some(bundler_url), Some(rpc_url), Some(chain), Some(factory)) = (
        option_env!("MAV2_DEVNET_BUNDLER_URL"),
        option_env!("MAV2_DEVNET_RPC_URL"),
        option_env!("MAV2_DEVNET_CHAIN_ID"),
        option_env!("MAV2_DEVNET_SIMPLE_ACCOUNT_FACTORY"),
    ) else {
        web_sys::console::log_1(
            &"web_bundler: skipped (build with the devnet's env: bash .ci/devnet up; eval \"$(bash .ci/devnet env)\")"
                .into(),
        );
        return None;
    };
    let paymaster = match (option_env!("MAV2_DEVNET_PAYMASTER_URL"), option_env!("MAV2_DEVNET_VERIFYING_PAYMASTER")) {
        (Some(url), Some(address)) => Some((url, address.parse().unwrap())),
        _ => None,
    };
    let stand_in_factory = option_env!("MAV2_DEVNET_STAND_IN_FACTORY").map(|a| a.parse().unwrap());
    Some(Devnet {
        bundler_url,
        rpc_url,
        chain_id: chain.parse().unwrap(),
        factory: factory.parse().unwrap(),
        stand_in_factory,
        paymaster,
    })
}

// ---------- helpers ----------

fn describe(e: &JsValue) -> String {
    let code = Reflect::get(e, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_default();
    let msg = Reflect::get(e, &"message".into()).ok().and_then(|c| c.as_string()).unwrap_or_else(|| format!("{e:?}"));
    format!("{code}: {msg}")
}

fn ok<T>(r: Result<T, JsValue>) -> T {
    r.unwrap_or_else(|e| panic!("rejected: {}", describe(&e)))
}

fn code_of(r: Result<JsValue, JsValue>) -> (String, Option<String>) {
    let e = match r {
        Ok(v) => panic!("expected a rejection, got {}", rust(&v)),
        Err(e) => e,
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let code = Reflect::get(&e, &"code".into()).unwrap().as_string().expect("error.code");
    (code, Reflect::get(&e, &"field".into()).unwrap().as_string())
}

impl Devnet {
    fn node(&self) -> RpcClient<FetchTransport> {
        RpcClient::new(FetchTransport::new(self.rpc_url, 10_000))
    }

    async fn node_call(&self, method: &str, params: Value) -> Value {
        self.node().call(&WebClock, method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    async fn balance(&self, who: Address) -> U256 {
        let v = self.node_call("eth_getBalance", json!([who, "latest"])).await;
        hexjson::from_value::<hexjson::HexBytes>(&json!(format!(
            "0x{:0>64}",
            v.as_str().unwrap().trim_start_matches("0x")
        )))
        .map(|b| U256::from_be_slice(&b.0))
        .unwrap()
    }

    /// The SimpleAccount of `owner` (fresh salt), funded with 1 ETH; its factory data.
    async fn simple_account(&self, owner: Address) -> (Address, Bytes) {
        self.simple_account_funded(owner, true).await
    }

    /// The SimpleAccount of `owner` (fresh salt), funded with 1 ETH if `fund`; its factory data.
    async fn simple_account_funded(&self, owner: Address, fund: bool) -> (Address, Bytes) {
        let salt = U256::from((js_sys::Math::random() * 1e15) as u64);
        let data = ISimpleAccountFactory::getAddressCall { owner, salt }.abi_encode();
        let out = bundler::eth_call(&self.node(), &WebClock, self.factory, data.into()).await.unwrap();
        let account = ISimpleAccountFactory::getAddressCall::abi_decode_returns(&out).unwrap();
        if fund {
            self.node_call("anvil_setBalance", json!([account, "0xde0b6b3a7640000"])).await;
        }
        (account, ISimpleAccountFactory::createAccountCall { owner, salt }.abi_encode().into())
    }

    /// `VerifyingPaymaster.getDeposit()`: what the paymaster has left in the EntryPoint.
    async fn deposit(&self, paymaster: Address) -> U256 {
        let data = IPaymaster::getDepositCall {}.abi_encode();
        let out = bundler::eth_call(&self.node(), &WebClock, paymaster, data.into()).await.unwrap();
        IPaymaster::getDepositCall::abi_decode_returns(&out).unwrap()
    }

    /// A client whose operations the paymaster service sponsors, with this ERC-7677 context.
    fn paymaster_client(&self, url: &str, context: Value) -> BundlerClient {
        ok(BundlerClient::new(js(json!({
            "bundlerUrl": self.bundler_url,
            "rpcUrl": self.rpc_url,
            "accountKind": "simple-account",
            "paymaster": { "url": url, "context": context },
        }))))
    }

    fn client(&self) -> BundlerClient {
        ok(BundlerClient::new(js(json!({
            "bundlerUrl": self.bundler_url,
            "rpcUrl": self.rpc_url,
            "accountKind": "simple-account",
        }))))
    }

    /// A store (fresh database) holding one session whose key owns a fresh, funded SimpleAccount.
    async fn session(&self, permissions: Value) -> Setup {
        self.session_with(permissions, true, None).await
    }

    /// As [`Devnet::session`]; the account funded only if `fund`, the session bound to `paymaster`.
    async fn session_with(&self, permissions: Value, fund: bool, paymaster: Option<Address>) -> Setup {
        let key = SessionKey::generate().unwrap();
        let (account, factory_data) = self.simple_account_funded(key.address(), fund).await;
        let name = format!("web-bundler-{}", js_sys::Math::random());
        let store = open(&name).await;
        let rec = ok(JsFuture::from(store.import_private_key(js(json!({
            "privateKey": hexjson::hex(key.export_secret().as_ref()),
            "chainId": self.chain_id,
            "account": account,
            "permissions": permissions,
            "expiresAt": (js_sys::Date::now() / 1000.0) as u64 + 3600,
            "paymaster": paymaster,
        }))))
        .await);
        let id = rust(&rec)["id"].as_str().unwrap().to_string();
        Setup { store, name, id, account, factory_data }
    }
}

struct Setup {
    store: SessionKeyStore,
    name: String,
    id: String,
    account: Address,
    factory_data: Bytes,
}

impl Setup {
    fn deploy_options(&self, d: &Devnet) -> JsValue {
        js(json!({ "factory": d.factory, "factoryData": hexjson::hex(&self.factory_data) }))
    }
}

async fn open(name: &str) -> SessionKeyStore {
    SessionKeyStore::connect(&js(json!({ "name": name }))).await.map_err(|e| e.to_string()).unwrap()
}

fn fresh() -> Address {
    SessionKey::generate().unwrap().address()
}

async fn send_and_wait(d: &Devnet, client: &BundlerClient, s: &Setup, calls: Value, options: Option<JsValue>) -> Value {
    let hash =
        ok(client.send_calls(&s.store, s.id.clone().into(), js(calls), options.map(JsCast::unchecked_into)).await);
    let receipt = rust(&ok(client
        .wait_for_receipt(hash.clone(), Some(js(json!({ "timeoutMs": 30000 })).unchecked_into()))
        .await));
    assert_eq!(receipt["userOpHash"], rust(&hash), "{receipt}");
    assert_eq!(receipt["success"], true, "{receipt}");
    let _ = d;
    receipt
}

/// Count every `fetch` the page makes from now on (a wrapper around the global `fetch`).
fn fetch_count() -> u32 {
    let install = Function::new_no_args(
        "if (!globalThis.__mav2Fetch) {
           const orig = globalThis.fetch;
           globalThis.__mav2Fetch = { count: 0 };
           globalThis.fetch = function (...args) { globalThis.__mav2Fetch.count++; return orig.apply(this, args); };
         }
         return globalThis.__mav2Fetch.count;",
    );
    install.call0(&JsValue::UNDEFINED).unwrap().as_f64().unwrap() as u32
}

// ---------- tests ----------

#[wasm_bindgen_test]
async fn one_operation_is_mined() {
    let Some(d) = devnet() else { return };
    let to = fresh();
    let s = d.session(json!([{ "type": "contract-access", "data": { "address": to } }])).await;
    let client = d.client();
    let r =
        send_and_wait(&d, &client, &s, json!([{ "target": to, "value": "12345" }]), Some(s.deploy_options(&d))).await;
    assert_eq!(r["sender"].as_str().unwrap().to_lowercase(), format!("{:?}", s.account).to_lowercase());
    assert_eq!(d.balance(to).await, U256::from(12345));
    // A second one: the account exists now, so no factory is needed.
    send_and_wait(&d, &client, &s, json!([{ "target": to, "value": 1 }]), None).await;
    assert_eq!(d.balance(to).await, U256::from(12346));
}

#[wasm_bindgen_test]
async fn a_batch_of_three_calls_is_mined() {
    let Some(d) = devnet() else { return };
    let t = [fresh(), fresh(), fresh()];
    let perms: Vec<Value> = t.iter().map(|a| json!({ "type": "contract-access", "data": { "address": a } })).collect();
    let s = d.session(json!(perms)).await;
    let calls = json!([{ "target": t[0], "value": 1 }, { "target": t[1], "value": 2 }, { "target": t[2], "value": 3 }]);
    send_and_wait(&d, &d.client(), &s, calls, Some(s.deploy_options(&d))).await;
    for (i, a) in t.iter().enumerate() {
        assert_eq!(d.balance(*a).await, U256::from(i + 1));
    }
}

#[wasm_bindgen_test]
async fn precheck_refuses_out_of_scope_calls_with_no_request() {
    let Some(d) = devnet() else { return };
    let allowed = fresh();
    let s = d
        .session(json!([
            { "type": "contract-access", "data": { "address": allowed } },
            { "type": "native-token-transfer", "data": { "allowance": "100" } },
        ]))
        .await;
    let client = d.client();
    let before = fetch_count();
    let outside = client.send_calls(&s.store, s.id.clone().into(), js(json!([{ "target": fresh() }])), None).await;
    assert_eq!(code_of(outside), ("OUT_OF_SCOPE_TARGET".into(), Some("calls[0].target".into())));
    let too_much = json!([{ "target": allowed, "value": 60 }, { "target": allowed, "value": 41 }]);
    let e = client.send_calls(&s.store, s.id.clone().into(), js(too_much), None).await;
    assert_eq!(code_of(e), ("NATIVE_LIMIT_EXCEEDED".into(), Some("calls[1].value".into())));
    assert_eq!(fetch_count() - before, 0, "nothing reached the bundler or the node");
    // The same client sends an in-scope call (so the count above is not a broken counter).
    let r =
        send_and_wait(&d, &client, &s, json!([{ "target": allowed, "value": 100 }]), Some(s.deploy_options(&d))).await;
    assert_eq!(r["success"], true);
    assert!(fetch_count() - before > 3);
}

#[wasm_bindgen_test]
async fn two_tabs_send_with_the_same_session_at_once_and_both_land() {
    let Some(d) = devnet() else { return };
    let (a, b) = (fresh(), fresh());
    let s = d
        .session(json!([
            { "type": "contract-access", "data": { "address": a } },
            { "type": "contract-access", "data": { "address": b } },
        ]))
        .await;
    // Deploy the account first (both parallel ops would otherwise carry initCode).
    send_and_wait(&d, &d.client(), &s, json!([{ "target": a, "value": 1 }]), Some(s.deploy_options(&d))).await;

    // Two "tabs": each its own store connection (same IndexedDB database) and its own client.
    let tab = |to: Address| {
        let (client, name, id) = (d.client(), s.name.clone(), s.id.clone());
        future_to_promise(async move {
            let store = open(&name).await;
            let hash = client.send_calls(&store, id.into(), js(json!([{ "target": to, "value": 7 }])), None).await?;
            client.wait_for_receipt(hash, Some(js(json!({ "timeoutMs": 30000 })).unchecked_into())).await
        })
    };
    let both = js_sys::Array::of2(&tab(a), &tab(b));
    let receipts = rust(&ok(JsFuture::from(Promise::all(&both)).await));
    let (r0, r1) = (&receipts[0], &receipts[1]);
    assert_eq!(r0["success"], true, "{r0}");
    assert_eq!(r1["success"], true, "{r1}");
    assert_ne!(r0["nonce"], r1["nonce"], "distinct nonces (random parallel keys)");
    assert_eq!(d.balance(a).await, U256::from(8));
    assert_eq!(d.balance(b).await, U256::from(7));
}

#[wasm_bindgen_test]
async fn bundler_on_another_chain_is_refused_before_signing() {
    let Some(d) = devnet() else { return };
    let to = fresh();
    let s = d.session(json!([{ "type": "contract-access", "data": { "address": to } }])).await;
    // The same session, claimed for chain 1: the bundler (31337) is refused.
    let store = open(&s.name).await;
    let key_hex = {
        let p = store.export_private_key(s.id.clone().into());
        JsFuture::from(p).await.unwrap().as_string().unwrap()
    };
    let rec = ok(JsFuture::from(store.import_private_key(js(json!({
        "privateKey": key_hex, "chainId": 1, "account": s.account,
        "permissions": [{ "type": "contract-access", "data": { "address": to } }],
    }))))
    .await);
    let id = rust(&rec)["id"].as_str().unwrap().to_string();
    let e = d.client().send_calls(&store, id.into(), js(json!([{ "target": to }])), None).await;
    assert_eq!(code_of(e).0, "WRONG_CHAIN");
}

#[wasm_bindgen_test]
async fn unreachable_bundler_is_a_network_error() {
    let Some(d) = devnet() else { return };
    let to = fresh();
    let s = d.session(json!([{ "type": "contract-access", "data": { "address": to } }])).await;
    let client =
        ok(BundlerClient::new(js(json!({ "bundlerUrl": "http://127.0.0.1:9", "accountKind": "simple-account" }))));
    let e = client.send_calls(&s.store, s.id.clone().into(), js(json!([{ "target": to }])), None).await;
    assert_eq!(code_of(e).0, "NETWORK_ERROR");
}

/// An EIP-1193 provider backed by anvil's own wallet (its dev accounts sign `personal_sign`).
fn anvil_wallet(rpc_url: &str) -> JsValue {
    let make = Function::new_with_args(
        "url",
        "return { request: async ({ method, params }) => {
           const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
             body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }) });
           const j = await r.json();
           if (j.error) throw Object.assign(new Error(j.error.message), { code: j.error.code });
           return j.result;
         } };",
    );
    make.call1(&JsValue::UNDEFINED, &rpc_url.into()).unwrap()
}

#[wasm_bindgen_test]
async fn owner_operation_signed_by_an_eip1193_wallet_is_mined() {
    let Some(d) = devnet() else { return };
    let owner: Address = ANVIL_DEV_1.parse().unwrap();
    let (account, factory_data) = d.simple_account(owner).await;
    let to = fresh();
    let call_data = ISimpleAccount::executeCall { dest: to, value: U256::from(4242), func: Bytes::new() }.abi_encode();
    let options = js(json!({
        "account": account,
        "callData": hexjson::hex(&call_data),
        "factory": d.factory,
        "factoryData": hexjson::hex(&factory_data),
        "chainId": d.chain_id,
        "timeoutMs": 30000,
        "owner": ANVIL_DEV_1,
    }));
    Reflect::set(&options, &"wallet".into(), &anvil_wallet(d.rpc_url)).unwrap();
    let out = rust(&ok(d.client().send_owner_operation(options).await));
    assert_eq!(out["receipt"]["success"], true, "{out}");
    assert_eq!(d.balance(to).await, U256::from(4242));

    // A wallet asked for an address it does not hold refuses; its error comes back as WALLET_ERROR (a wallet refusal, not a bundler or node error).
    let options = js(json!({ "account": account, "callData": hexjson::hex(&call_data), "owner": fresh() }));
    Reflect::set(&options, &"wallet".into(), &anvil_wallet(d.rpc_url)).unwrap();
    let (code, _) = code_of(d.client().send_owner_operation(options).await);
    assert_eq!(code, "WALLET_ERROR");
}

#[wasm_bindgen_test]
async fn a_user_declining_in_the_wallet_is_wallet_rejected() {
    let Some(d) = devnet() else { return };
    let owner: Address = ANVIL_DEV_1.parse().unwrap();
    let (account, factory_data) = d.simple_account(owner).await;
    // EIP-1193: a provider whose user presses "Reject" throws { code: 4001 }.
    let wallet = Function::new_no_args(
        "return { request: async ({ method }) => {
           if (method === 'personal_sign') throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
           if (method === 'eth_accounts' || method === 'eth_requestAccounts') return [];
           throw Object.assign(new Error('unsupported ' + method), { code: 4200 });
         } };",
    )
    .call0(&JsValue::UNDEFINED)
    .unwrap();
    let call_data = ISimpleAccount::executeCall { dest: fresh(), value: U256::ZERO, func: Bytes::new() }.abi_encode();
    let options = js(json!({
        "account": account,
        "callData": hexjson::hex(&call_data),
        "factory": d.factory,
        "factoryData": hexjson::hex(&factory_data),
        "owner": ANVIL_DEV_1,
        "chainId": d.chain_id,
    }));
    Reflect::set(&options, &"wallet".into(), &wallet).unwrap();
    let (code, _) = code_of(d.client().send_owner_operation(options).await);
    assert_eq!(code, "WALLET_REJECTED");
}

// ---------- paymaster: ERC-7677 service (tests/devnet/paymaster.mjs) → VerifyingPaymaster ----------

fn skip_without_paymaster(d: &Devnet) -> Option<(&'static str, Address)> {
    if d.paymaster.is_none() {
        web_sys::console::log_1(
            &"web_bundler: paymaster tests skipped (no MAV2_DEVNET_PAYMASTER_URL at build time)".into(),
        );
    }
    d.paymaster
}

#[wasm_bindgen_test]
async fn paymaster_pays_for_an_unfunded_account() {
    let Some(d) = devnet() else { return };
    let Some((url, paymaster)) = skip_without_paymaster(&d) else { return };
    let to = fresh();
    // Unfunded account; the session only validates operations this paymaster pays.
    let s =
        d.session_with(json!([{ "type": "contract-access", "data": { "address": to } }]), false, Some(paymaster)).await;
    assert_eq!(d.balance(s.account).await, U256::ZERO);
    let before = d.deposit(paymaster).await;

    // A session bound to a paymaster, a client without one: refused before any request.
    let requests = fetch_count();
    let e = d.client().send_calls(&s.store, s.id.clone().into(), js(json!([{ "target": to }])), None).await;
    assert_eq!(code_of(e).1.as_deref(), Some("paymaster"));
    assert_eq!(fetch_count() - requests, 0);

    let client = d.paymaster_client(url, json!({ "policy": "web-e2e" }));
    let r = send_and_wait(&d, &client, &s, json!([{ "target": to, "value": 0 }]), Some(s.deploy_options(&d))).await;
    assert_eq!(r["paymaster"].as_str().unwrap().parse::<Address>().unwrap(), paymaster, "{r}");
    let cost: U256 = r["actualGasCost"].as_str().unwrap().parse().unwrap();
    assert!(cost > U256::ZERO, "{r}");
    assert_eq!(d.balance(s.account).await, U256::ZERO, "the account paid nothing");
    assert_eq!(d.deposit(paymaster).await, before - cost, "the paymaster's deposit paid exactly the cost");

    // Deployed now: sponsored again, no factory.
    let r2 = send_and_wait(&d, &client, &s, json!([{ "target": to }]), None).await;
    let cost2: U256 = r2["actualGasCost"].as_str().unwrap().parse().unwrap();
    assert_eq!(d.balance(s.account).await, U256::ZERO);
    assert_eq!(d.deposit(paymaster).await, before - cost - cost2);
}

#[wasm_bindgen_test]
async fn a_bad_paymaster_signature_is_aa34() {
    let Some(d) = devnet() else { return };
    let Some((url, paymaster)) = skip_without_paymaster(&d) else { return };
    let to = fresh();
    let s = d.session_with(json!([{ "type": "contract-access", "data": { "address": to } }]), false, None).await;
    let before = d.deposit(paymaster).await;
    // The test service signs with a key that is not the VerifyingPaymaster's verifyingSigner.
    let client = d.paymaster_client(url, json!({ "badSignature": true }));
    let e = client
        .send_calls(
            &s.store,
            s.id.clone().into(),
            js(json!([{ "target": to }])),
            Some(s.deploy_options(&d).unchecked_into()),
        )
        .await;
    let e = match e {
        Ok(v) => panic!("expected a rejection, got {}", rust(&v)),
        Err(e) => e,
    };
    assert_eq!(
        Reflect::get(&e, &"code".into()).unwrap().as_string().as_deref(),
        Some("BUNDLER_AA34"),
        "{}",
        describe(&e)
    );
    assert!(describe(&e).contains("AA34"), "{}", describe(&e));
    assert_eq!(d.deposit(paymaster).await, before);
}

// ---------- transport faults: the paymaster test service's /fault/* endpoints as the bundler ----------
//
// `BundlerClient` with `bundlerUrl` = a misbehaving endpoint of tests/devnet/paymaster.mjs, through
// the library's real `fetch` transport. The first request of `sendCalls` is the bundler's
// `eth_chainId` (before any nonce, signature or send), so each case shows the code, how many
// times the endpoint was hit (retry policy: only NETWORK_ERROR is retried, 3 attempts in all;
// HTTP errors, JSON-RPC errors, bad replies and timeouts are not), and that the page fetched
// nothing else (no node, no real bundler: nothing signed, nothing sent).

/// Record the URL of every `fetch` the page makes from now on; returns how many were recorded.
fn fetch_urls_len() -> u32 {
    let install = Function::new_no_args(
        "if (!globalThis.__mav2FetchUrls) {
           const orig = globalThis.fetch;
           globalThis.__mav2FetchUrls = [];
           globalThis.fetch = function (input, ...rest) {
             globalThis.__mav2FetchUrls.push(typeof input === 'string' ? input : String(input && input.url || input));
             return orig.call(this, input, ...rest);
           };
         }
         return globalThis.__mav2FetchUrls.length;",
    );
    install.call0(&JsValue::UNDEFINED).unwrap().as_f64().unwrap() as u32
}

/// The URLs fetched since `from` (a value of [`fetch_urls_len`]).
fn fetched_since(from: u32) -> Vec<String> {
    let all = Reflect::get(&js_sys::global(), &"__mav2FetchUrls".into()).unwrap();
    rust(&all).as_array().unwrap()[from as usize..].iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// A fresh fault URL (`<service>/fault/<kind>/<tag>`) and its path (the server's count key).
fn fault_url(service: &str, kind: &str) -> (String, String) {
    let path = format!("/fault/{kind}/t{}", (js_sys::Math::random() * 1e15) as u64);
    (format!("{}{path}", service.trim_end_matches('/')), path)
}

/// How many POSTs the service received at `path`.
async fn fault_hits(service: &str, path: &str) -> u64 {
    let url = format!("{}/fault/count?path={}", service.trim_end_matches('/'), js_sys::encode_uri_component(path));
    let get = Function::new_with_args("url", "return fetch(url).then(r => r.json())");
    let p: Promise = get.call1(&JsValue::UNDEFINED, &url.into()).unwrap().dyn_into().unwrap();
    let v = rust(&ok(JsFuture::from(p).await));
    assert_eq!(v["path"], path, "{v}");
    v["count"].as_u64().unwrap()
}

struct Fault {
    code: String,
    message: String,
    /// POSTs the service received.
    hits: u64,
    /// `fetch` calls the page made during `sendCalls`.
    fetched: Vec<String>,
    elapsed_ms: f64,
}

/// `sendCalls` of a fresh, funded session through a client whose bundler is `/fault/<kind>`.
async fn send_to_fault(d: &Devnet, service: &str, kind: &str, request_timeout_ms: Option<u64>) -> Fault {
    let to = fresh();
    let s = d.session(json!([{ "type": "contract-access", "data": { "address": to } }])).await;
    let (url, path) = fault_url(service, kind);
    let mut options = json!({ "bundlerUrl": url, "rpcUrl": d.rpc_url, "accountKind": "simple-account" });
    if let Some(ms) = request_timeout_ms {
        options["requestTimeoutMs"] = json!(ms);
    }
    let client = ok(BundlerClient::new(js(options)));
    let from = fetch_urls_len();
    let t0 = js_sys::Date::now();
    let r = client
        .send_calls(
            &s.store,
            s.id.clone().into(),
            js(json!([{ "target": to, "value": 1 }])),
            Some(s.deploy_options(d).unchecked_into()),
        )
        .await;
    let elapsed_ms = js_sys::Date::now() - t0;
    let fetched = fetched_since(from);
    let e = match r {
        Ok(v) => panic!("{kind}: expected a rejection, got {}", rust(&v)),
        Err(e) => e,
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "{kind}: not an Error: {e:?}");
    let code = Reflect::get(&e, &"code".into()).unwrap().as_string().expect("error.code");
    let message = Reflect::get(&e, &"message".into()).unwrap().as_string().unwrap_or_default();
    assert!(fetched.iter().all(|u| *u == url), "{kind}: only the fault endpoint was fetched: {fetched:?}");
    // Nothing reached the chain: the account is still undeployed and its balance untouched.
    let code_at = d.node_call("eth_getCode", json!([s.account, "latest"])).await;
    assert_eq!(code_at, json!("0x"), "{kind}: the account was not deployed");
    assert_eq!(d.balance(to).await, U256::ZERO, "{kind}: nothing was transferred");
    let hits = fault_hits(service, &path).await;
    web_sys::console::log_1(
        &format!(
            "web_bundler fault {kind}: {code} after {hits} hit(s), {} fetch(es), {elapsed_ms} ms: {message}",
            fetched.len()
        )
        .into(),
    );
    Fault { code, message, hits, fetched, elapsed_ms }
}

fn skip_without_fault_service(d: &Devnet) -> Option<&'static str> {
    if d.paymaster.is_none() {
        web_sys::console::log_1(
            &"web_bundler: fault tests skipped (no MAV2_DEVNET_PAYMASTER_URL at build time)".into(),
        );
    }
    d.paymaster.map(|(url, _)| url)
}

#[wasm_bindgen_test]
async fn bundler_http_500_is_http_error_and_not_retried() {
    let Some(d) = devnet() else { return };
    let Some(service) = skip_without_fault_service(&d) else { return };
    let f = send_to_fault(&d, service, "500", None).await;
    assert_eq!(f.code, "HTTP_ERROR", "{}", f.message);
    assert!(f.message.contains("HTTP 500") && f.message.contains("Internal Server Error"), "{}", f.message);
    assert_eq!((f.hits, f.fetched.len()), (1, 1), "one request, no retry");
}

#[wasm_bindgen_test]
async fn bundler_502_with_a_jsonrpc_body_keeps_the_jsonrpc_error() {
    let Some(d) = devnet() else { return };
    let Some(service) = skip_without_fault_service(&d) else { return };
    let f = send_to_fault(&d, service, "502-jsonrpc", None).await;
    assert_eq!(f.code, "RPC_INTERNAL_ERROR", "{}", f.message);
    assert!(f.message.contains("eth_chainId"), "{}", f.message);
    assert!(f.message.contains("upstream bundler unavailable (test fault)"), "{}", f.message);
    assert!(f.message.contains("JSON-RPC -32603"), "{}", f.message);
    assert_eq!((f.hits, f.fetched.len()), (1, 1), "one request, no retry");
}

#[wasm_bindgen_test]
async fn bundler_malformed_json_is_bad_rpc_response_and_not_retried() {
    let Some(d) = devnet() else { return };
    let Some(service) = skip_without_fault_service(&d) else { return };
    let f = send_to_fault(&d, service, "malformed", None).await;
    assert_eq!(f.code, "BAD_RPC_RESPONSE", "{}", f.message);
    assert!(f.message.contains("eth_chainId"), "{}", f.message);
    assert_eq!((f.hits, f.fetched.len()), (1, 1), "one request, no retry");
}

#[wasm_bindgen_test]
async fn bundler_reply_for_another_id_is_bad_rpc_response_and_not_retried() {
    let Some(d) = devnet() else { return };
    let Some(service) = skip_without_fault_service(&d) else { return };
    let f = send_to_fault(&d, service, "wrong-id", None).await;
    assert_eq!(f.code, "BAD_RPC_RESPONSE", "{}", f.message);
    assert!(f.message.contains("does not match request id"), "{}", f.message);
    assert_eq!((f.hits, f.fetched.len()), (1, 1), "one request, no retry");
}

#[wasm_bindgen_test]
async fn bundler_that_never_answers_is_timeout_and_not_retried() {
    let Some(d) = devnet() else { return };
    let Some(service) = skip_without_fault_service(&d) else { return };
    let f = send_to_fault(&d, service, "hang", Some(1_500)).await;
    assert_eq!(f.code, "TIMEOUT", "{}", f.message);
    assert!(f.message.contains("1500"), "{}", f.message);
    assert_eq!((f.hits, f.fetched.len()), (1, 1), "one request, no retry (the server may have acted on it)");
    assert!(f.elapsed_ms >= 1_400.0 && f.elapsed_ms < 10_000.0, "aborted at the timeout: {} ms", f.elapsed_ms);
}

#[wasm_bindgen_test]
async fn bundler_resetting_the_connection_is_network_error_after_three_attempts() {
    let Some(d) = devnet() else { return };
    let Some(service) = skip_without_fault_service(&d) else { return };
    let f = send_to_fault(&d, service, "reset", None).await;
    assert_eq!(f.code, "NETWORK_ERROR", "{}", f.message);
    // RetryPolicy::default(): 3 attempts in all, backoff 200 ms then 400 ms.
    assert_eq!(f.fetched.len(), 3, "three fetches, then give up: {:?}", f.fetched);
    assert!(f.elapsed_ms >= 550.0, "backed off between attempts: {} ms", f.elapsed_ms);
    // Chrome itself may resend a request once when a reused keep-alive socket is reset.
    assert!((3..=6).contains(&f.hits), "bounded: {} hits", f.hits);
}

// ---------- grant and revoke: owner operations, recorded by the stand-in account ----------

fn skip_without_stand_in(d: &Devnet) -> Option<Address> {
    if d.stand_in_factory.is_none() {
        web_sys::console::log_1(
            &"web_bundler: grant/revoke tests skipped (no MAV2_DEVNET_STAND_IN_FACTORY at build time)".into(),
        );
    }
    d.stand_in_factory
}

/// A store (fresh database) with one session created in it for a fresh, funded stand-in account
/// of `ANVIL_DEV_1`, allowed to call `to`; the factory options that deploy the account.
async fn stand_in_session(d: &Devnet, factory: Address, to: Address) -> (Setup, JsValue) {
    let owner: Address = ANVIL_DEV_1.parse().unwrap();
    let salt = U256::from((js_sys::Math::random() * 1e15) as u64);
    let out = bundler::eth_call(
        &d.node(),
        &WebClock,
        factory,
        ISimpleAccountFactory::getAddressCall { owner, salt }.abi_encode().into(),
    )
    .await
    .unwrap();
    let account = ISimpleAccountFactory::getAddressCall::abi_decode_returns(&out).unwrap();
    d.node_call("anvil_setBalance", json!([account, "0xde0b6b3a7640000"])).await;
    let factory_data: Bytes = ISimpleAccountFactory::createAccountCall { owner, salt }.abi_encode().into();
    let name = format!("web-bundler-grant-{}", js_sys::Math::random());
    let store = open(&name).await;
    let rec = ok(JsFuture::from(store.create(js(json!({
        "chainId": d.chain_id,
        "account": account,
        "permissions": [{ "type": "contract-access", "data": { "address": to } }],
        "expiresAt": (js_sys::Date::now() / 1000.0) as u64 + 3600,
    }))))
    .await);
    assert_eq!(rust(&rec)["status"], "pending");
    let id = rust(&rec)["id"].as_str().unwrap().to_string();
    let options = js(
        json!({ "owner": ANVIL_DEV_1, "factory": factory, "factoryData": hexjson::hex(&factory_data), "timeoutMs": 30000 }),
    );
    Reflect::set(&options, &"wallet".into(), &anvil_wallet(d.rpc_url)).unwrap();
    (Setup { store, name, id, account, factory_data }, options)
}

/// `installValidation` call data as the store gives it, and its validation function.
async fn install_data(s: &Setup) -> (Bytes, [u8; 24]) {
    let hex = ok(JsFuture::from(s.store.install_call_data(s.id.clone().into())).await).as_string().unwrap();
    let data: Bytes = hex.parse().unwrap();
    let call = IModularAccount::installValidationCall::abi_decode(&data).unwrap();
    (data, call.validationConfig.0[..24].try_into().unwrap())
}

impl Devnet {
    async fn installed(&self, account: Address, validation: [u8; 24]) -> bool {
        let data = IStandInAccount::installedCall { validationFunction: validation.into() }.abi_encode();
        let out = bundler::eth_call(&self.node(), &WebClock, account, data.into()).await.unwrap();
        IStandInAccount::installedCall::abi_decode_returns(&out).unwrap()
    }

    async fn session_signer(&self, account: Address, signer: Address) -> U256 {
        let data = IStandInAccount::sessionSignerCall { signer }.abi_encode();
        let out = bundler::eth_call(&self.node(), &WebClock, account, data.into()).await.unwrap();
        IStandInAccount::sessionSignerCall::abi_decode_returns(&out).unwrap()
    }

    /// The call data of every `event` (topic0) the account emitted, oldest first.
    async fn recorded(&self, account: Address, event: B256) -> Vec<Bytes> {
        let logs = self
            .node_call(
                "eth_getLogs",
                json!([{ "address": account, "fromBlock": "0x0", "toBlock": "latest", "topics": [event] }]),
            )
            .await;
        logs.as_array()
            .unwrap()
            .iter()
            .map(|l| Bytes::abi_decode(&l["data"].as_str().unwrap().parse::<Bytes>().unwrap()).unwrap())
            .collect()
    }
}

#[wasm_bindgen_test]
async fn grant_session_is_mined_and_the_account_records_the_install() {
    let Some(d) = devnet() else { return };
    let Some(factory) = skip_without_stand_in(&d) else { return };
    let to = fresh();
    let (s, options) = stand_in_session(&d, factory, to).await;
    let (install, validation) = install_data(&s).await;
    assert_eq!(d.node_call("eth_getCode", json!([s.account, "latest"])).await, json!("0x"), "not deployed yet");

    // The owner's wallet signs (anvil's unlocked account answers personal_sign); the operation
    // deploys the account through the factory and calls installValidation on it.
    let out = rust(&ok(JsFuture::from(d.client().grant_session(&s.store, s.id.clone().into(), options)).await));
    assert_eq!(out["receipt"]["success"], true, "{out}");
    assert_eq!(out["session"]["status"], "active", "{out}");
    assert_eq!(rust(&ok(JsFuture::from(s.store.get(s.id.clone().into())).await))["status"], "active");
    assert!(d.installed(s.account, validation).await);
    assert_eq!(d.recorded(s.account, IStandInAccount::ValidationInstalled::SIGNATURE_HASH).await, vec![install]);

    // Act: the session key signs; the stand-in accepts the signer its installed validation names.
    let signer: Address =
        rust(&ok(JsFuture::from(s.store.get(s.id.clone().into())).await))["address"].as_str().unwrap().parse().unwrap();
    assert_eq!(d.session_signer(s.account, signer).await, U256::from(1));
    send_and_wait(&d, &d.client(), &s, json!([{ "target": to, "value": 777 }]), None).await;
    assert_eq!(d.balance(to).await, U256::from(777));
}

#[wasm_bindgen_test]
async fn revoke_session_works_with_the_wrapping_key_gone_and_leaves_a_tombstone() {
    let Some(d) = devnet() else { return };
    let Some(factory) = skip_without_stand_in(&d) else { return };
    let (s, options) = stand_in_session(&d, factory, fresh()).await;
    let (_, validation) = install_data(&s).await;
    let signer: Address =
        rust(&ok(JsFuture::from(s.store.get(s.id.clone().into())).await))["address"].as_str().unwrap().parse().unwrap();
    ok(JsFuture::from(d.client().grant_session(&s.store, s.id.clone().into(), options)).await);
    assert!(d.installed(s.account, validation).await);
    let uninstall = ok(JsFuture::from(s.store.uninstall_call_data(s.id.clone().into())).await).as_string().unwrap();

    // The store's wrapping key is deleted from IndexedDB: the session key cannot be opened.
    s.store.close();
    let db = raw_db(&s.name).await;
    let tx = idb::transaction(&db, &[idb::KEYS], IdbTransactionMode::Readwrite).unwrap();
    let done = Done::new(&tx);
    idb::request(&tx.object_store(idb::KEYS).unwrap().delete(&idb::WRAP_KEY_ID.into()).unwrap()).await.unwrap();
    done.await.unwrap();
    db.close();
    let store = open(&s.name).await;
    assert_eq!(code_of(JsFuture::from(store.export_private_key(s.id.clone().into())).await).0, "DECRYPT_FAILED");

    // Revoking needs only the owner's wallet.
    let options = js(json!({ "owner": ANVIL_DEV_1, "timeoutMs": 30000 }));
    Reflect::set(&options, &"wallet".into(), &anvil_wallet(d.rpc_url)).unwrap();
    let out = rust(&ok(JsFuture::from(d.client().revoke_session(&store, s.id.clone().into(), options)).await));
    assert_eq!(out["receipt"]["success"], true, "{out}");
    assert_eq!(out["session"]["status"], "revoked", "{out}");
    assert!(!d.installed(s.account, validation).await);
    assert_eq!(d.session_signer(s.account, signer).await, U256::ZERO);
    let recorded = d.recorded(s.account, IStandInAccount::ValidationUninstalled::SIGNATURE_HASH).await;
    assert_eq!(recorded, vec![uninstall.parse::<Bytes>().unwrap()]);

    // The record stays as a tombstone without its key until prune() removes it.
    let raw = rust(&raw_get(&raw_db(&s.name).await, idb::SESSIONS, &s.id).await);
    assert_eq!(raw["key"], Value::Null, "the ciphertext is wiped: {raw}");
    assert_eq!(rust(&ok(JsFuture::from(store.get(s.id.clone().into())).await))["status"], "revoked");
    assert_eq!(code_of(JsFuture::from(store.export_private_key(s.id.clone().into())).await).0, "KEY_WIPED");
    assert_eq!(rust(&ok(JsFuture::from(store.prune()).await)), json!(1));
    assert_eq!(code_of(JsFuture::from(store.get(s.id.clone().into())).await).0, "SESSION_NOT_FOUND");
}

async fn raw_db(name: &str) -> IdbDatabase {
    idb::open(&idb::factory().unwrap(), name, idb::DB_VERSION, idb::upgrade).await.unwrap()
}

async fn raw_get(db: &IdbDatabase, store: &str, key: &str) -> JsValue {
    let tx = idb::transaction(db, &[store], IdbTransactionMode::Readonly).unwrap();
    let req = tx.object_store(store).unwrap().get(&key.into()).unwrap();
    idb::request(&req).await.unwrap()
}

// ---------- the session as the account holds it: sessionStatus from JS ----------

#[wasm_bindgen_test]
async fn session_status_reads_the_account_and_reconciles_an_uninstall_made_elsewhere() {
    use mav2_session_keys::addresses::{SINGLE_SIGNER_VALIDATION_MODULE, TIME_RANGE_MODULE};
    let Some(d) = devnet() else { return };
    let Some(factory) = skip_without_stand_in(&d) else { return };
    let (s, options) = stand_in_session(&d, factory, fresh()).await;
    // Reads go through a MAv2 client: the stand-in account answers getValidationData and the
    // stand-in modules sit at the modules' addresses (tests/devnet/StandInModules.sol).
    let mav2 = ok(BundlerClient::new(js(json!({ "bundlerUrl": d.bundler_url, "rpcUrl": d.rpc_url }))));
    let status = |store: &SessionKeyStore| {
        let p = mav2.session_status(store, s.id.clone().into());
        async move { rust(&ok(JsFuture::from(p).await)) }
    };

    let before = status(&s.store).await;
    assert_eq!((before["deployed"].clone(), before["installed"].clone()), (json!(false), json!(false)), "{before}");

    ok(JsFuture::from(d.client().grant_session(&s.store, s.id.clone().into(), options)).await);
    let rec = rust(&ok(JsFuture::from(s.store.get(s.id.clone().into())).await));
    let granted = status(&s.store).await;
    assert_eq!(granted["installed"], true, "{granted}");
    // The module stand-ins hold nothing for this session yet: the signer and the window differ.
    let mut differs: Vec<String> =
        granted["mismatches"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
    differs.sort();
    assert_eq!(differs, vec!["signer", "timeRange"], "{granted}");

    // The chain holds the grant's key and window: installed as granted.
    let entity = rec["entityId"].as_u64().unwrap() as u32;
    let key: Address = rec["address"].as_str().unwrap().parse().unwrap();
    let until = rec["expiresAt"].as_u64().unwrap();
    for (to, data) in [
        (
            SINGLE_SIGNER_VALIDATION_MODULE,
            IStandInModules::setSignerCall { entityId: entity, account: s.account, signer: key }.abi_encode(),
        ),
        (
            TIME_RANGE_MODULE,
            IStandInModules::setTimeRangeCall {
                entityId: entity,
                account: s.account,
                validUntil: alloy_primitives::aliases::U48::from(until),
                validAfter: alloy_primitives::aliases::U48::ZERO,
            }
            .abi_encode(),
        ),
    ] {
        d.node_call("eth_sendTransaction", json!([{ "from": ANVIL_DEV_1, "to": to, "data": hexjson::hex(&data) }]))
            .await;
    }
    let matching = status(&s.store).await;
    assert_eq!(
        (matching["installed"].clone(), matching["matchesGrant"].clone()),
        (json!(true), json!(true)),
        "{matching}"
    );
    assert_eq!(matching["validUntil"], json!(until));

    // Uninstalled by another device (an owner operation this store never saw): the next status
    // read marks the session revoked and says so.
    let uninstall = ok(JsFuture::from(s.store.uninstall_call_data(s.id.clone().into())).await).as_string().unwrap();
    let other = js(json!({ "owner": ANVIL_DEV_1, "account": s.account, "callData": uninstall, "timeoutMs": 30000 }));
    Reflect::set(&other, &"wallet".into(), &anvil_wallet(d.rpc_url)).unwrap();
    ok(JsFuture::from(d.client().send_owner_operation(other)).await);
    let gone = status(&s.store).await;
    assert_eq!((gone["installed"].clone(), gone["reconciled"].clone()), (json!(false), json!("revoked")), "{gone}");
    assert_eq!(rust(&ok(JsFuture::from(s.store.get(s.id.clone().into())).await))["status"], "revoked");
}

// ---------- EIP-7702 from JS: the EOA's signed authorization on its first operation ----------

impl Devnet {
    fn client_7702(&self) -> BundlerClient {
        ok(BundlerClient::new(js(json!({
            "bundlerUrl": self.bundler_url,
            "rpcUrl": self.rpc_url,
            "accountKind": "mav2-7702",
        }))))
    }

    /// Whether the devnet holds the delegate stand-in at SemiModularAccount7702's address.
    async fn has_sma7702(&self) -> bool {
        let code = self.node_call("eth_getCode", json!([eip7702::SMA7702_IMPL, "latest"])).await;
        let has = code.as_str().is_some_and(|c| c.len() > 2);
        if !has {
            web_sys::console::log_1(&"web_bundler: 7702 tests skipped (no code at SMA7702's address)".into());
        }
        has
    }
}

#[wasm_bindgen_test]
async fn a_7702_session_send_is_refused_without_a_good_authorization_before_any_bundler_request() {
    let Some(d) = devnet() else { return };
    if !d.has_sma7702().await {
        return;
    }
    let eoa = SessionKey::generate().unwrap();
    let name = format!("web-bundler-7702-{}", js_sys::Math::random());
    let store = open(&name).await;
    let rec = ok(JsFuture::from(store.create(js(json!({
        "chainId": d.chain_id,
        "account": eoa.address(),
        "owner": eoa.address(),
        "permissions": [{ "type": "root" }],
        "expiresAt": (js_sys::Date::now() / 1000.0) as u64 + 3600,
    }))))
    .await);
    let id = rust(&rec)["id"].as_str().unwrap().to_string();
    let client = d.client_7702();
    let calls = || js(json!([{ "target": fresh(), "value": 1 }]));
    let send = |auth: Option<Value>| {
        let options = auth.map(|a| js(json!({ "authorization": a })).unchecked_into());
        client.send_calls(&store, id.clone().into(), calls(), options)
    };
    let bundler_requests = || fetched_since(0).iter().filter(|u| u.starts_with(d.bundler_url)).count();
    fetch_urls_len();
    let before = bundler_requests();

    assert_eq!(code_of(send(None).await).0, "AUTHORIZATION_REQUIRED");
    let other = SessionKey::generate().unwrap();
    let (code, field) = code_of(send(Some(authorization_js(&other, d.chain_id, 0))).await);
    assert_eq!((code.as_str(), field.as_deref()), ("AUTHORIZATION_WRONG_SIGNER", Some("authorization")));
    assert_eq!(code_of(send(Some(authorization_js(&eoa, d.chain_id, 7))).await).0, "AUTHORIZATION_WRONG_NONCE");
    assert_eq!(code_of(send(Some(authorization_js(&eoa, d.chain_id + 1, 0))).await).0, "AUTHORIZATION_WRONG_CHAIN");
    let mut bad = authorization_js(&eoa, d.chain_id, 0);
    bad["nonce"] = json!(-1);
    let (code, field) = code_of(send(Some(bad)).await);
    assert_eq!((code.as_str(), field.as_deref()), ("INVALID_NUMBER", Some("authorization.nonce")));
    assert_eq!(bundler_requests(), before, "refused before any bundler request");
}

#[wasm_bindgen_test]
async fn a_7702_eoa_delegates_with_its_first_owner_operation_from_js_and_sends_the_next_without() {
    let Some(d) = devnet() else { return };
    if !d.has_sma7702().await {
        return;
    }
    let eoa = SessionKey::generate().unwrap();
    let address = eoa.address();
    d.node_call("anvil_setBalance", json!([address, "0xde0b6b3a7640000"])).await;
    let to = fresh();
    let pay =
        |wei: u64| ISimpleAccount::executeCall { dest: to, value: U256::from(wei), func: Bytes::new() }.abi_encode();
    let authorization = authorization_js(&eoa, d.chain_id, 0);
    let wallet = key_wallet(SessionKey::from_bytes(eoa.export_secret().as_ref(), "key").unwrap());
    let options = |call_data: Vec<u8>, authorization: Option<&Value>| {
        let o = js(json!({
            "account": address,
            "callData": hexjson::hex(&call_data),
            "chainId": d.chain_id,
            "timeoutMs": 30000,
            "authorization": authorization,
        }));
        Reflect::set(&o, &"wallet".into(), &wallet).unwrap();
        o
    };
    let out = rust(&ok(d.client_7702().send_owner_operation(options(pay(4242), Some(&authorization))).await));
    assert_eq!(out["receipt"]["success"], true, "{out}");
    assert_eq!(d.balance(to).await, U256::from(4242));
    let code = d.node_call("eth_getCode", json!([address, "latest"])).await;
    assert_eq!(code, json!(hexjson::hex(eip7702::delegation_code(eip7702::SMA7702_IMPL))), "delegated");

    // Delegated now: the next operation needs no authorization.
    let out = rust(&ok(d.client_7702().send_owner_operation(options(pay(1), None)).await));
    assert_eq!(out["receipt"]["success"], true, "{out}");
    assert_eq!(d.balance(to).await, U256::from(4243));
}
