//! End to end, EIP-7702: an EOA with no code becomes its own account through the bundler. The
//! devnet (`bash .ci/devnet up`) holds the delegate stand-in (tests/devnet/Delegate7702.sol: the
//! EOA's own EIP-191 signature validates, `execute` runs) at SemiModularAccount7702's address, so
//! the library's `mav2-7702` path runs unchanged: the authorization is checked against the node,
//! estimated with the SDK's stub, sent in `eip7702Auth`, and alto puts it in a type-4 transaction.
//! SMA7702's own validation is proven by the SDK vectors (tests/conformance_7702.rs), not here.
//!
//! Runs only when `MAV2_DEVNET` is set, like tests/e2e_bundler.rs:
//!
//!     bash .ci/devnet up && eval "$(bash .ci/devnet env)" && MAV2_DEVNET=1 cargo test --features native --test e2e_7702
#![cfg(all(feature = "native", not(target_arch = "wasm32")))]

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use mav2_session_keys::eip7702::{self, Authorization, SMA7702_IMPL};
use mav2_session_keys::json as hexjson;
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::native::{block_on, SystemClock};
use mav2_session_keys::rpc::bundler;
use mav2_session_keys::rpc::RpcClient;
use mav2_session_keys::send::{AccountKind, PersonalSign, SendConfig, Sender};
use mav2_session_keys::service::{owner_operation_with, Network, OwnerOp};
use mav2_session_keys::{sign, Result};

#[path = "common/devnet.rs"]
mod devnet;
use devnet::Http;

sol! {
    interface IAccount {
        function execute(address dest, uint256 value, bytes func) external;
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
