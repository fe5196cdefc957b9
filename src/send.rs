//! Build, estimate, sign, send and wait for a user operation: one flow, generic over the
//! platform's [`Transport`] and [`Clock`], so the same code runs natively (tests) and in a browser.
//!
//! The flow ([`Sender::send`]): check once that the bundler is on the expected chain and supports
//! EntryPoint v0.7; read the nonce with `EntryPoint.getNonce(sender, key)`; get fees (the bundler's
//! `pimlico_getUserOperationGasPrice` when it has it, else the node's priority fee and latest base
//! fee); fill in the paymaster stub (ERC-7677) if one is configured; estimate with the signer's
//! dummy signature; fetch the final paymaster data; hash (v0.7) and sign; send; and later poll the
//! receipt with backoff until a deadline ([`Sender::wait_for_receipt`]).
//!
//! Resending is safe: the same signed operation has the same hash, and when the bundler refuses a
//! send, the sender asks `eth_getUserOperationByHash` whether it already holds that operation
//! (an earlier attempt that got through before the connection dropped) and then returns the hash.

use std::cell::Cell;

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, B256, U256};

use crate::addresses::ENTRY_POINT_V07;
use crate::eip7702::{self, Authorization, UserOperation7702};
use crate::error::{Error, Result};
use crate::json::{self, Addr, HexBytes};
use crate::key::SessionKey;
use crate::read;
use crate::rpc::bundler::{self, Fees, UserOperationReceipt};
use crate::rpc::{Clock, RetryPolicy, RpcClient, Transport};
use crate::sign;
use crate::text;
use crate::user_op::UserOperation;

/// Whether a bundler refused a send because it already holds that very operation.
pub fn is_already_known(e: &Error) -> bool {
    match e {
        Error::Rpc { message, .. } => {
            let m = message.to_ascii_lowercase();
            ["already known", "already in mempool", "already in the mempool"].iter().any(|n| text::contains(&m, n))
        }
        _ => false,
    }
}

/// Signs a userOpHash for one kind of account.
#[allow(async_fn_in_trait)]
pub trait UserOpSigner {
    /// A signature of the right shape for estimation.
    fn dummy_signature(&self) -> Bytes;
    /// The account's signature over the v0.7 userOpHash (async: a wallet may be asked).
    async fn sign(&self, user_op_hash: B256) -> Result<Bytes>;
}

/// eth-infinitism `SimpleAccount`: the raw 65-byte signature over the EIP-191 digest of the hash
/// (the same ECDSA check MAv2's SingleSigner module makes, without MAv2's segment bytes).
pub struct SimpleAccountSigner<'a>(pub &'a SessionKey);

impl UserOpSigner for SimpleAccountSigner<'_> {
    fn dummy_signature(&self) -> Bytes {
        Bytes::copy_from_slice(&sign::DUMMY_SIG65)
    }
    async fn sign(&self, user_op_hash: B256) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(&sign::sign_user_op_hash(self.0, &user_op_hash)?))
    }
}

/// MAv2 session key (SingleSigner validation): `[deferred prefix] ‖ 0xFF ‖ 0x00 ‖ sig65` over the
/// EIP-191 digest of the hash (mav2-spec §6.2, §7.2), as [`sign::sign_user_operation`] packs it.
/// The prefix goes on the first operation after a deferred grant only.
pub struct Mav2SessionSigner<'a> {
    /// The session key.
    pub key: &'a SessionKey,
    /// The on-chain deferred-action bytes, for the first operation after a deferred grant.
    pub deferred_prefix: Option<Bytes>,
}

impl Mav2SessionSigner<'_> {
    fn prefix(&self) -> Option<&[u8]> {
        self.deferred_prefix.as_ref().map(|b| b.as_ref())
    }
}

impl UserOpSigner for Mav2SessionSigner<'_> {
    fn dummy_signature(&self) -> Bytes {
        sign::dummy_signature(self.prefix())
    }
    async fn sign(&self, user_op_hash: B256) -> Result<Bytes> {
        let sig = sign::pack_user_op_signature(&sign::sign_user_op_hash(self.key, &user_op_hash)?);
        Ok([self.prefix().unwrap_or_default(), sig.as_ref()].concat().into())
    }
}

/// Which account contract an operation is for: it decides the signature layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccountKind {
    /// Modular Account V2: `[deferred prefix] ‖ 0xFF ‖ 0x00 ‖ sig65` (SingleSigner validation).
    #[default]
    Mav2,
    /// eth-infinitism `SimpleAccount` (EntryPoint package): the raw 65-byte signature. For local
    /// chains without MAv2 (tests, demos); a real MAv2 account refuses this layout.
    SimpleAccount,
    /// MAv2's SemiModularAccount7702: the owner's EOA delegated with EIP-7702. The default kind's
    /// signatures, nonce keys and grants; no factory, and an authorization on the first operation
    /// of an EOA not yet delegated ([`crate::eip7702`]).
    Mav27702,
}

crate::json::by_name!(AccountKind {
    "mav2" => Mav2,
    "simple-account" => SimpleAccount,
    "mav2-7702" => Mav27702,
});

impl AccountKind {
    /// Whether the account is an MAv2 account (signature layout, nonce keys, deferred grants).
    pub fn is_mav2(self) -> bool {
        matches!(self, AccountKind::Mav2 | AccountKind::Mav27702)
    }
}

/// An owner's wallet as EIP-1193 exposes it: `personal_sign` of the raw 32-byte userOpHash
/// (the wallet signs its EIP-191 digest), as Alchemy's SDK asks the owner (`signMessage({ raw })`).
#[allow(async_fn_in_trait)]
pub trait PersonalSign {
    /// The wallet's address (the account's owner).
    fn address(&self) -> Address;
    /// `personal_sign(hash, address)`: a 65-byte `r ‖ s ‖ v` signature.
    async fn personal_sign(&self, hash: B256) -> Result<Bytes>;
}

/// Signs user operations with the account owner's wallet: the SMA owner's layout for MAv2
/// (`0xFF ‖ 0x00 ‖ sig65`, SDK `nativeSMASigner.signUserOperationHash`), the raw signature for a
/// SimpleAccount. The wallet's answer is checked to recover to its address before it is used.
pub struct OwnerSigner<W> {
    /// The wallet.
    pub wallet: W,
    /// The account's kind.
    pub kind: AccountKind,
}

impl<W: PersonalSign> UserOpSigner for OwnerSigner<W> {
    fn dummy_signature(&self) -> Bytes {
        match self.kind {
            AccountKind::Mav2 | AccountKind::Mav27702 => Bytes::from(sign::DUMMY_SIGNATURE),
            AccountKind::SimpleAccount => Bytes::from(sign::DUMMY_SIG65),
        }
    }
    async fn sign(&self, user_op_hash: B256) -> Result<Bytes> {
        let sig = self.wallet.personal_sign(user_op_hash).await?;
        let signer = crate::key::recover(&sign::eip191_digest(&user_op_hash), &sig)?;
        if signer != self.wallet.address() {
            return Err(Error::InvalidSignature {
                field: "signature",
                detail: format!(
                    "the wallet's personal_sign recovers to {}, not to its address {}",
                    signer.to_checksum(None),
                    self.wallet.address().to_checksum(None)
                ),
            });
        }
        let sig65: [u8; 65] = sig.as_ref().try_into().map_err(|_| Error::InvalidSignature {
            field: "signature",
            detail: format!("expected a 65-byte signature, got {} bytes", sig.len()),
        })?;
        Ok(match self.kind {
            AccountKind::Mav2 | AccountKind::Mav27702 => sign::pack_user_op_signature(&sig65),
            AccountKind::SimpleAccount => Bytes::copy_from_slice(&sig65),
        })
    }
}

/// The owner's nonce key: MAv2's SMA owner is the fallback validation, entity 0, used as global
/// (`buildFullNonceKey` defaults: key `0x01`); a SimpleAccount's plain key 0.
pub fn owner_nonce_key(kind: AccountKind) -> U192 {
    match kind {
        AccountKind::Mav2 | AccountKind::Mav27702 => U192::from(crate::nonce::OPTION_GLOBAL),
        AccountKind::SimpleAccount => U192::ZERO,
    }
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// The EntryPoint (v0.7).
    pub entry_point: Address,
    /// Refuse a bundler on another chain. `None`: take the bundler's.
    pub chain_id: Option<u64>,
    /// How long [`Sender::wait_for_receipt`] polls by default.
    pub receipt_timeout_ms: u64,
    /// First wait between receipt polls.
    pub poll_initial_ms: u64,
    /// Longest wait between receipt polls.
    pub poll_max_ms: u64,
    /// Retries of requests that got no answer.
    pub retry: RetryPolicy,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            entry_point: ENTRY_POINT_V07,
            chain_id: None,
            receipt_timeout_ms: 60_000,
            poll_initial_ms: 250,
            poll_max_ms: 2_000,
            retry: RetryPolicy::default(),
        }
    }
}

/// What to send: the account, its nonce key, the call data, and optionally how to create it.
#[derive(Debug, Clone, Default)]
pub struct OpRequest {
    /// The account.
    pub sender: Address,
    /// The 192-bit nonce key (the session's MAv2 key; 0 for a SimpleAccount).
    pub nonce_key: U192,
    /// Factory and factory data; used only while the account has no code.
    pub factory: Option<(Address, Bytes)>,
    /// What the account executes.
    pub call_data: Bytes,
    /// Use this nonce instead of reading it (tests, replacement).
    pub nonce: Option<U256>,
    /// Use these fees instead of asking.
    pub fees: Option<Fees>,
    /// The only paymaster the account's validation accepts (a session pinned to one): the
    /// service's stub is checked against it before estimation.
    pub paymaster: Option<Address>,
    /// The EIP-7702 authorization this operation carries (the first operation of an EOA not yet
    /// delegated), already checked ([`Sender::authorization_for`]). Estimated with the SDK's
    /// unsigned stub; sent in the `eip7702Auth` field.
    pub authorization: Option<Authorization>,
    /// Verification gas to add to the bundler's estimate: what the signature check costs beyond
    /// the dummy signature's (a WebAuthn assertion, see `service::Network::p256_verification_gas`).
    pub extra_verification_gas: u128,
}

/// Refuse a paymaster other than the one the account's validation is pinned to.
fn check_paymaster(required: Option<Address>, offered: Address) -> Result<()> {
    match required {
        Some(required) if required != offered => Err(Error::PaymasterMismatch {
            required: crate::json::address(&required),
            offered: crate::json::address(&offered),
        }),
        _ => Ok(()),
    }
}

/// A sent operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentOp {
    /// Its hash (as the bundler returned it, equal to the one signed).
    pub user_op_hash: B256,
    /// The signed operation, to resend if needed.
    pub op: UserOperation,
}

/// A step awaited from several flows is boxed: compiled once, out of line, instead of being
/// inlined into each caller's state machine (wasm size).
pub use crate::store::BoxFuture;

/// The sending flow over a bundler, an optional separate node, and an optional paymaster.
pub struct Sender<T, C> {
    bundler: RpcClient<T>,
    node: Option<RpcClient<T>>,
    paymaster: Option<(RpcClient<T>, serde_json::Value)>,
    clock: C,
    config: SendConfig,
    chain_id: Cell<Option<u64>>,
}

impl<T: Transport, C: Clock> Sender<T, C> {
    /// A sender that also uses the bundler's URL for node calls.
    pub fn new(bundler: T, clock: C, config: SendConfig) -> Self {
        let retry = config.retry;
        Self {
            bundler: RpcClient::new(bundler).with_retry(retry),
            node: None,
            paymaster: None,
            clock,
            config,
            chain_id: Cell::new(None),
        }
    }

    /// Use a separate node RPC for `eth_call`, fees and code.
    pub fn with_node(mut self, node: T) -> Self {
        self.node = Some(RpcClient::new(node).with_retry(self.config.retry));
        self
    }

    /// Sponsor operations through an ERC-7677 paymaster service with this context.
    pub fn with_paymaster(mut self, service: T, context: serde_json::Value) -> Self {
        self.paymaster = Some((RpcClient::new(service).with_retry(self.config.retry), context));
        self
    }

    /// The bundler client.
    pub fn bundler(&self) -> &RpcClient<T> {
        &self.bundler
    }

    /// The node client (the bundler's when none was given).
    pub fn node(&self) -> &RpcClient<T> {
        self.node.as_ref().unwrap_or(&self.bundler)
    }

    /// Skip the chain / EntryPoint check of [`Sender::ready`]: the caller already made it with
    /// this bundler (a client that checked once and sends many times).
    pub fn with_known_chain(self, chain_id: u64) -> Self {
        self.chain_id.set(Some(chain_id));
        self
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Check, once, that the bundler is on the expected chain and supports the EntryPoint.
    /// Returns the chain id.
    pub async fn ready(&self) -> Result<u64> {
        if let Some(id) = self.chain_id.get() {
            return Ok(id);
        }
        let actual = bundler::chain_id(&self.bundler, &self.clock).await?;
        if let Some(expected) = self.config.chain_id {
            if expected != actual {
                return Err(Error::WrongChain { expected, actual });
            }
        }
        let supported = bundler::supported_entry_points(&self.bundler, &self.clock).await?;
        if !supported.contains(&self.config.entry_point) {
            return Err(Error::EntryPointNotSupported {
                entry_point: self.config.entry_point.to_checksum(None),
                supported: supported.iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>().join(", "),
            });
        }
        self.chain_id.set(Some(actual));
        Ok(actual)
    }

    /// `EntryPoint.getNonce(sender, key)`.
    pub fn nonce(&self, sender: Address, key: U192) -> impl std::future::Future<Output = Result<U256>> + '_ {
        bundler::get_nonce(self.node(), &self.clock, self.config.entry_point, sender, key)
    }

    /// The authorization the next operation of the EIP-7702 account `account` must carry, read
    /// from the node only (nothing asked of the bundler): none once the EOA is delegated to
    /// SMA7702, else `given`, checked against the EOA's current nonce and `chain_id`. Another
    /// delegation, contract code, or no authorization for an EOA without code is refused.
    pub async fn authorization_for(
        &self,
        account: Address,
        chain_id: u64,
        given: Option<&Authorization>,
    ) -> Result<Option<Authorization>> {
        let code = bundler::get_code(self.node(), &self.clock, account).await?;
        if eip7702::delegation(account, &code)? == eip7702::Delegation::Sma7702 {
            return Ok(None);
        }
        let given = given.ok_or_else(|| Error::AuthorizationRequired { account: crate::json::address(&account) })?;
        let account_nonce = bundler::transaction_count(self.node(), &self.clock, account).await?;
        Ok(eip7702::authorization_for_op(account, &code, Some(given), chain_id, account_nonce)?.cloned())
    }

    /// Fees: the bundler's own (`pimlico_getUserOperationGasPrice`, standard tier) when it has the
    /// method, else `2 × latest base fee + eth_maxPriorityFeePerGas` from the node.
    pub async fn fees(&self) -> Result<Fees> {
        match bundler::pimlico_gas_price(&self.bundler, &self.clock).await {
            Ok(p) => return Ok(p.standard),
            Err(Error::Rpc { .. } | Error::BadResponse { .. }) => {}
            Err(e) => return Err(e),
        }
        let prio = bundler::max_priority_fee_per_gas(self.node(), &self.clock).await?;
        let base = bundler::latest_base_fee(self.node(), &self.clock).await?;
        let max = base.saturating_mul(U256::from(2)).saturating_add(prio);
        let fit = |v: U256| v.saturating_to::<u128>();
        Ok(Fees { max_fee_per_gas: fit(max), max_priority_fee_per_gas: fit(prio) })
    }

    /// Build the operation: nonce, fees, initCode while undeployed, paymaster, gas estimate made
    /// with the signer's dummy signature. Not signed yet.
    pub fn build<'a>(&'a self, req: &'a OpRequest, signer: &impl UserOpSigner) -> BoxFuture<'a, UserOperation> {
        self.build_with_dummy(req, signer.dummy_signature())
    }

    /// [`Sender::build`] given the signer's dummy signature: not generic over the signer, and
    /// boxed, so session and owner flows share one copy.
    fn build_with_dummy<'a>(&'a self, req: &'a OpRequest, dummy: Bytes) -> BoxFuture<'a, UserOperation> {
        Box::pin(async move {
            let chain_id = self.ready().await?;
            let nonce = match req.nonce {
                Some(n) => n,
                None => self.nonce(req.sender, req.nonce_key).await?,
            };
            let fees = match req.fees {
                Some(f) => f,
                None => self.fees().await?,
            };
            let (factory, factory_data) = match &req.factory {
                Some((f, data)) if bundler::get_code(self.node(), &self.clock, req.sender).await?.is_empty() => {
                    (Some(Addr(*f)), Some(HexBytes(data.clone())))
                }
                _ => (None, None),
            };
            let mut op = UserOperation {
                sender: Addr(req.sender),
                nonce,
                factory,
                factory_data,
                call_data: HexBytes(req.call_data.clone()),
                call_gas_limit: 0,
                verification_gas_limit: 0,
                pre_verification_gas: U256::ZERO,
                max_fee_per_gas: fees.max_fee_per_gas,
                max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
                paymaster: None,
                paymaster_verification_gas_limit: None,
                paymaster_post_op_gas_limit: None,
                paymaster_data: None,
                signature: HexBytes(dummy),
            };
            let mut is_final = true;
            if let Some((pm, context)) = &self.paymaster {
                let stub = bundler::pm_get_paymaster_stub_data(
                    pm,
                    &self.clock,
                    &op,
                    self.config.entry_point,
                    chain_id,
                    context,
                )
                .await?;
                op.paymaster = Some(Addr(stub.paymaster));
                op.paymaster_data = Some(HexBytes(stub.paymaster_data));
                op.paymaster_verification_gas_limit = stub.paymaster_verification_gas_limit;
                op.paymaster_post_op_gas_limit = stub.paymaster_post_op_gas_limit;
                is_final = stub.is_final;
                check_paymaster(req.paymaster, stub.paymaster)?;
            }
            let stub = req.authorization.as_ref().map(|a| Authorization::estimation_stub(a.chain_id, a.nonce));
            let gas = bundler::estimate_user_operation_gas(
                &self.bundler,
                &self.clock,
                &UserOperation7702 { user_op: &op, eip7702_auth: stub.as_ref() }.obj()?,
                self.config.entry_point,
            )
            .await?;
            op.call_gas_limit = gas.call_gas_limit;
            // Before the paymaster's final data, which may sign over the gas limits.
            op.verification_gas_limit = gas.verification_gas_limit.saturating_add(req.extra_verification_gas);
            op.pre_verification_gas = gas.pre_verification_gas;
            if op.paymaster.is_some() {
                let nonzero = |v: Option<u128>| v.filter(|v| *v != 0);
                op.paymaster_verification_gas_limit =
                    nonzero(gas.paymaster_verification_gas_limit).or(op.paymaster_verification_gas_limit);
                op.paymaster_post_op_gas_limit =
                    nonzero(gas.paymaster_post_op_gas_limit).or(op.paymaster_post_op_gas_limit);
                if !is_final {
                    let (pm, context) = self.paymaster.as_ref().expect("paymaster set");
                    let data = bundler::pm_get_paymaster_data(
                        pm,
                        &self.clock,
                        &op,
                        self.config.entry_point,
                        chain_id,
                        context,
                    )
                    .await?;
                    check_paymaster(req.paymaster, data.paymaster)?;
                    op.paymaster = Some(Addr(data.paymaster));
                    op.paymaster_data = Some(HexBytes(data.paymaster_data));
                }
            }
            Ok(op)
        })
    }

    /// The v0.7 userOpHash of `op` on the bundler's chain.
    pub async fn hash(&self, op: &UserOperation) -> Result<B256> {
        let chain_id = self.ready().await?;
        op.hash(chain_id, self.config.entry_point)
    }

    /// Hash and sign `op` in place; returns the hash.
    pub async fn sign(&self, op: &mut UserOperation, signer: &impl UserOpSigner) -> Result<B256> {
        let hash = self.hash(op).await?;
        op.signature = HexBytes(signer.sign(hash).await?);
        Ok(hash)
    }

    /// Send a signed operation. Safe to call again with the same operation: network errors are
    /// retried with backoff, and a refusal of an operation the bundler already holds (or has
    /// mined) returns its hash.
    pub async fn send_signed(&self, op: &UserOperation) -> Result<B256> {
        self.send_signed_with(op, None).await
    }

    /// [`Sender::send_signed`] of an operation carrying `authorization` in `eip7702Auth` (the
    /// userOpHash does not cover it).
    pub async fn send_signed_with(&self, op: &UserOperation, authorization: Option<&Authorization>) -> Result<B256> {
        let hash = self.hash(op).await?;
        let body = UserOperation7702 { user_op: op, eip7702_auth: authorization }.obj()?;
        let params = bundler::op_params(&body, self.config.entry_point, "");
        // Network errors are retried with backoff by the client (the same operation, the same hash).
        let sent: Result<B256> = self.bundler.call_with(&self.clock, "eth_sendUserOperation", params, read::b256).await;
        match sent {
            Ok(h) if h != hash => Err(Error::BadResponse {
                method: "eth_sendUserOperation".into(),
                detail: format!(
                    "the bundler returned hash {}, the operation's hash is {}",
                    json::hex(h),
                    json::hex(hash)
                ),
            }),
            Ok(h) => Ok(h),
            Err(e @ Error::Rpc { .. }) => {
                // Already sent (by an attempt whose answer was lost, or by another caller)?
                // Pending: alto says "Already known" (-32602). Mined: the nonce is used (AA25),
                // but the bundler finds the operation by its hash.
                if is_already_known(&e) {
                    return Ok(hash);
                }
                if let Ok(Some(_)) = bundler::get_user_operation_by_hash(&self.bundler, &self.clock, hash).await {
                    return Ok(hash);
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Build, sign and send.
    pub async fn send(&self, req: &OpRequest, signer: &impl UserOpSigner) -> Result<SentOp> {
        let mut op = self.build(req, signer).await?;
        self.sign(&mut op, signer).await?;
        let user_op_hash = self.send_signed_with(&op, req.authorization.as_ref()).await?;
        Ok(SentOp { user_op_hash, op })
    }

    /// Poll `eth_getUserOperationReceipt` with backoff until a receipt comes or `timeout_ms` passes
    /// (`None`: the configured default).
    pub async fn wait_for_receipt(&self, hash: B256, timeout_ms: Option<u64>) -> Result<UserOperationReceipt> {
        let timeout = timeout_ms.unwrap_or(self.config.receipt_timeout_ms);
        let start = self.clock.now_ms();
        let mut wait = self.config.poll_initial_ms;
        loop {
            if let Some(r) = bundler::get_user_operation_receipt(&self.bundler, &self.clock, hash).await? {
                return Ok(r);
            }
            let waited = self.clock.now_ms().saturating_sub(start);
            if waited >= timeout {
                return Err(Error::ReceiptTimeout { user_op_hash: crate::json::hex(hash), waited_ms: waited });
            }
            self.clock.sleep(wait.min(timeout - waited)).await;
            wait = (wait * 3 / 2).min(self.config.poll_max_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::recover;
    use alloy_primitives::eip191_hash_message;

    #[test]
    fn signers_pack_like_the_accounts_expect() {
        let key = SessionKey::from_bytes(&[7u8; 32], "k").unwrap();
        let hash = B256::repeat_byte(0x42);
        let simple = pollster_block(SimpleAccountSigner(&key).sign(hash)).unwrap();
        assert_eq!(simple.len(), 65);
        assert_eq!(recover(&eip191_hash_message(hash), &simple).unwrap(), key.address());
        let mav2 = Mav2SessionSigner { key: &key, deferred_prefix: None };
        let sig = pollster_block(mav2.sign(hash)).unwrap();
        assert_eq!(&sig[..2], &[0xFF, 0x00]);
        assert_eq!(&sig[2..], &simple[..]);
        assert_eq!(mav2.dummy_signature(), Bytes::from(sign::DUMMY_SIGNATURE));
        assert_eq!(SimpleAccountSigner(&key).dummy_signature(), Bytes::from(sign::DUMMY_SIG65));
        let deferred = Mav2SessionSigner { key: &key, deferred_prefix: Some(Bytes::from_static(&[1, 2, 3])) };
        assert_eq!(&pollster_block(deferred.sign(hash)).unwrap()[..5], &[1, 2, 3, 0xFF, 0x00]);
        assert_eq!(&deferred.dummy_signature()[..], &sign::dummy_signature(Some(&[1, 2, 3]))[..]);
    }

    #[test]
    fn mav2_signer_equals_the_core_signature_of_the_operation() {
        let key = SessionKey::from_bytes(&[9u8; 32], "k").unwrap();
        let op: UserOperation = crate::json::from_value(&serde_json::json!({
            "sender": "0x65b5DE0251f553B2208762a4724303E750294D96",
            "nonce": "0x1020000000000000000",
            "callData": "0xb61d27f6",
            "callGasLimit": 100000, "verificationGasLimit": 500000, "preVerificationGas": 60000,
            "maxFeePerGas": "2000000000", "maxPriorityFeePerGas": "1000000000"
        }))
        .unwrap();
        let hash = op.hash(31337, ENTRY_POINT_V07).unwrap();
        for prefix in [None, Some(Bytes::from_static(&[0xaa; 5]))] {
            let signer = Mav2SessionSigner { key: &key, deferred_prefix: prefix.clone() };
            let core =
                sign::sign_user_operation(&key, &op, 31337, ENTRY_POINT_V07, prefix.as_ref().map(|b| b.as_ref()))
                    .unwrap();
            assert_eq!(pollster_block(signer.sign(hash)).unwrap(), core);
        }
    }

    /// Drive a future that never waits (the signers above).
    fn pollster_block<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("future waited"),
        }
    }
}
