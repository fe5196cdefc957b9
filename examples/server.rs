//! A backend acting with a session key: the same session service the browser package runs, here
//! over the `native` HTTP transport and clock, called synchronously through `block_on`.
//!
//! The session key lives only in this process's memory (`MemoryStore` + `MemoryVault`): nothing
//! is written to disk, and the key is gone when the process exits.
//!
//! Against the local devnet (anvil + EntryPoint v0.7 + alto), whose URLs and addresses it reads
//! from the environment:
//!
//!     bash .ci/devnet up && eval "$(bash .ci/devnet env)"
//!     cargo run --example server --features native
//!
//! MAv2 cannot be deployed on the devnet (its contracts are in no reachable registry), so the
//! acting account is the EntryPoint package's `SimpleAccount` owned by the session key
//! (`AccountKind::SimpleAccount`); it checks the same signature MAv2's SingleSigner checks.
//! Because a SimpleAccount's address depends on its owner, the key is generated first and brought
//! in with `Sessions::import` (a server holding a provisioned key does the same with its bytes).
//! Prints one `name: value` line per field and exits 1 unless the operation succeeded.

use std::process::ExitCode;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{sol, SolCall};
use mav2_session_keys::calls::CallRequest;
use mav2_session_keys::json::{self, Addr, HexBytes};
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::native::{block_on, HttpTransport, SystemClock};
use mav2_session_keys::permissions::{ContractAccess, Permission};
use mav2_session_keys::rpc::{bundler, Clock, RpcClient};
use mav2_session_keys::send::{AccountKind, SendConfig, Sender};
use mav2_session_keys::service::{Network, Progress, SendOptions, Sessions};
use mav2_session_keys::session::NewSession;
use mav2_session_keys::store::MemoryStore;
use mav2_session_keys::vault::MemoryVault;
use mav2_session_keys::Result;

sol! {
    interface ISimpleAccountFactory {
        function createAccount(address owner, uint256 salt) external returns (address);
        function getAddress(address owner, uint256 salt) external view returns (address);
    }
}

/// What the devnet gives this example (`eval "$(bash .ci/devnet env)"` exports it).
struct Config {
    rpc_url: String,
    bundler_url: String,
    chain_id: u64,
    factory: Address,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is unset: start the devnet and export its settings: bash .ci/devnet up && eval \"$(bash .ci/devnet env)\"");
        std::process::exit(2)
    })
}

impl Config {
    fn from_env() -> Self {
        Self {
            rpc_url: env("MAV2_DEVNET_RPC_URL"),
            bundler_url: env("MAV2_DEVNET_BUNDLER_URL"),
            chain_id: env("MAV2_DEVNET_CHAIN_ID").parse().expect("MAV2_DEVNET_CHAIN_ID is not a number"),
            factory: env("MAV2_DEVNET_SIMPLE_ACCOUNT_FACTORY")
                .parse()
                .expect("MAV2_DEVNET_SIMPLE_ACCOUNT_FACTORY is not an address"),
        }
    }
}

fn main() -> ExitCode {
    match block_on(run(&Config::from_env())) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

/// One session operation, end to end. `Ok(false)`: mined, but the account's execution reverted.
async fn run(c: &Config) -> Result<bool> {
    let sessions = Sessions::new(MemoryStore::new(), MemoryVault::new(), SystemClock);
    let node = RpcClient::new(HttpTransport::new(&c.rpc_url));

    // The session key, and the SimpleAccount it owns (counterfactual until the first operation).
    let key = SessionKey::generate()?;
    let owner = key.address();
    let salt = U256::ZERO;
    let data = ISimpleAccountFactory::getAddressCall { owner, salt }.abi_encode();
    let out = bundler::eth_call(&node, &SystemClock, c.factory, data.into()).await?;
    let account = ISimpleAccountFactory::getAddressCall::abi_decode_returns(&out)
        .map_err(|e| mav2_session_keys::Error::BadResponse { method: "eth_call".into(), detail: e.to_string() })?;
    // Devnet only: the account pays its own gas, so give it 1 ETH.
    let _: serde_json::Value =
        node.call(&SystemClock, "anvil_setBalance", (account, U256::from(10u128.pow(18)))).await?;

    // The session: this one recipient, for an hour. The key moves into the vault; this copy is dropped.
    let recipient = SessionKey::generate()?.address();
    let record = sessions
        .import(NewSession {
            chain_id: c.chain_id,
            account: Addr(account),
            entity_id: None,
            permissions: vec![Permission::ContractAccess(ContractAccess { address: Addr(recipient) })],
            expires_at: Some(SystemClock.now_ms() / 1000 + 3600),
            valid_after: None,
            paymaster: None,
            owner: None,
            salt: None,
            key_kind: Default::default(),
            private_key: Some(json::hex(key.export_secret().as_ref())),
        })
        .await?;
    drop(key);

    let config = SendConfig { chain_id: Some(c.chain_id), ..Default::default() };
    let sender =
        Sender::new(HttpTransport::new(&c.bundler_url), SystemClock, config).with_node(HttpTransport::new(&c.rpc_url));
    let net = Network::new(sender, AccountKind::SimpleAccount, false);

    // The first operation deploys the account: a SimpleAccount's factory data comes from the caller.
    let factory_data: Bytes = ISimpleAccountFactory::createAccountCall { owner, salt }.abi_encode().into();
    let calls = [CallRequest { target: Addr(recipient), value: U256::from(1_000u64), data: HexBytes::default() }];
    let options = SendOptions { factory: Some((c.factory, factory_data)), ..Default::default() };
    let progress = |p: Progress| eprintln!("progress: {p:?}");
    let hash = sessions.send_calls(&net, &record.id, &calls, options, &progress).await?;
    let receipt = sessions.wait_for_receipt(&net, hash, None).await?;

    println!("session: {}", record.id);
    println!("account: {}", json::address(&account));
    println!("userOpHash: {}", json::hex(hash));
    println!("success: {}", receipt.success);
    println!("gasUsed: {}", receipt.actual_gas_used);
    Ok(receipt.success)
}
