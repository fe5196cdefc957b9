//! Typed parameters and results of the bundler (ERC-7769), node and paymaster (ERC-7677) methods
//! this library calls, checked against alto 0.0.20's real replies (`tests/e2e_bundler.rs`).
//!
//! Quantities go out as minimal `0x` hex; addresses and byte strings as `0x` hex.

use alloy_primitives::{keccak256, Address, Bytes, B256, U128, U256, U64};
use alloy_sol_types::{SolCall, SolValue};
use serde::{Deserialize, Serialize};

use super::{Clock, RpcClient, Transport};
use crate::abi::{IEntryPoint, PackedUserOperation};
use crate::error::{Error, Result};

/// A v0.7 user operation in the unpacked JSON form bundlers take (ERC-7769).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UserOperation {
    /// The account.
    pub sender: Address,
    /// `key << 64 | sequence`.
    pub nonce: U256,
    /// Account factory, when the account is not deployed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory: Option<Address>,
    /// Factory call data (with `factory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory_data: Option<Bytes>,
    /// What the account executes.
    pub call_data: Bytes,
    /// Gas for the execution phase.
    pub call_gas_limit: U128,
    /// Gas for the validation phase (and account creation).
    pub verification_gas_limit: U128,
    /// Gas paid to the bundler for overhead.
    pub pre_verification_gas: U256,
    /// EIP-1559 max fee.
    pub max_fee_per_gas: U128,
    /// EIP-1559 priority fee.
    pub max_priority_fee_per_gas: U128,
    /// Paymaster, if one sponsors the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster: Option<Address>,
    /// Gas for the paymaster's validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_verification_gas_limit: Option<U128>,
    /// Gas for the paymaster's postOp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_post_op_gas_limit: Option<U128>,
    /// Paymaster data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_data: Option<Bytes>,
    /// The account's signature (not hashed).
    pub signature: Bytes,
}

fn pack_u128s(high: U128, low: U128) -> B256 {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&high.to_be_bytes::<16>());
    out[16..].copy_from_slice(&low.to_be_bytes::<16>());
    B256::from(out)
}

impl UserOperation {
    /// `factory ‖ factoryData`, or empty.
    pub fn init_code(&self) -> Bytes {
        match self.factory {
            Some(f) => [f.as_slice(), self.factory_data.as_ref().map_or(&[][..], |b| &b[..])].concat().into(),
            None => Bytes::new(),
        }
    }

    /// `paymaster ‖ pmVerificationGas(16) ‖ pmPostOpGas(16) ‖ paymasterData`, or empty.
    pub fn paymaster_and_data(&self) -> Bytes {
        match self.paymaster {
            Some(p) => {
                let gas = pack_u128s(
                    self.paymaster_verification_gas_limit.unwrap_or_default(),
                    self.paymaster_post_op_gas_limit.unwrap_or_default(),
                );
                [p.as_slice(), gas.as_slice(), self.paymaster_data.as_ref().map_or(&[][..], |b| &b[..])].concat().into()
            }
            None => Bytes::new(),
        }
    }

    /// The EntryPoint v0.7 packed form (mav2-spec §1).
    pub fn packed(&self) -> PackedUserOperation {
        PackedUserOperation {
            sender: self.sender,
            nonce: self.nonce,
            initCode: self.init_code(),
            callData: self.call_data.clone(),
            accountGasLimits: pack_u128s(self.verification_gas_limit, self.call_gas_limit),
            preVerificationGas: self.pre_verification_gas,
            gasFees: pack_u128s(self.max_priority_fee_per_gas, self.max_fee_per_gas),
            paymasterAndData: self.paymaster_and_data(),
            signature: self.signature.clone(),
        }
    }

    /// The v0.7 userOpHash, as `EntryPoint.getUserOpHash` computes it (the signature is not hashed).
    pub fn hash(&self, entry_point: Address, chain_id: u64) -> B256 {
        let p = self.packed();
        let inner = keccak256(
            (
                p.sender,
                p.nonce,
                keccak256(&p.initCode),
                keccak256(&p.callData),
                p.accountGasLimits,
                p.preVerificationGas,
                p.gasFees,
                keccak256(&p.paymasterAndData),
            )
                .abi_encode(),
        );
        keccak256((inner, entry_point, U256::from(chain_id)).abi_encode())
    }
}

/// `eth_estimateUserOperationGas` result (v0.7). alto 0.0.20 always sends the paymaster fields
/// for v0.7 (`0x0` without a paymaster); other bundlers omit them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GasEstimate {
    /// Overhead gas.
    pub pre_verification_gas: U256,
    /// Validation gas.
    pub verification_gas_limit: U128,
    /// Execution gas.
    pub call_gas_limit: U128,
    /// Paymaster validation gas.
    #[serde(default)]
    pub paymaster_verification_gas_limit: Option<U128>,
    /// Paymaster postOp gas.
    #[serde(default)]
    pub paymaster_post_op_gas_limit: Option<U128>,
}

/// A pair of EIP-1559 fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fees {
    /// Max fee per gas.
    pub max_fee_per_gas: U128,
    /// Max priority fee per gas.
    pub max_priority_fee_per_gas: U128,
}

/// `pimlico_getUserOperationGasPrice` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PimlicoGasPrice {
    /// Slow tier.
    pub slow: Fees,
    /// Standard tier.
    pub standard: Fees,
    /// Fast tier.
    pub fast: Fees,
}

/// The transaction receipt inside a user-operation receipt (the fields this library reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TxReceipt {
    /// The bundle transaction.
    pub transaction_hash: B256,
    /// Its block.
    pub block_hash: B256,
    /// Its block number.
    pub block_number: U64,
    /// `0x1` success of the bundle transaction (not of the op: see `success`).
    #[serde(default)]
    pub status: Option<U64>,
}

/// `eth_getUserOperationReceipt` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(default)]
    pub paymaster: Option<Address>,
    /// Gas cost paid (wei).
    pub actual_gas_cost: U256,
    /// Gas used.
    pub actual_gas_used: U256,
    /// Whether the account's execution succeeded.
    pub success: bool,
    /// Revert data when it did not.
    #[serde(default)]
    pub reason: Option<Bytes>,
    /// Logs of the operation.
    #[serde(default)]
    pub logs: Vec<serde_json::Value>,
    /// The bundle transaction's receipt.
    pub receipt: TxReceipt,
}

/// `eth_getUserOperationByHash` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOperationByHash {
    /// The operation as the bundler holds it.
    pub user_operation: serde_json::Value,
    /// The EntryPoint.
    pub entry_point: Address,
    /// Block, once mined.
    #[serde(default)]
    pub block_number: Option<U64>,
    /// Block hash, once mined.
    #[serde(default)]
    pub block_hash: Option<B256>,
    /// Transaction, once mined.
    #[serde(default)]
    pub transaction_hash: Option<B256>,
}

/// ERC-7677 `pm_getPaymasterStubData` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymasterStub {
    /// The paymaster.
    pub paymaster: Address,
    /// Stub data for estimation.
    pub paymaster_data: Bytes,
    /// Paymaster validation gas, if the service knows it.
    #[serde(default)]
    pub paymaster_verification_gas_limit: Option<U128>,
    /// Paymaster postOp gas, if the service knows it.
    #[serde(default)]
    pub paymaster_post_op_gas_limit: Option<U128>,
    /// `true`: the stub is final; skip `pm_getPaymasterData`.
    #[serde(default)]
    pub is_final: bool,
}

/// ERC-7677 `pm_getPaymasterData` result.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymasterData {
    /// The paymaster.
    pub paymaster: Address,
    /// Final data.
    pub paymaster_data: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Block {
    #[serde(default)]
    base_fee_per_gas: Option<U256>,
}

/// Parameters of a method that takes none: `[]` (serde's `()` would be `null`, which alto refuses).
pub const NO_PARAMS: [(); 0] = [];

#[derive(Serialize)]
struct CallRequest {
    to: Address,
    data: Bytes,
}

/// `eth_chainId`.
pub async fn chain_id<T: Transport>(c: &RpcClient<T>, clock: &impl Clock) -> Result<u64> {
    let v: U64 = c.call(clock, "eth_chainId", NO_PARAMS).await?;
    Ok(v.to::<u64>())
}

/// `eth_supportedEntryPoints`.
pub async fn supported_entry_points<T: Transport>(c: &RpcClient<T>, clock: &impl Clock) -> Result<Vec<Address>> {
    c.call(clock, "eth_supportedEntryPoints", NO_PARAMS).await
}

/// `eth_estimateUserOperationGas(op, entryPoint)`.
pub async fn estimate_user_operation_gas<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    op: &UserOperation,
    entry_point: Address,
) -> Result<GasEstimate> {
    c.call(clock, "eth_estimateUserOperationGas", (op, entry_point)).await
}

/// `eth_sendUserOperation(op, entryPoint)` → userOpHash. Sent once (no retry): see `send` for the
/// safe resend.
pub async fn send_user_operation<T: Transport>(c: &RpcClient<T>, op: &UserOperation, entry_point: Address) -> Result<B256> {
    c.call_once("eth_sendUserOperation", &(op, entry_point)).await
}

/// `eth_getUserOperationByHash`.
pub async fn get_user_operation_by_hash<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    hash: B256,
) -> Result<Option<UserOperationByHash>> {
    c.call(clock, "eth_getUserOperationByHash", (hash,)).await
}

/// `eth_getUserOperationReceipt`.
pub async fn get_user_operation_receipt<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    hash: B256,
) -> Result<Option<UserOperationReceipt>> {
    c.call(clock, "eth_getUserOperationReceipt", (hash,)).await
}

/// `pimlico_getUserOperationGasPrice` (alto and Pimlico's service).
pub async fn pimlico_gas_price<T: Transport>(c: &RpcClient<T>, clock: &impl Clock) -> Result<PimlicoGasPrice> {
    c.call(clock, "pimlico_getUserOperationGasPrice", NO_PARAMS).await
}

/// `eth_maxPriorityFeePerGas` (node).
pub async fn max_priority_fee_per_gas<T: Transport>(c: &RpcClient<T>, clock: &impl Clock) -> Result<U256> {
    c.call(clock, "eth_maxPriorityFeePerGas", NO_PARAMS).await
}

/// The latest block's `baseFeePerGas` (node; zero before London).
pub async fn latest_base_fee<T: Transport>(c: &RpcClient<T>, clock: &impl Clock) -> Result<U256> {
    let b: Option<Block> = c.call(clock, "eth_getBlockByNumber", ("latest", false)).await?;
    Ok(b.and_then(|b| b.base_fee_per_gas).unwrap_or_default())
}

/// `eth_getCode(address, "latest")` (node).
pub async fn get_code<T: Transport>(c: &RpcClient<T>, clock: &impl Clock, address: Address) -> Result<Bytes> {
    c.call(clock, "eth_getCode", (address, "latest")).await
}

/// `eth_call(to, data)` at `latest` (node).
pub async fn eth_call<T: Transport>(c: &RpcClient<T>, clock: &impl Clock, to: Address, data: Bytes) -> Result<Bytes> {
    c.call(clock, "eth_call", (CallRequest { to, data }, "latest")).await
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
    IEntryPoint::getNonceCall::abi_decode_returns(&out)
        .map_err(|e| Error::BadResponse { method: "eth_call".into(), detail: format!("getNonce returned {out}: {e}") })
}

/// `EntryPoint.getUserOpHash(op)` via `eth_call` (node): the chain's own hash, for cross-checks.
pub async fn get_user_op_hash_onchain<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    entry_point: Address,
    op: &UserOperation,
) -> Result<B256> {
    let data = IEntryPoint::getUserOpHashCall { userOp: op.packed() }.abi_encode();
    let out = eth_call(c, clock, entry_point, data.into()).await?;
    IEntryPoint::getUserOpHashCall::abi_decode_returns(&out).map_err(|e| Error::BadResponse {
        method: "eth_call".into(),
        detail: format!("getUserOpHash returned {out}: {e}"),
    })
}

/// ERC-7677 `pm_getPaymasterStubData(op, entryPoint, chainIdHex, context)`.
pub async fn pm_get_paymaster_stub_data<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    op: &UserOperation,
    entry_point: Address,
    chain_id: u64,
    context: &serde_json::Value,
) -> Result<PaymasterStub> {
    c.call(clock, "pm_getPaymasterStubData", (op, entry_point, U64::from(chain_id), context)).await
}

/// ERC-7677 `pm_getPaymasterData(op, entryPoint, chainIdHex, context)`.
pub async fn pm_get_paymaster_data<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    op: &UserOperation,
    entry_point: Address,
    chain_id: u64,
    context: &serde_json::Value,
) -> Result<PaymasterData> {
    c.call(clock, "pm_getPaymasterData", (op, entry_point, U64::from(chain_id), context)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, bytes};

    #[test]
    fn wire_form_and_packing() {
        let op = UserOperation {
            sender: address!("1111111111111111111111111111111111111111"),
            nonce: U256::from(0x100u64) << 64,
            factory: Some(address!("2222222222222222222222222222222222222222")),
            factory_data: Some(bytes!("abcd")),
            call_data: bytes!("b61d27f6"),
            call_gas_limit: U128::from(2),
            verification_gas_limit: U128::from(1),
            pre_verification_gas: U256::from(3),
            max_fee_per_gas: U128::from(5),
            max_priority_fee_per_gas: U128::from(4),
            signature: bytes!("ff00"),
            ..Default::default()
        };
        let j = serde_json::to_value(&op).unwrap();
        assert_eq!(j["nonce"], "0x1000000000000000000");
        assert_eq!(j["callGasLimit"], "0x2");
        assert_eq!(j["factoryData"], "0xabcd");
        assert!(j.get("paymaster").is_none());
        let p = op.packed();
        assert_eq!(p.initCode.len(), 22);
        assert_eq!(p.accountGasLimits, b256!("0000000000000000000000000000000100000000000000000000000000000002"));
        assert_eq!(p.gasFees, b256!("0000000000000000000000000000000400000000000000000000000000000005"));
        let back: UserOperation = serde_json::from_value(j).unwrap();
        assert_eq!(back, op);
    }

    #[test]
    fn alto_estimate_reply_parses() {
        // Shape of alto 0.0.20's v0.7 reply.
        let g: GasEstimate = serde_json::from_str(
            r#"{"preVerificationGas":"0xb2c9","verificationGasLimit":"0x5e8e8","callGasLimit":"0x3b6a","paymasterVerificationGasLimit":"0x0","paymasterPostOpGasLimit":"0x0"}"#,
        )
        .unwrap();
        assert_eq!(g.call_gas_limit, U128::from(0x3b6a));
        let g: GasEstimate =
            serde_json::from_str(r#"{"preVerificationGas":"0x1","verificationGasLimit":"0x2","callGasLimit":"0x3"}"#).unwrap();
        assert_eq!(g.paymaster_verification_gas_limit, None);
    }
}
