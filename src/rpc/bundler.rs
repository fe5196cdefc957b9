//! Typed parameters and results of the bundler (ERC-7769), node and paymaster (ERC-7677) methods
//! this library calls, checked against alto 0.0.20's real replies (`tests/e2e_bundler.rs`).
//!
//! Operations go out as [`crate::user_op::UserOperation`] (viem's RPC form: minimal `0x` hex
//! quantities, checksummed addresses, lower-case bytes), the one type the signer hashes too.

use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_sol_types::SolCall;
use serde_json::Value;

use super::{Call, Clock, RpcClient, Transport};
use crate::abi::IEntryPoint;
use crate::error::{Error, Result};
use crate::json;
use crate::read::{self, leaf, object, Read};
use crate::user_op::UserOperation;
use crate::write::{self, Obj};

/// `eth_estimateUserOperationGas` result (v0.7). alto 0.0.20 always sends the paymaster fields
/// for v0.7 (`0x0` without a paymaster); other bundlers omit them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasEstimate {
    /// Overhead gas.
    pub pre_verification_gas: U256,
    /// Validation gas.
    pub verification_gas_limit: u128,
    /// Execution gas.
    pub call_gas_limit: u128,
    /// Paymaster validation gas.
    pub paymaster_verification_gas_limit: Option<u128>,
    /// Paymaster postOp gas.
    pub paymaster_post_op_gas_limit: Option<u128>,
}

/// A pair of EIP-1559 fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    /// Max fee per gas.
    pub max_fee_per_gas: u128,
    /// Max priority fee per gas.
    pub max_priority_fee_per_gas: u128,
}

/// `pimlico_getUserOperationGasPrice` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PimlicoGasPrice {
    /// Slow tier.
    pub slow: Fees,
    /// Standard tier.
    pub standard: Fees,
    /// Fast tier.
    pub fast: Fees,
}

/// The transaction receipt inside a user-operation receipt (the fields this library reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxReceipt {
    /// The bundle transaction.
    pub transaction_hash: B256,
    /// Its block.
    pub block_hash: B256,
    /// Its block number.
    pub block_number: U64,
    /// `0x1` success of the bundle transaction (not of the op: see `success`).
    pub status: Option<U64>,
}

/// `eth_getUserOperationReceipt` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOperationReceipt {
    /// The operation's hash.
    pub user_op_hash: B256,
    /// The EntryPoint.
    pub entry_point: Address,
    /// The account.
    pub sender: Address,
    /// The nonce used.
    pub nonce: U256,
    /// The paymaster, if any.
    pub paymaster: Option<Address>,
    /// Gas cost paid (wei).
    pub actual_gas_cost: U256,
    /// Gas used.
    pub actual_gas_used: U256,
    /// Whether the account's execution succeeded.
    pub success: bool,
    /// Revert data when it did not.
    pub reason: Option<Bytes>,
    /// Logs of the operation.
    pub logs: Vec<serde_json::Value>,
    /// The bundle transaction's receipt.
    pub receipt: TxReceipt,
}

/// `eth_getUserOperationByHash` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOperationByHash {
    /// The operation as the bundler holds it.
    pub user_operation: serde_json::Value,
    /// The EntryPoint.
    pub entry_point: Address,
    /// Block, once mined.
    pub block_number: Option<U64>,
    /// Block hash, once mined.
    pub block_hash: Option<B256>,
    /// Transaction, once mined.
    pub transaction_hash: Option<B256>,
}

/// ERC-7677 `pm_getPaymasterStubData` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymasterStub {
    /// The paymaster.
    pub paymaster: Address,
    /// Stub data for estimation.
    pub paymaster_data: Bytes,
    /// Paymaster validation gas, if the service knows it.
    pub paymaster_verification_gas_limit: Option<u128>,
    /// Paymaster postOp gas, if the service knows it.
    pub paymaster_post_op_gas_limit: Option<u128>,
    /// `true`: the stub is final; skip `pm_getPaymasterData`.
    pub is_final: bool,
}

/// ERC-7677 `pm_getPaymasterData` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymasterData {
    /// The paymaster.
    pub paymaster: Address,
    /// Final data.
    pub paymaster_data: Bytes,
}

/// The fields of a block this library reads.
struct Block {
    base_fee_per_gas: Option<U256>,
    timestamp: Option<U256>,
}

impl GasEstimate {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct GasEstimate")?;
        Ok(GasEstimate {
            pre_verification_gas: f.req("preVerificationGas", read::u256)?,
            verification_gas_limit: f.req("verificationGasLimit", read::u128)?,
            call_gas_limit: f.req("callGasLimit", read::u128)?,
            paymaster_verification_gas_limit: f.opt("paymasterVerificationGasLimit", read::u128)?,
            paymaster_post_op_gas_limit: f.opt("paymasterPostOpGasLimit", read::u128)?,
        })
    }
}

impl Fees {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct Fees")?;
        Ok(Fees {
            max_fee_per_gas: f.req("maxFeePerGas", read::u128)?,
            max_priority_fee_per_gas: f.req("maxPriorityFeePerGas", read::u128)?,
        })
    }
}

impl PimlicoGasPrice {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct PimlicoGasPrice")?;
        Ok(PimlicoGasPrice {
            slow: f.req("slow", Fees::read)?,
            standard: f.req("standard", Fees::read)?,
            fast: f.req("fast", Fees::read)?,
        })
    }
}

impl TxReceipt {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct TxReceipt")?;
        Ok(TxReceipt {
            transaction_hash: f.req("transactionHash", read::b256)?,
            block_hash: f.req("blockHash", read::b256)?,
            block_number: f.req("blockNumber", read::u64)?,
            status: f.opt("status", read::u64)?,
        })
    }
}

impl TxReceipt {
    /// The JSON shape (hashes lower-case, the block number a quantity).
    pub fn to_json(&self) -> Value {
        Obj::new()
            .hex("transactionHash", self.transaction_hash.as_slice())
            .hex("blockHash", self.block_hash.as_slice())
            .quantity("blockNumber", U256::saturating_from(self.block_number))
            .or_null("status", self.status.map(|s| write::quantity(U256::saturating_from(s))))
            .value()
    }
}

impl UserOperationReceipt {
    /// The JSON shape: addresses and bytes lower-case `0x` hex, amounts quantities, an absent
    /// `paymaster` or `reason` `null`. Consumes the receipt: its logs move in, uncopied.
    pub fn into_json(self) -> Value {
        Obj::new()
            .hex("userOpHash", self.user_op_hash.as_slice())
            .hex("entryPoint", self.entry_point.as_slice())
            .hex("sender", self.sender.as_slice())
            .quantity("nonce", self.nonce)
            .or_null("paymaster", self.paymaster.map(|p| write::hex(p.as_slice())))
            .quantity("actualGasCost", self.actual_gas_cost)
            .quantity("actualGasUsed", self.actual_gas_used)
            .bool("success", self.success)
            .or_null("reason", self.reason.as_ref().map(|r| write::hex(r)))
            .put("logs", Value::Array(self.logs))
            .put("receipt", self.receipt.to_json())
            .value()
    }

    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct UserOperationReceipt")?;
        Ok(UserOperationReceipt {
            user_op_hash: f.req("userOpHash", read::b256)?,
            entry_point: f.req("entryPoint", read::address)?,
            sender: f.req("sender", read::address)?,
            nonce: f.req("nonce", read::u256)?,
            paymaster: f.opt("paymaster", read::address)?,
            actual_gas_cost: f.req("actualGasCost", read::u256)?,
            actual_gas_used: f.req("actualGasUsed", read::u256)?,
            success: f.req("success", read::bool)?,
            reason: f.opt("reason", read::bytes)?,
            logs: f.or_default("logs", leaf)?,
            receipt: f.req("receipt", TxReceipt::read)?,
        })
    }
}

impl UserOperationByHash {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct UserOperationByHash")?;
        Ok(UserOperationByHash {
            user_operation: f.req("userOperation", leaf)?,
            entry_point: f.req("entryPoint", read::address)?,
            block_number: f.opt("blockNumber", read::u64)?,
            block_hash: f.opt("blockHash", read::b256)?,
            transaction_hash: f.opt("transactionHash", read::b256)?,
        })
    }
}

impl PaymasterStub {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct PaymasterStub")?;
        Ok(PaymasterStub {
            paymaster: f.req("paymaster", read::address)?,
            paymaster_data: f.req("paymasterData", read::bytes)?,
            paymaster_verification_gas_limit: f.opt("paymasterVerificationGasLimit", read::u128)?,
            paymaster_post_op_gas_limit: f.opt("paymasterPostOpGasLimit", read::u128)?,
            is_final: f.or_default("isFinal", read::bool)?,
        })
    }
}

impl PaymasterData {
    /// Read from a result (same rules as the derived `Deserialize`, less code).
    pub fn read(v: &Value) -> Read<Self> {
        let f = object(v, "struct PaymasterData")?;
        Ok(PaymasterData {
            paymaster: f.req("paymaster", read::address)?,
            paymaster_data: f.req("paymasterData", read::bytes)?,
        })
    }
}

impl Block {
    /// The latest block, or `null`.
    fn read(v: &Value) -> Read<Option<Self>> {
        read::nullable(v, |v| {
            let f = object(v, "struct Block")?;
            Ok(Block {
                base_fee_per_gas: f.opt("baseFeePerGas", read::u256)?,
                timestamp: f.opt("timestamp", read::u256)?,
            })
        })
    }
}

/// Parameters of a method that takes none: `[]` (not `null`, which alto refuses).
pub const NO_PARAMS: &str = "[]";

/// `[op, entryPoint, …]`: the operation's fields in order, the EntryPoint lower-case, then
/// `rest` (JSON text of further params, each after a comma).
pub(crate) fn op_params(op: &Obj, entry_point: Address, rest: &str) -> String {
    format!(r#"[{},"{}"{rest}]"#, op.text(), json::hex(entry_point))
}

/// `[value, "latest"]` of an address.
fn at_latest(address: Address) -> String {
    format!(r#"["{}","latest"]"#, json::hex(address))
}

/// `eth_chainId`.
pub fn chain_id<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
) -> impl std::future::Future<Output = Result<u64>> + use<'a, T, C> {
    c.call_with(clock, "eth_chainId", NO_PARAMS.into(), read::u64_number)
}

/// `eth_supportedEntryPoints`.
pub fn supported_entry_points<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
) -> impl std::future::Future<Output = Result<Vec<Address>>> + use<'a, T, C> {
    c.call_with(clock, "eth_supportedEntryPoints", NO_PARAMS.into(), read::addresses)
}

/// `eth_estimateUserOperationGas(op, entryPoint)`, the operation in its RPC shape
/// ([`UserOperation::obj`], [`crate::eip7702::UserOperation7702::obj`]).
pub fn estimate_user_operation_gas<'a, T: Transport>(
    c: &'a RpcClient<T>,
    clock: &'a impl Clock,
    op: &Obj,
    entry_point: Address,
) -> Call<'a, GasEstimate> {
    c.call_with(clock, "eth_estimateUserOperationGas", op_params(op, entry_point, ""), GasEstimate::read)
}

/// `eth_sendUserOperation(op, entryPoint)` → userOpHash. Sent once (no retry): see `send` for the
/// safe resend. The operation as for [`estimate_user_operation_gas`].
pub fn send_user_operation<'a, T: Transport>(
    c: &'a RpcClient<T>,
    clock: &'a impl Clock,
    op: &Obj,
    entry_point: Address,
) -> Call<'a, B256> {
    c.call_once(clock, "eth_sendUserOperation", op_params(op, entry_point, ""), read::b256)
}

/// `[hash]`.
fn hash_params(hash: B256) -> String {
    format!(r#"["{}"]"#, json::hex(hash))
}

/// `eth_getUserOperationByHash`.
pub fn get_user_operation_by_hash<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
    hash: B256,
) -> impl std::future::Future<Output = Result<Option<UserOperationByHash>>> + use<'a, T, C> {
    c.call_with(clock, "eth_getUserOperationByHash", hash_params(hash), |v| {
        read::nullable(v, UserOperationByHash::read)
    })
}

/// `eth_getUserOperationReceipt`.
pub fn get_user_operation_receipt<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
    hash: B256,
) -> impl std::future::Future<Output = Result<Option<UserOperationReceipt>>> + use<'a, T, C> {
    c.call_with(clock, "eth_getUserOperationReceipt", hash_params(hash), |v| {
        read::nullable(v, UserOperationReceipt::read)
    })
}

/// `pimlico_getUserOperationGasPrice` (alto and Pimlico's service).
pub fn pimlico_gas_price<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
) -> impl std::future::Future<Output = Result<PimlicoGasPrice>> + use<'a, T, C> {
    c.call_with(clock, "pimlico_getUserOperationGasPrice", NO_PARAMS.into(), PimlicoGasPrice::read)
}

/// `eth_maxPriorityFeePerGas` (node).
pub fn max_priority_fee_per_gas<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
) -> impl std::future::Future<Output = Result<U256>> + use<'a, T, C> {
    c.call_with(clock, "eth_maxPriorityFeePerGas", NO_PARAMS.into(), read::u256)
}

/// `["latest", false]`: the latest block without its transactions.
const LATEST_BLOCK: &str = r#"["latest",false]"#;

/// The latest block's `baseFeePerGas` (node; zero before London).
pub fn latest_base_fee<'a, T: Transport>(c: &'a RpcClient<T>, clock: &'a impl Clock) -> Call<'a, U256> {
    c.call_with(clock, "eth_getBlockByNumber", LATEST_BLOCK.into(), |v| {
        Ok(Block::read(v)?.and_then(|b| b.base_fee_per_gas).unwrap_or_default())
    })
}

/// The latest block's timestamp (node): the chain's time, which decides `AA22`.
pub async fn latest_timestamp<T: Transport>(c: &RpcClient<T>, clock: &impl Clock) -> Result<u64> {
    let b = c.call_with(clock, "eth_getBlockByNumber", LATEST_BLOCK.into(), Block::read).await?;
    b.and_then(|b| b.timestamp)
        .map(|t| t.saturating_to::<u64>())
        .ok_or_else(|| Error::BadResponse { method: "eth_getBlockByNumber".into(), detail: "no timestamp".into() })
}

/// `eth_getCode(address, "latest")` (node).
pub fn get_code<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
    address: Address,
) -> impl std::future::Future<Output = Result<Bytes>> + use<'a, T, C> {
    c.call_with(clock, "eth_getCode", at_latest(address), read::bytes)
}

/// `eth_getTransactionCount(address, "latest")` (node): an EOA's nonce, which an EIP-7702
/// authorization names.
pub fn transaction_count<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
    address: Address,
) -> impl std::future::Future<Output = Result<u64>> + use<'a, T, C> {
    c.call_with(clock, "eth_getTransactionCount", at_latest(address), read::u64_number)
}

/// `eth_call(to, data)` at `latest` (node).
pub fn eth_call<'a, T: Transport, C: Clock>(
    c: &'a RpcClient<T>,
    clock: &'a C,
    to: Address,
    data: Bytes,
) -> impl std::future::Future<Output = Result<Bytes>> + use<'a, T, C> {
    let params = format!(r#"[{{"to":"{}","data":"{}"}},"latest"]"#, json::hex(to), json::hex(&data));
    c.call_with(clock, "eth_call", params, read::bytes)
}

/// `EntryPoint.getNonce(sender, key)` via `eth_call` (node): the full nonce `key << 64 | seq`.
pub async fn get_nonce<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    entry_point: Address,
    sender: Address,
    key: alloy_primitives::aliases::U192,
) -> Result<U256> {
    let data = IEntryPoint::getNonceCall { sender, key }.abi_encode();
    let out = eth_call(c, clock, entry_point, data.into()).await?;
    IEntryPoint::getNonceCall::abi_decode_returns(&out).map_err(|_| Error::BadResponse {
        method: "eth_call".into(),
        detail: format!("getNonce returned {out}, not a uint256"),
    })
}

/// `EntryPoint.getUserOpHash(op)` via `eth_call` (node): the chain's own hash, for cross-checks.
pub async fn get_user_op_hash_onchain<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    entry_point: Address,
    op: &UserOperation,
) -> Result<B256> {
    let data = IEntryPoint::getUserOpHashCall { userOp: op.pack() }.abi_encode();
    let out = eth_call(c, clock, entry_point, data.into()).await?;
    IEntryPoint::getUserOpHashCall::abi_decode_returns(&out).map_err(|_| Error::BadResponse {
        method: "eth_call".into(),
        detail: format!("getUserOpHash returned {out}, not a bytes32"),
    })
}

/// `[op, entryPoint, chainIdHex, context]` (ERC-7677).
fn pm_params(op: &UserOperation, entry_point: Address, chain_id: u64, context: &Value) -> String {
    let rest = format!(r#","{}",{}"#, json::quantity(U256::from(chain_id)), write::text(context));
    op_params(&op.obj(), entry_point, &rest)
}

/// ERC-7677 `pm_getPaymasterStubData(op, entryPoint, chainIdHex, context)`.
pub fn pm_get_paymaster_stub_data<'a, T: Transport>(
    c: &'a RpcClient<T>,
    clock: &'a impl Clock,
    op: &UserOperation,
    entry_point: Address,
    chain_id: u64,
    context: &serde_json::Value,
) -> Call<'a, PaymasterStub> {
    c.call_with(clock, "pm_getPaymasterStubData", pm_params(op, entry_point, chain_id, context), PaymasterStub::read)
}

/// ERC-7677 `pm_getPaymasterData(op, entryPoint, chainIdHex, context)`.
pub fn pm_get_paymaster_data<'a, T: Transport>(
    c: &'a RpcClient<T>,
    clock: &'a impl Clock,
    op: &UserOperation,
    entry_point: Address,
    chain_id: u64,
    context: &serde_json::Value,
) -> Call<'a, PaymasterData> {
    c.call_with(clock, "pm_getPaymasterData", pm_params(op, entry_point, chain_id, context), PaymasterData::read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    #[test]
    fn the_shared_operation_goes_out_in_the_bundler_form() {
        let op: UserOperation = json::from_value(&serde_json::json!({
            "sender": "0x1111111111111111111111111111111111111111",
            "nonce": "0x1000000000000000000",
            "factory": "0x2222222222222222222222222222222222222222",
            "factoryData": "0xabcd",
            "callData": "0xb61d27f6",
            "callGasLimit": "0x2",
            "verificationGasLimit": "0x1",
            "preVerificationGas": "0x3",
            "maxFeePerGas": "0x5",
            "maxPriorityFeePerGas": "0x4",
            "signature": "0xff00"
        }))
        .unwrap();
        let text = op_params(&op.obj(), crate::addresses::ENTRY_POINT_V07, "");
        assert!(text.starts_with(
            r#"[{"sender":"0x1111111111111111111111111111111111111111","nonce":"0x1000000000000000000","factory""#
        ));
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body, serde_json::to_value((&op, crate::addresses::ENTRY_POINT_V07)).unwrap());
        let j = &body[0];
        assert_eq!(j["nonce"], "0x1000000000000000000");
        assert_eq!(j["callGasLimit"], "0x2");
        assert_eq!(j["factoryData"], "0xabcd");
        assert!(j.get("paymaster").is_none() && j.get("paymasterData").is_none());
        assert_eq!(body[1].as_str().unwrap().to_lowercase(), "0x0000000071727de22e5e9d8baf0edac6f37da032");
        let p = op.pack();
        assert_eq!(p.initCode.len(), 22);
        assert_eq!(p.accountGasLimits, b256!("0000000000000000000000000000000100000000000000000000000000000002"));
        assert_eq!(p.gasFees, b256!("0000000000000000000000000000000400000000000000000000000000000005"));
    }

    #[test]
    fn alto_estimate_reply_parses() {
        // Shape of alto 0.0.20's v0.7 reply.
        let g = GasEstimate::read(&serde_json::from_str(
            r#"{"preVerificationGas":"0xb2c9","verificationGasLimit":"0x5e8e8","callGasLimit":"0x3b6a","paymasterVerificationGasLimit":"0x0","paymasterPostOpGasLimit":"0x0"}"#,
        )
        .unwrap())
        .unwrap();
        assert_eq!(g.call_gas_limit, 0x3b6a);
        let g = GasEstimate::read(
            &serde_json::from_str(r#"{"preVerificationGas":"0x1","verificationGasLimit":"0x2","callGasLimit":"0x3"}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(g.paymaster_verification_gas_limit, None);
    }
}
