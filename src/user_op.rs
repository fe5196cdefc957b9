//! ERC-4337 v0.7 user operations: the unpacked RPC shape (ERC-7769 / viem field names), its packed
//! on-chain form, and its hash.
//!
//! The packing rules follow viem's `toPackedUserOperation` and the hash follows
//! `EntryPoint.getUserOpHash` v0.7 (`shared/mav2-spec.md` §1), so a hash we compute is the one the
//! EntryPoint and the bundler compute for the same operation.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use serde::Deserialize;
use serde_json::Value;

use crate::abi::PackedUserOperation;
use crate::error::{Error, InputRule, Result};
use crate::json::{self, Addr, HexBytes};
use crate::read::{self, Read};
use crate::write::{self, Obj};

/// The EIP-7702 "factory" marker viem rewrites when hashing (`getInitCode` with `forHash`).
///
/// EntryPoint v0.7 has no such rule (it hashes `initCode` as given), so viem's hash and the
/// chain's would differ for this value; it is refused rather than guessed.
const EIP7702_MARKER: Address = alloy_primitives::address!("7702000000000000000000000000000000000000");

/// An unpacked v0.7 user operation as bundlers (ERC-7769) and viem exchange it.
///
/// Quantities are read from hex, decimal strings or numbers, and written as viem writes them
/// (`"0x1a"`); addresses are written checksummed and bytes lower-case, so [`UserOperation::obj`]
/// gives the body of `eth_sendUserOperation`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserOperation {
    /// The account.
    pub sender: Addr,
    /// Full 256-bit nonce: 192-bit key ‖ 64-bit sequence.
    #[serde(with = "json::u256")]
    pub nonce: U256,
    /// Account factory, only while the account is not deployed.
    #[serde(default)]
    pub factory: Option<Addr>,
    /// Factory call data, only with `factory`.
    #[serde(default)]
    pub factory_data: Option<HexBytes>,
    /// What the account executes.
    pub call_data: HexBytes,
    /// Gas for the execution phase.
    #[serde(with = "json::u128")]
    pub call_gas_limit: u128,
    /// Gas for the validation phase.
    #[serde(with = "json::u128")]
    pub verification_gas_limit: u128,
    /// Gas paid to the bundler for overhead.
    #[serde(with = "json::u256")]
    pub pre_verification_gas: U256,
    /// EIP-1559 max fee per gas.
    #[serde(with = "json::u128")]
    pub max_fee_per_gas: u128,
    /// EIP-1559 priority fee per gas.
    #[serde(with = "json::u128")]
    pub max_priority_fee_per_gas: u128,
    /// Paymaster, if one sponsors the operation.
    #[serde(default)]
    pub paymaster: Option<Addr>,
    /// Gas for the paymaster's validation (0 if omitted, as viem packs it).
    #[serde(default, with = "json::opt::u128")]
    pub paymaster_verification_gas_limit: Option<u128>,
    /// Gas for the paymaster's postOp (0 if omitted, as viem packs it).
    #[serde(default, with = "json::opt::u128")]
    pub paymaster_post_op_gas_limit: Option<u128>,
    /// Paymaster-specific data.
    #[serde(default)]
    pub paymaster_data: Option<HexBytes>,
    /// The account's signature (`0x` while unsigned; absent is read as `0x`).
    #[serde(default)]
    pub signature: HexBytes,
}

/// The packed fields as viem's `toPackedUserOperation` returns them, in hex: what
/// `handleOps` receives and what the hash commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedJson {
    /// The account, checksummed.
    pub sender: Addr,
    /// The nonce as a quantity.
    pub nonce: U256,
    /// factory ‖ factoryData, or `0x`.
    pub init_code: HexBytes,
    /// The call data.
    pub call_data: HexBytes,
    /// verificationGasLimit(16) ‖ callGasLimit(16).
    pub account_gas_limits: HexBytes,
    /// The pre-verification gas as a quantity.
    pub pre_verification_gas: U256,
    /// maxPriorityFeePerGas(16) ‖ maxFeePerGas(16).
    pub gas_fees: HexBytes,
    /// paymaster ‖ pmVerificationGasLimit(16) ‖ pmPostOpGasLimit(16) ‖ paymasterData, or `0x`.
    pub paymaster_and_data: HexBytes,
    /// The signature.
    pub signature: HexBytes,
}

impl PackedJson {
    /// The JSON shape (viem's field names).
    pub fn to_json(&self) -> Value {
        packed_value(
            &self.sender.0,
            self.nonce,
            [&self.init_code.0, &self.call_data.0, &self.account_gas_limits.0],
            self.pre_verification_gas,
            [&self.gas_fees.0, &self.paymaster_and_data.0, &self.signature.0],
        )
    }
}

/// The JSON of packed fields, in field order: the bytes before and after `preVerificationGas`.
/// One writer for [`PackedJson::to_json`] and [`UserOperation::packed_value`].
fn packed_value(sender: &Address, nonce: U256, before: [&[u8]; 3], pvg: U256, after: [&[u8]; 3]) -> Value {
    Obj::new()
        .address("sender", sender)
        .quantity("nonce", nonce)
        .hex("initCode", before[0])
        .hex("callData", before[1])
        .hex("accountGasLimits", before[2])
        .quantity("preVerificationGas", pvg)
        .hex("gasFees", after[0])
        .hex("paymasterAndData", after[1])
        .hex("signature", after[2])
        .value()
}

impl From<&PackedUserOperation> for PackedJson {
    fn from(p: &PackedUserOperation) -> Self {
        PackedJson {
            sender: Addr(p.sender),
            nonce: p.nonce,
            init_code: HexBytes(p.initCode.clone()),
            call_data: HexBytes(p.callData.clone()),
            account_gas_limits: HexBytes(Bytes::copy_from_slice(p.accountGasLimits.as_slice())),
            pre_verification_gas: p.preVerificationGas,
            gas_fees: HexBytes(Bytes::copy_from_slice(p.gasFees.as_slice())),
            paymaster_and_data: HexBytes(p.paymasterAndData.clone()),
            signature: HexBytes(p.signature.clone()),
        }
    }
}

/// Two 128-bit values side by side in one 32-byte word (high ‖ low), as v0.7 packs gas fields.
fn pack_u128_pair(high: u128, low: u128) -> B256 {
    let mut word = [0u8; 32];
    word[..16].copy_from_slice(&high.to_be_bytes());
    word[16..].copy_from_slice(&low.to_be_bytes());
    B256::from(word)
}

/// The keys of an operation.
const KEYS: [&str; 15] = [
    "sender",
    "nonce",
    "factory",
    "factoryData",
    "callData",
    "callGasLimit",
    "verificationGasLimit",
    "preVerificationGas",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "paymaster",
    "paymasterVerificationGasLimit",
    "paymasterPostOpGasLimit",
    "paymasterData",
    "signature",
];

impl UserOperation {
    /// The RPC shape, fields in the bundler's order (absent optional fields left out).
    pub fn obj(&self) -> Obj {
        let q = |v: u128| write::quantity(U256::from(v));
        Obj::new()
            .address("sender", &self.sender.0)
            .quantity("nonce", self.nonce)
            .opt("factory", self.factory.map(|a| write::address(&a.0)))
            .opt("factoryData", self.factory_data.as_ref().map(|d| write::hex(&d.0)))
            .hex("callData", &self.call_data.0)
            .put("callGasLimit", q(self.call_gas_limit))
            .put("verificationGasLimit", q(self.verification_gas_limit))
            .quantity("preVerificationGas", self.pre_verification_gas)
            .put("maxFeePerGas", q(self.max_fee_per_gas))
            .put("maxPriorityFeePerGas", q(self.max_priority_fee_per_gas))
            .opt("paymaster", self.paymaster.map(|a| write::address(&a.0)))
            .opt("paymasterVerificationGasLimit", self.paymaster_verification_gas_limit.map(q))
            .opt("paymasterPostOpGasLimit", self.paymaster_post_op_gas_limit.map(q))
            .opt("paymasterData", self.paymaster_data.as_ref().map(|d| write::hex(&d.0)))
            .hex("signature", &self.signature.0)
            .take()
    }

    /// The RPC shape as a `Value`.
    pub fn to_json(&self) -> Value {
        self.obj().value()
    }

    /// Read an operation field by field (the browser's reader; the rules are the derived
    /// `Deserialize`'s, which native callers use).
    pub fn read(v: &serde_json::Value) -> Read<Self> {
        let f = read::strict(v, &KEYS)?;
        Ok(UserOperation {
            sender: f.req("sender", read::leaf)?,
            nonce: f.req("nonce", read::u256)?,
            factory: f.opt("factory", read::leaf)?,
            factory_data: f.opt("factoryData", read::leaf)?,
            call_data: f.req("callData", read::leaf)?,
            call_gas_limit: f.req("callGasLimit", read::u128)?,
            verification_gas_limit: f.req("verificationGasLimit", read::u128)?,
            pre_verification_gas: f.req("preVerificationGas", read::u256)?,
            max_fee_per_gas: f.req("maxFeePerGas", read::u128)?,
            max_priority_fee_per_gas: f.req("maxPriorityFeePerGas", read::u128)?,
            paymaster: f.opt("paymaster", read::leaf)?,
            paymaster_verification_gas_limit: f.opt("paymasterVerificationGasLimit", read::u128)?,
            paymaster_post_op_gas_limit: f.opt("paymasterPostOpGasLimit", read::u128)?,
            paymaster_data: f.opt("paymasterData", read::leaf)?,
            signature: f.or_default("signature", read::leaf)?,
        })
    }

    /// Refuse field combinations that viem would silently drop or hash differently from the
    /// EntryPoint, so the operation we hash is the one that gets sent.
    ///
    /// - `factoryData` without `factory`, and any `paymaster…` field without `paymaster`, are
    ///   refused as a missing `factory` / `paymaster` (viem ignores them).
    /// - the EIP-7702 marker `0x7702…00` as `factory` is refused (viem hashes it as v0.8 does,
    ///   EntryPoint v0.7 does not).
    pub fn check(&self) -> Result<()> {
        if self.factory.is_none() && self.factory_data.is_some() {
            return Err(Error::input("factory", InputRule::Missing, "is required when factoryData is given"));
        }
        if self.factory.map(|f| f.0) == Some(EIP7702_MARKER) {
            return Err(Error::input(
                "factory",
                InputRule::Address,
                "the EIP-7702 marker 0x7702… is not a factory on EntryPoint v0.7",
            ));
        }
        if self.paymaster.is_none() {
            let given = [
                ("paymasterVerificationGasLimit", self.paymaster_verification_gas_limit.is_some()),
                ("paymasterPostOpGasLimit", self.paymaster_post_op_gas_limit.is_some()),
                ("paymasterData", self.paymaster_data.is_some()),
            ];
            if let Some((name, _)) = given.iter().find(|(_, set)| *set) {
                return Err(Error::input("paymaster", InputRule::Missing, format!("is required when {name} is given")));
            }
        }
        Ok(())
    }

    /// `initCode` = factory ‖ factoryData, or empty without a factory.
    pub fn init_code(&self) -> Bytes {
        match &self.factory {
            Some(f) => {
                let data = self.factory_data.as_ref().map(|d| d.0.as_ref()).unwrap_or_default();
                [f.0.as_slice(), data].concat().into()
            }
            None => Bytes::new(),
        }
    }

    /// `paymasterAndData` = paymaster ‖ verificationGas(16) ‖ postOpGas(16) ‖ data, or empty.
    /// Missing gas limits pack as 0 and missing data as empty, as viem does.
    pub fn paymaster_and_data(&self) -> Bytes {
        match &self.paymaster {
            Some(p) => {
                let vgl = self.paymaster_verification_gas_limit.unwrap_or(0).to_be_bytes();
                let pogl = self.paymaster_post_op_gas_limit.unwrap_or(0).to_be_bytes();
                let data = self.paymaster_data.as_ref().map(|d| d.0.as_ref()).unwrap_or_default();
                [p.0.as_slice(), &vgl, &pogl, data].concat().into()
            }
            None => Bytes::new(),
        }
    }

    /// The packed form the EntryPoint receives in `handleOps`.
    pub fn pack(&self) -> PackedUserOperation {
        PackedUserOperation {
            sender: self.sender.0,
            nonce: self.nonce,
            initCode: self.init_code(),
            callData: self.call_data.0.clone(),
            accountGasLimits: pack_u128_pair(self.verification_gas_limit, self.call_gas_limit),
            preVerificationGas: self.pre_verification_gas,
            gasFees: pack_u128_pair(self.max_priority_fee_per_gas, self.max_fee_per_gas),
            paymasterAndData: self.paymaster_and_data(),
            signature: self.signature.0.clone(),
        }
    }

    /// The packed form as hex JSON (viem's `toPackedUserOperation` output).
    pub fn packed_json(&self) -> PackedJson {
        PackedJson::from(&self.pack())
    }

    /// [`UserOperation::packed_json`]'s JSON, written from the packed form without copying its
    /// bytes into a [`PackedJson`].
    pub fn packed_value(&self) -> Value {
        let p = self.pack();
        packed_value(
            &p.sender,
            p.nonce,
            [&p.initCode, &p.callData, p.accountGasLimits.as_slice()],
            p.preVerificationGas,
            [p.gasFees.as_slice(), &p.paymasterAndData, &p.signature],
        )
    }

    /// The v0.7 userOpHash: what the account's validation signs. After [`Self::check`], so an
    /// operation viem and the EntryPoint would hash differently is refused.
    pub fn hash(&self, chain_id: u64, entry_point: Address) -> Result<B256> {
        self.check()?;
        Ok(hash_packed(&self.pack(), chain_id, entry_point))
    }
}

/// `userOpHash` input: `{ userOp, chainId, entryPoint? }` (entryPoint defaults to v0.7).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserOpHashRequest {
    /// The operation.
    pub user_op: UserOperation,
    /// Chain the operation is for.
    #[serde(with = "json::u64")]
    pub chain_id: u64,
    /// EntryPoint; default v0.7.
    #[serde(default)]
    pub entry_point: Option<Addr>,
}

/// `userOpHash` output: the hash and the packed fields it commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOpHashed {
    /// The v0.7 userOpHash.
    pub hash: crate::json::HexFixed<32>,
    /// The packed operation.
    pub packed: PackedJson,
}

impl UserOpHashed {
    /// `{ hash, packed }`.
    pub fn to_json(&self) -> Value {
        Obj::new().hex("hash", self.hash.0.as_slice()).put("packed", self.packed.to_json()).value()
    }
}

write::serialize_via_to_json!(UserOperation, PackedJson, UserOpHashed);

/// Hash and pack an operation for callers that hold it as JSON (the wasm shell, tools).
pub fn user_op_hash(req: &UserOpHashRequest) -> Result<UserOpHashed> {
    let entry_point = req.entry_point.map(|a| a.0).unwrap_or(crate::addresses::ENTRY_POINT_V07);
    let hash = req.user_op.hash(req.chain_id, entry_point)?;
    Ok(UserOpHashed { hash: crate::json::HexFixed(hash), packed: req.user_op.packed_json() })
}

/// EntryPoint v0.7 `getUserOpHash` of a packed operation:
/// `keccak256(abi.encode(keccak256(abi.encode(sender, nonce, keccak(initCode), keccak(callData),
/// accountGasLimits, preVerificationGas, gasFees, keccak(paymasterAndData))), entryPoint, chainId))`.
/// The signature is not part of it.
pub fn hash_packed(p: &PackedUserOperation, chain_id: u64, entry_point: Address) -> B256 {
    let inner = (
        p.sender,
        p.nonce,
        hash_field(&p.initCode),
        hash_field(&p.callData),
        p.accountGasLimits,
        p.preVerificationGas,
        p.gasFees,
        hash_field(&p.paymasterAndData),
    )
        .abi_encode_params();
    keccak256((keccak256(inner), entry_point, U256::from(chain_id)).abi_encode_params())
}

/// keccak256 of a bytes field; an empty one (no factory, no paymaster: most session operations)
/// hashes to a constant.
fn hash_field(bytes: &[u8]) -> B256 {
    if bytes.is_empty() {
        alloy_primitives::KECCAK256_EMPTY
    } else {
        keccak256(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addresses::ENTRY_POINT_V07;
    use alloy_primitives::{b256, hex};
    use serde_json::json;

    /// The first op of shared/mav2-spec.md §9.3 (deferred install, account not yet deployed).
    fn spec_first_op() -> serde_json::Value {
        json!({
            "sender": "0x65b5DE0251f553B2208762a4724303E750294D96",
            "nonce": "0x0000000000000000000000000000000000000000000001020000000000000000",
            "factory": "0x00000000000017c61b5bEe81050EC8eFc9c6fecd",
            "factoryData": "0x8b4e464e000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb922660000000000000000000000000000000000000000000000000000000000000000",
            "callData": "0x8dd7712fb61d27f6000000000000000000000000000000000000000000000000000000000000dead000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000600000000000000000000000000000000000000000000000000000000000000000",
            "callGasLimit": 100000,
            "verificationGasLimit": 500000,
            "preVerificationGas": 60000,
            "maxFeePerGas": "2000000000",
            "maxPriorityFeePerGas": "0x3b9aca00",
            "signature": "0x"
        })
    }

    #[test]
    fn spec_9_3_first_op_hash_and_packing() {
        let op: UserOperation = json::from_value(&spec_first_op()).unwrap();
        let p = op.pack();
        // §9.3: accountGasLimits = verificationGasLimit 500000 (0x7a120) ‖ callGasLimit 100000 (0x186a0)
        assert_eq!(p.accountGasLimits, b256!("0000000000000000000000000007a120000000000000000000000000000186a0"));
        // gasFees = priority 1 gwei (0x3b9aca00) ‖ max 2 gwei (0x77359400)
        assert_eq!(p.gasFees, b256!("0000000000000000000000003b9aca0000000000000000000000000077359400"));
        assert_eq!(&p.initCode[..20], hex!("00000000000017c61b5bEe81050EC8eFc9c6fecd"));
        assert_eq!(p.initCode.len(), 20 + 68);
        assert!(p.paymasterAndData.is_empty());
        assert_eq!(
            op.hash(11155111, ENTRY_POINT_V07).unwrap(),
            b256!("905cbf08f8814e73e8a64a90d3fb2339580db920e6fdeaf7979714d3a13d2b86")
        );
    }

    #[test]
    fn spec_9_3_second_op_hash() {
        let mut v = spec_first_op();
        let o = v.as_object_mut().unwrap();
        o.remove("factory");
        o.remove("factoryData");
        o.remove("signature"); // absent reads as 0x
        o["nonce"] = json!("0x0000000000000000000000000000000000000000000001000000000000000000");
        let op: UserOperation = json::from_value(&v).unwrap();
        assert!(op.signature.0.is_empty());
        assert_eq!(
            op.hash(11155111, ENTRY_POINT_V07).unwrap(),
            b256!("dc4c17072525e5dcaafde48812f3a577030537c730878e232e1c83927af0e63c")
        );
    }

    #[test]
    fn paymaster_and_data_layout() {
        let mut v = spec_first_op();
        v["paymaster"] = json!("0x1111111111111111111111111111111111111111");
        v["paymasterVerificationGasLimit"] = json!("0x10");
        v["paymasterData"] = json!("0xABCD");
        let op: UserOperation = json::from_value(&v).unwrap();
        // paymaster(20) ‖ 0x10 as 16 bytes ‖ postOp omitted = 0 as 16 bytes ‖ abcd
        let expected = hex!(
            "1111111111111111111111111111111111111111"
            "00000000000000000000000000000010"
            "00000000000000000000000000000000"
            "abcd"
        );
        assert_eq!(op.paymaster_and_data().as_ref(), expected);
        assert_eq!(op.packed_value(), op.packed_json().to_json());
        assert_eq!(op.packed_value()["paymasterAndData"], json!(format!("0x{}", hex::encode(expected))));
        let first: UserOperation = json::from_value(&spec_first_op()).unwrap();
        assert_eq!(first.packed_value(), first.packed_json().to_json());
    }

    #[test]
    fn serializes_like_viem_rpc() {
        let mut v = spec_first_op();
        v["sender"] = json!("0x65b5de0251f553b2208762a4724303e750294d96");
        v["paymaster"] = json!("0x1111111111111111111111111111111111111111");
        v["paymasterPostOpGasLimit"] = json!(26);
        let op: UserOperation = json::from_value(&v).unwrap();
        let out = serde_json::to_value(&op).unwrap();
        assert_eq!(out["sender"], "0x65b5DE0251f553B2208762a4724303E750294D96");
        assert_eq!(out["nonce"], "0x1020000000000000000"); // 0x102 << 64
        assert_eq!(out["callGasLimit"], "0x186a0");
        assert_eq!(out["maxFeePerGas"], "0x77359400");
        assert_eq!(out["paymasterPostOpGasLimit"], "0x1a");
        assert_eq!(out["signature"], "0x");
        assert!(out.get("paymasterData").is_none());
        assert!(out.get("paymasterVerificationGasLimit").is_none());
        // and it reads back to the same operation
        assert_eq!(json::from_value::<UserOperation>(&out).unwrap(), op);
    }

    #[test]
    fn refusals_name_the_field() {
        let mut v = spec_first_op();
        v["paymasterData"] = json!("0x12");
        let op: UserOperation = json::from_value(&v).unwrap();
        let e = op.hash(1, ENTRY_POINT_V07).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("paymaster")));

        let mut v = spec_first_op();
        v.as_object_mut().unwrap().remove("factory");
        let op: UserOperation = json::from_value(&v).unwrap();
        let e = op.hash(1, ENTRY_POINT_V07).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("factory")));

        let mut v = spec_first_op();
        v["factory"] = json!("0x7702000000000000000000000000000000000000");
        let op: UserOperation = json::from_value(&v).unwrap();
        assert_eq!(op.hash(1, ENTRY_POINT_V07).unwrap_err().field().as_deref(), Some("factory"));

        let mut v = spec_first_op();
        v["callGasLimit"] = json!("0x100000000000000000000000000000000"); // 2^128
        let e = json::from_value::<UserOperation>(&v).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("callGasLimit")));

        let mut v = spec_first_op();
        v["initCode"] = json!("0x");
        assert_eq!(json::from_value::<UserOperation>(&v).unwrap_err().code(), "UNKNOWN_FIELD");

        let mut v = spec_first_op();
        v.as_object_mut().unwrap().remove("callData");
        // Refused; the code is up to json.rs (see calls.rs tests for the missing-field note).
        assert!(json::from_value::<UserOperation>(&v).is_err());
    }
}
