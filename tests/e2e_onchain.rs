//! `onchain::read_session_state` and `onchain::find_free_entity_id` against real `eth_call`s on
//! the devnet (`bash .ci/devnet up`). MAv2 and its modules are in no registry, so the devnet has
//! stand-ins: `tests/devnet/StandInModules.sol` placed at the modules' own addresses (the crate's
//! calls reach them unchanged) and `tests/devnet/StandInAccount.sol`, whose `getValidationData`
//! answers with what its owner installed. The test sets what the stand-ins answer and checks what
//! the crate reads back. This proves the reads (selectors reaching contracts at those addresses,
//! argument order, decoding real answers, the order of calls); what MAv2's modules store and
//! enforce is proven only by the SDK vectors.
//!
//! Runs only when `MAV2_DEVNET` is set; then every failure is a failure:
//!
//!     bash .ci/devnet up && eval "$(bash .ci/devnet env)" && MAV2_DEVNET=1 cargo test --features native --test e2e_onchain
#![cfg(all(feature = "native", not(target_arch = "wasm32")))]

use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{sol, SolCall};
use mav2_session_keys::addresses::{
    ALLOWLIST_MODULE, NATIVE_TOKEN_LIMIT_MODULE, PAYMASTER_GUARD_MODULE, SINGLE_SIGNER_VALIDATION_MODULE,
    TIME_RANGE_MODULE,
};
use mav2_session_keys::install::{
    build_session_install, encode_session_uninstall, SessionInstallRequest, SessionUninstallRequest,
};
use mav2_session_keys::native::{block_on, HttpTransport, SystemClock};
use mav2_session_keys::onchain::{self, Granted, Remaining, SessionState, ValidationView};
use mav2_session_keys::rpc::bundler::{eth_call, get_code};
use mav2_session_keys::rpc::RpcClient;

sol! {
    struct ValidationDataView {
        uint8 validationFlags;
        bytes25[] validationHooks;
        bytes25[] executionHooks;
        bytes4[] selectors;
    }

    /// tests/devnet/StandInAccount.sol.
    interface IStandInAccount {
        function setValidationData(uint32 entityId, ValidationDataView data) external;
    }
    interface IStandInAccountFactory {
        function createAccount(address owner, uint256 salt) external returns (address);
        function getAddress(address owner, uint256 salt) external view returns (address);
    }

    /// tests/devnet/StandInModules.sol: the setters beside the modules' view functions.
    interface IStandInModules {
        function setLimit(uint256 entityId, address account, uint256 limit) external;
        function setErc20SpendLimit(uint32 entityId, address target, address account, uint256 limit) external;
        function setTimeRange(uint32 entityId, address account, uint48 validUntil, uint48 validAfter) external;
        function setPaymaster(uint32 entityId, address account, address paymaster) external;
        function setSigner(uint32 entityId, address account, address signer) external;
    }
}

#[path = "common/devnet.rs"]
mod devnet;

/// anvil's dev account #6 (public, unlocked in anvil): owns the stand-in accounts and sends the setters.
const OWNER: Address = alloy_primitives::address!("976EA74026E726554dB657fA54763abd0C3a0aa9");
const KEY: Address = alloy_primitives::address!("2222222222222222222222222222222222222222");
const TOKEN: Address = alloy_primitives::address!("3333333333333333333333333333333333333333");
const TARGET: Address = alloy_primitives::address!("4444444444444444444444444444444444444444");
const PAYMASTER: Address = alloy_primitives::address!("5555555555555555555555555555555555555555");

/// Held while a transaction from [`OWNER`] is sent and mined.
static SENDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Devnet {
    node: RpcClient<HttpTransport>,
    factory: Address,
}

fn devnet() -> Option<Devnet> {
    let st = devnet::state("e2e_onchain")?;
    let factory = st.s("standInAccountFactory");
    let modules = &st.json["standInModules"];
    assert!(modules.is_object(), "{}: no standInModules: the devnet predates them (bash .ci/devnet down; up)", st.path);
    let at = |name: &str| -> Address { modules[name].as_str().unwrap().parse().unwrap() };
    // deploy.mjs lists the addresses itself: they must be the ones the crate calls.
    assert_eq!(at("NativeTokenLimitModule"), NATIVE_TOKEN_LIMIT_MODULE);
    assert_eq!(at("AllowlistModule"), ALLOWLIST_MODULE);
    assert_eq!(at("TimeRangeModule"), TIME_RANGE_MODULE);
    assert_eq!(at("PaymasterGuardModule"), PAYMASTER_GUARD_MODULE);
    assert_eq!(at("SingleSignerValidationModule"), SINGLE_SIGNER_VALIDATION_MODULE);
    Some(Devnet { node: RpcClient::new(HttpTransport::new(&st.rpc_url())), factory: factory.parse().unwrap() })
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

impl Devnet {
    fn call(&self, to: Address, data: Vec<u8>) -> Bytes {
        block_on(eth_call(&self.node, &SystemClock, to, data.into())).unwrap()
    }

    /// A transaction from [`OWNER`] (anvil signs for its dev accounts and mines at once); it must succeed.
    /// One at a time across the tests: anvil picks the nonce of each `eth_sendTransaction` itself,
    /// and two sent at once from one account may get the same one ("nonce too low").
    fn send(&self, to: Address, data: Vec<u8>) {
        let _one_at_a_time = SENDING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = serde_json::json!({ "from": OWNER, "to": to, "data": Bytes::from(data) });
        let hash: String = block_on(self.node.call(&SystemClock, "eth_sendTransaction", [tx])).unwrap();
        let mut receipt = serde_json::Value::Null;
        for _ in 0..100 {
            receipt = block_on(self.node.call(&SystemClock, "eth_getTransactionReceipt", [&hash])).unwrap();
            if !receipt.is_null() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(receipt["status"], "0x1", "{hash} reverted: {receipt}");
    }

    /// A fresh stand-in account's address (salt from the clock: a reused devnet gets a new one);
    /// deployed when `deploy`.
    fn account(&self, deploy: bool) -> Address {
        let salt = U256::from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos());
        let out = self.call(self.factory, IStandInAccountFactory::getAddressCall { owner: OWNER, salt }.abi_encode());
        let account = IStandInAccountFactory::getAddressCall::abi_decode_returns(&out).unwrap();
        if deploy {
            self.send(self.factory, IStandInAccountFactory::createAccountCall { owner: OWNER, salt }.abi_encode());
            assert!(!self.code(account).is_empty());
        }
        account
    }

    fn code(&self, a: Address) -> Bytes {
        block_on(get_code(&self.node, &SystemClock, a)).unwrap()
    }

    fn read(&self, g: &Granted) -> SessionState {
        block_on(onchain::read_session_state(&self.node, &SystemClock, g)).unwrap()
    }

    fn free_id(&self, account: Address, used: &[u32]) -> u32 {
        block_on(onchain::find_free_entity_id(&self.node, &SystemClock, account, used)).unwrap()
    }

    /// The owner installs the grant with the crate's own `installValidation` call data.
    fn install(&self, req: &SessionInstallRequest) {
        self.send(req.account.0, build_session_install(req, now()).unwrap().call_data.to_vec());
    }

    fn uninstall(&self, req: &SessionUninstallRequest) {
        self.send(req.account.0, encode_session_uninstall(req).unwrap().to_vec());
    }

    fn set_view(&self, account: Address, entity_id: u32, v: &ValidationView) {
        let data = ValidationDataView {
            validationFlags: v.flags,
            validationHooks: v.validation_hooks.clone(),
            executionHooks: v.execution_hooks.clone(),
            selectors: v.selectors.clone(),
        };
        self.send(account, IStandInAccount::setValidationDataCall { entityId: entity_id, data }.abi_encode());
    }

    fn view(&self, account: Address, entity_id: u32) -> ValidationView {
        let data = onchain::encode_get_validation_data(SINGLE_SIGNER_VALIDATION_MODULE, entity_id);
        onchain::decode_validation_data(&self.call(account, data.to_vec())).unwrap()
    }
}

/// A session with every read: native, gas and ERC-20 limits, a target, a time range, a paymaster.
fn grant_json(account: Address, entity_id: u32, expires_at: u64) -> serde_json::Value {
    serde_json::json!({
        "chainId": 31337, "account": account, "entityId": entity_id,
        "permissions": [
            { "type": "native-token-transfer", "data": { "allowance": "0x1000" } },
            { "type": "gas-limit", "data": { "limit": "0x2000" } },
            { "type": "erc20-token-transfer", "data": { "address": TOKEN, "allowance": "0x3000" } },
            { "type": "contract-access", "data": { "address": TARGET } }
        ],
        "expiresAt": expires_at, "validAfter": 1_000u64, "paymaster": PAYMASTER
    })
}

fn requests(account: Address, entity_id: u32, expires_at: u64) -> (SessionInstallRequest, SessionUninstallRequest) {
    let revoke = SessionUninstallRequest::from_json(&grant_json(account, entity_id, expires_at), "grant").unwrap();
    let mut grant = grant_json(account, entity_id, expires_at);
    grant["sessionKey"] = serde_json::json!(KEY);
    (SessionInstallRequest::from_json(&grant, "grant").unwrap(), revoke)
}

#[test]
fn an_undeployed_account_is_not_installed_and_every_id_is_free() {
    let Some(d) = devnet() else { return };
    let account = d.account(false);
    assert!(d.code(account).is_empty());
    let (grant, _) = requests(account, 1, now() + 3600);
    let s = d.read(&Granted::from_install_request(&grant).unwrap());
    assert!(!s.installed && !s.matches_grant, "{s:?}");
    assert_eq!(s.mismatches, ["notInstalled"]);
    assert_eq!(s.remaining, Remaining::default());
    assert_eq!(d.free_id(account, &[]), 1);
    assert_eq!(d.free_id(account, &[1, 2]), 3);
}

#[test]
fn a_granted_session_reads_back_installed_matching_with_what_is_left() {
    let Some(d) = devnet() else { return };
    let account = d.account(true);
    let e = d.free_id(account, &[]);
    assert_eq!(e, 1, "a fresh account has nothing installed");
    let expires_at = now() + 3600;
    let (grant, revoke) = requests(account, e, expires_at);
    let g = Granted::from_install_request(&grant).unwrap();
    let h = g.hook_entity_id();

    // Installed, but the modules hold nothing for it yet (the stand-in account calls no onInstall):
    // the signer, window and paymaster read as zero and so do not match.
    d.install(&grant);
    let s = d.read(&g);
    assert!(s.installed && !s.matches_grant, "{s:?}");
    assert_eq!(s.mismatches, ["signer", "timeRange", "paymaster"]);
    assert_eq!(s.remaining.native, Some(U256::ZERO));

    // What the modules would hold after onInstall and a few sends; distinct from the grant's
    // allowances so the figures can only have come from the chain.
    d.send(
        SINGLE_SIGNER_VALIDATION_MODULE,
        IStandInModules::setSignerCall { entityId: e, account, signer: KEY }.abi_encode(),
    );
    let set_limit = |id: u32, v: u64| {
        let call = IStandInModules::setLimitCall { entityId: U256::from(id), account, limit: U256::from(v) };
        d.send(NATIVE_TOKEN_LIMIT_MODULE, call.abi_encode());
    };
    set_limit(e, 0x0fff);
    set_limit(h, 0x1234);
    let big = U256::MAX - U256::from(7);
    d.send(
        ALLOWLIST_MODULE,
        IStandInModules::setErc20SpendLimitCall { entityId: h, target: TOKEN, account, limit: big }.abi_encode(),
    );
    let set_window = |until: u64, after: u64| {
        let call = IStandInModules::setTimeRangeCall {
            entityId: e,
            account,
            validUntil: alloy_primitives::aliases::U48::from(until),
            validAfter: alloy_primitives::aliases::U48::from(after),
        };
        d.send(TIME_RANGE_MODULE, call.abi_encode());
    };
    set_window(expires_at, 1_000);
    let set_paymaster = |p: Address| {
        d.send(
            PAYMASTER_GUARD_MODULE,
            IStandInModules::setPaymasterCall { entityId: e, account, paymaster: p }.abi_encode(),
        );
    };
    set_paymaster(PAYMASTER);

    let s = d.read(&g);
    assert!(s.installed && s.matches_grant, "{s:?}");
    assert!(s.mismatches.is_empty());
    assert_eq!(s.remaining.native, Some(U256::from(0x0fff)));
    assert_eq!(s.remaining.gas, Some(U256::from(0x1234)));
    assert_eq!(s.remaining.erc20, vec![(TOKEN, big)]);
    assert_eq!((s.valid_until, s.valid_after), (Some(expires_at), Some(1_000)));
    assert_eq!(s.paymaster, Some(PAYMASTER));

    // Spent down: only the chain's figures change.
    set_limit(e, 0);
    assert_eq!(d.read(&g).remaining.native, Some(U256::ZERO));

    // The account's view is exactly what the crate granted (hooks sorted by kind, install order).
    let installed = d.view(account, e);
    assert_eq!(installed.flags, g.permissions.validation_flags());
    assert_eq!(installed.selectors, g.permissions.selectors);
    let hooks = |v: bool| -> Vec<FixedBytes<25>> {
        g.hooks.iter().filter(|k| k.config.is_validation_hook() == v).map(|k| k.config.encode()).collect()
    };
    assert_eq!((installed.validation_hooks.clone(), installed.execution_hooks.clone()), (hooks(true), hooks(false)));

    // A hook missing on chain: installed, not the grant, and the mismatch named.
    let mut missing = installed.clone();
    assert!(!missing.execution_hooks.is_empty());
    missing.execution_hooks.pop();
    d.set_view(account, e, &missing);
    let s = d.read(&g);
    assert!(s.installed && !s.matches_grant, "{s:?}");
    assert_eq!(s.mismatches, ["executionHooks"]);
    let mut missing = installed.clone();
    missing.validation_hooks.remove(0);
    d.set_view(account, e, &missing);
    assert_eq!(d.read(&g).mismatches, ["validationHooks"]);
    d.set_view(account, e, &installed);
    assert!(d.read(&g).matches_grant);

    // Another window or paymaster on chain than granted.
    set_window(expires_at + 1, 1_000);
    set_paymaster(TARGET);
    let s = d.read(&g);
    assert_eq!(s.mismatches, ["timeRange", "paymaster"]);
    assert_eq!((s.valid_until, s.paymaster), (Some(expires_at + 1), Some(TARGET)));

    // Revoked with the crate's uninstallValidation: flags, selectors and hooks cleared, so not
    // installed, even though the modules' storage outlives it (budgets are not reported then).
    d.uninstall(&revoke);
    let s = d.read(&g);
    assert!(!s.installed && !s.matches_grant, "{s:?}");
    assert_eq!(s.mismatches, ["notInstalled"]);
    assert_eq!(s.remaining, Remaining::default());
    assert_eq!(d.view(account, e), ValidationView::default());
    assert_eq!(d.free_id(account, &[]), e, "an uninstalled id is free again");
}

#[test]
fn free_entity_ids_skip_what_the_account_says_is_installed() {
    let Some(d) = devnet() else { return };
    let account = d.account(true);
    let expires_at = now() + 3600;
    // Ids 1 and 2 granted elsewhere (another device); 4 holds leftover hooks only.
    for id in [1, 2] {
        d.install(&requests(account, id, expires_at).0);
    }
    let hooks_only = ValidationView { validation_hooks: vec![FixedBytes([1; 25])], ..ValidationView::default() };
    d.set_view(account, 4, &hooks_only);
    assert_eq!(d.free_id(account, &[]), 3);
    assert_eq!(d.free_id(account, &[3]), 5, "3 used in the store, 4 has hooks on chain");
    // Only a flag set counts as installed too.
    d.set_view(account, 5, &ValidationView { flags: 0x04, ..ValidationView::default() });
    assert_eq!(d.free_id(account, &[3]), 6);
    // Cleared again (flags and hooks zero): free.
    d.set_view(account, 4, &ValidationView::default());
    assert_eq!(d.free_id(account, &[3]), 4);
    d.uninstall(&requests(account, 1, expires_at).1);
    assert_eq!(d.free_id(account, &[]), 1);
}
