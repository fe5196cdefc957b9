//! The counterfactual address of the SDK's default account, a SemiModularAccountBytecode proxy
//! created by `AccountFactory.createSemiModularAccount(owner, salt)` (`shared/mav2-spec.md` §2.3;
//! SDK `predictModularAccountV2Address` with type "SMA").
//!
//! Knowing the address offline lets a session be prepared (and its first op signed) before the
//! account exists; the factory fields go in that op so the EntryPoint deploys it.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use serde::Serialize;
use serde_json::Value;

use crate::abi::IAccountFactory;
use crate::addresses::{ACCOUNT_FACTORY, SMA_BYTECODE_IMPL};
use crate::error::Result;
use crate::json::{self, Addr, HexBytes};
use crate::read;
use crate::write::{self, Obj};

/// Entity id the factory mixes into an SMA's salt (`type(uint32).max`).
const SMA_SALT_ENTITY_ID: u32 = u32::MAX;

/// Which account to predict: `{ owner, salt?, factory? }` as the SDK takes them.
/// Read by [`AccountRequest::from_json`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRequest {
    /// The account owner (its built-in fallback signer, entity id 0).
    pub owner: Addr,
    /// Factory salt; default 0.
    #[serde(skip_serializing_if = "Option::is_none", with = "json::opt::u256")]
    pub salt: Option<U256>,
    /// Factory; default the MAv2 v2.0.0 factory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factory: Option<Addr>,
}

impl AccountRequest {
    /// Read the request object; a failure is the input error at its path (`argument` names
    /// the whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, &["owner", "salt", "factory"])
            .and_then(|f| {
                Ok(AccountRequest {
                    owner: f.req("owner", read::leaf)?,
                    salt: f.opt("salt", read::u256)?,
                    factory: f.opt("factory", read::leaf)?,
                })
            })
            .map_err(|e| json::read_error(e, argument))
    }
}

/// The predicted account and the user-operation fields that deploy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// Counterfactual address, checksummed.
    pub address: Addr,
    /// The factory (the op's `factory`).
    pub factory: Addr,
    /// `createSemiModularAccount(owner, salt)` (the op's `factoryData`).
    pub factory_data: HexBytes,
}

impl AccountInfo {
    /// `{ address, factory, factoryData }`, addresses checksummed.
    pub fn to_json(&self) -> Value {
        Obj::new()
            .address("address", &self.address.0)
            .address("factory", &self.factory.0)
            .hex("factoryData", &self.factory_data.0)
            .value()
    }
}

write::serialize_via_to_json!(AccountInfo);

/// `keccak256(owner(20) ‖ salt(32) ‖ 0xFFFFFFFF)`: the CREATE2 salt the factory uses for an SMA.
pub fn sma_full_salt(owner: Address, salt: U256) -> B256 {
    keccak256([owner.as_slice(), &salt.to_be_bytes::<32>(), &SMA_SALT_ENTITY_ID.to_be_bytes()].concat())
}

/// The SMA proxy's creation code: Solady's ERC-1967 proxy with the owner (20 bytes) appended as
/// immutable argument (SDK `getProxyBytecodeWithImmutableArgs`), 116 bytes.
pub fn sma_init_code(implementation: Address, owner: Address) -> Vec<u8> {
    const HEAD: [u8; 10] = alloy_primitives::hex!("6100513d8160233d3973");
    const TAIL: [u8; 66] = alloy_primitives::hex!(
        "60095155f3363d3d373d3d363d7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc545af43d6000803e6038573d6000fd5b3d6000f3"
    );
    [&HEAD[..], implementation.as_slice(), &TAIL, owner.as_slice()].concat()
}

/// `createSemiModularAccount(owner, salt)` call data.
pub fn factory_data(owner: Address, salt: U256) -> Bytes {
    IAccountFactory::createSemiModularAccountCall { owner, salt }.abi_encode().into()
}

/// Predict the SMA account of `req.owner` and the factory fields that deploy it.
pub fn predict(req: &AccountRequest) -> AccountInfo {
    let owner = req.owner.0;
    let salt = req.salt.unwrap_or(U256::ZERO);
    let factory = req.factory.map(|f| f.0).unwrap_or(ACCOUNT_FACTORY);
    let init_code_hash = keccak256(sma_init_code(SMA_BYTECODE_IMPL, owner));
    AccountInfo {
        address: Addr(factory.create2(sma_full_salt(owner, salt), init_code_hash)),
        factory: Addr(factory),
        factory_data: HexBytes(factory_data(owner, salt)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, hex};
    use serde_json::json;

    const OWNER: Address = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    #[test]
    fn spec_9_2_counterfactual_account() {
        assert_eq!(
            sma_full_salt(OWNER, U256::ZERO),
            b256!("a639c46210efd596d527f1208bd911f682f2dacb2a46d1cf81b0e63870dbced1")
        );
        let init = sma_init_code(SMA_BYTECODE_IMPL, OWNER);
        assert_eq!(
            hex::encode(&init),
            "6100513d8160233d3973000000000000c5a9089039570dd36455b5c0738360095155f3363d3d373d3d363d7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc545af43d6000803e6038573d6000fd5b3d6000f3f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert_eq!(init.len(), 116);
        assert_eq!(keccak256(&init), b256!("bcbcb1b8ef45134ab4b97d1febb7fb3f4556052f64369fbc071f7d104fa967ae"));

        let info = predict(
            &AccountRequest::from_json(&json!({"owner": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}), "options")
                .unwrap(),
        );
        let out = serde_json::to_value(&info).unwrap();
        assert_eq!(out["address"], "0x65b5DE0251f553B2208762a4724303E750294D96");
        assert_eq!(out["factory"], "0x00000000000017c61b5bEe81050EC8eFc9c6fecd");
        assert_eq!(
            out["factoryData"],
            concat!(
                "0x8b4e464e",
                "000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266", // owner
                "0000000000000000000000000000000000000000000000000000000000000000", // salt
            )
        );
    }

    #[test]
    fn salt_and_factory_change_the_address() {
        let a = predict(
            &AccountRequest::from_json(
                &json!({"owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "salt": 0}),
                "options",
            )
            .unwrap(),
        );
        let b = predict(
            &AccountRequest::from_json(
                &json!({"owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "salt": 1}),
                "options",
            )
            .unwrap(),
        );
        let c = predict(
            &AccountRequest::from_json(&json!({"owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "factory": "0x1111111111111111111111111111111111111111"}), "options")
                .unwrap(),
        );
        assert_eq!(a.address.0, address!("65b5DE0251f553B2208762a4724303E750294D96"));
        assert_ne!(a.address, b.address);
        assert_ne!(a.address, c.address);
        assert_eq!(c.factory.0, address!("1111111111111111111111111111111111111111"));
        let e = AccountRequest::from_json(&json!({"owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"}), "options")
            .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_ADDRESS_CHECKSUM", Some("owner")));
    }
}
