//! A session's state as the chain holds it: whether its validation is installed and matches the
//! grant, what is left of its budgets, its time window and its pinned paymaster.
//!
//! The limits MAv2 enforces are cumulative (every `execute` lowers `NativeTokenLimitModule.limits`,
//! every ERC-20 `transfer` / `approve` lowers `AllowlistModule.erc20SpendLimits`), so only the
//! chain knows what a session may still spend. Three layers, the first two pure:
//! - **encoders and decoders** of the view calls ([`session_reads`], `decode_*`), with the ABIs as
//!   Alchemy's SDK ships them (checked by `tests/conformance_onchain.rs` against viem);
//! - [`session_state`]: the decoded answers and the grant in, a [`SessionState`] out;
//! - [`read_session_state`]: the `eth_call`s over [`crate::rpc::Transport`].
//!
//! Entity ids: [`next_entity_id`] picks the lowest id free both in the store and on chain, the way
//! the SDK's `EntityIdAndNonceReader` walks `getValidationData` (`shared/mav2-spec.md` §6.1);
//! [`find_free_entity_id`] does the walk over RPC.

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{sol, SolCall};
use serde::Serialize;

use crate::abi::{padded, small, word_at};
use crate::addresses::{
    ALLOWLIST_MODULE, NATIVE_TOKEN_LIMIT_MODULE, PAYMASTER_GUARD_MODULE, SINGLE_SIGNER_VALIDATION_MODULE,
    TIME_RANGE_MODULE,
};
use crate::error::{Error, Result};
use crate::install::{self, SessionInstallRequest, Validation};
use crate::permissions::{module_entity, Hook, PermissionSet, HOOK_ENTITY_OFFSET};
use crate::rpc::bundler::{eth_call, get_code};
use crate::rpc::{Clock, RpcClient, Transport};
use crate::session::{allocate_entity_id, SessionRecord};

sol! {
    /// `getValidationData`'s result (`modularAccountAbi`: one tuple named `data`).
    #[derive(Debug, PartialEq, Eq, Default)]
    struct ValidationDataView {
        uint8 validationFlags;
        bytes25[] validationHooks;
        bytes25[] executionHooks;
        bytes4[] selectors;
    }

    /// The account's view of one validation (`modularAccountAbi`).
    interface IAccountView {
        function getValidationData(bytes24 validationFunction) external view returns (ValidationDataView memory data);
    }

    /// `nativeTokenLimitModuleAbi`: the entity id is a uint256 there (selector `0xe19500ba`).
    interface INativeTokenLimitModule {
        function limits(uint256 entityId, address account) external view returns (uint256 limit);
    }

    /// `allowlistModuleAbi`.
    interface IAllowlistModule {
        function erc20SpendLimits(uint32 entityId, address target, address account) external view returns (uint256);
    }

    /// `timeRangeModuleAbi`.
    interface ITimeRangeModule {
        function timeRanges(uint32 entityId, address account) external view returns (uint48 validUntil, uint48 validAfter);
    }

    /// `paymasterGuardModuleAbi`.
    interface IPaymasterGuardModule {
        function paymasters(uint32 entityId, address account) external view returns (address paymaster);
    }

    /// `singleSignerValidationModuleAbi`: the key a validation checks signatures against.
    interface ISingleSignerValidationModule {
        function signers(uint32 entityId, address account) external view returns (address);
    }
}

/// At most this many installed ids are stepped over by [`find_free_entity_id`], so a node that
/// answers "installed" to everything cannot keep it calling.
pub const ENTITY_ID_SEARCH_LIMIT: u32 = 256;

/// One validation as `getValidationData` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationView {
    /// `0x01` user-op validation, `0x02` signature validation, `0x04` global.
    pub flags: u8,
    /// Validation hooks (`HookConfig`s), in install order.
    pub validation_hooks: Vec<FixedBytes<25>>,
    /// Execution hooks, in install order.
    pub execution_hooks: Vec<FixedBytes<25>>,
    /// Selectors the validation may call.
    pub selectors: Vec<FixedBytes<4>>,
}

impl ValidationView {
    /// Whether anything is stored for the entity id. The SDK's reader looks at flags and selectors;
    /// hooks count too, so an id with leftover hooks is never handed out again.
    pub fn is_installed(&self) -> bool {
        self.flags != 0
            || !self.selectors.is_empty()
            || !self.validation_hooks.is_empty()
            || !self.execution_hooks.is_empty()
    }
}

// The encoders and decoders below are written word by word: the `sol!` interfaces above give the
// selectors (and the conformance vectors check both against viem), while alloy's generic
// encode/decode-and-reencode for each call would cost the wasm several times this code.

fn call_data<const W: usize>(selector: [u8; 4], words: [[u8; 32]; W]) -> Bytes {
    let mut out = Vec::with_capacity(4 + 32 * W);
    out.extend_from_slice(&selector);
    for w in words {
        out.extend_from_slice(&w);
    }
    out.into()
}

fn uint_word(v: u32) -> [u8; 32] {
    U256::from(v).to_be_bytes()
}

fn address_word(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// `getValidationData(ModuleEntity(module, entityId))` call data. The account keys validations by
/// entity id only, so the module part does not change the answer.
pub fn encode_get_validation_data(module: Address, entity_id: u32) -> Bytes {
    let mut w = [0u8; 32];
    w[..24].copy_from_slice(module_entity(module, entity_id).as_slice());
    call_data(IAccountView::getValidationDataCall::SELECTOR, [w])
}

/// `NativeTokenLimitModule.limits(entityId, account)` call data.
pub fn encode_limits(entity_id: u32, account: Address) -> Bytes {
    call_data(INativeTokenLimitModule::limitsCall::SELECTOR, [uint_word(entity_id), address_word(account)])
}

/// `AllowlistModule.erc20SpendLimits(entityId, token, account)` call data.
pub fn encode_erc20_spend_limits(entity_id: u32, token: Address, account: Address) -> Bytes {
    call_data(
        IAllowlistModule::erc20SpendLimitsCall::SELECTOR,
        [uint_word(entity_id), address_word(token), address_word(account)],
    )
}

/// `TimeRangeModule.timeRanges(entityId, account)` call data.
pub fn encode_time_ranges(entity_id: u32, account: Address) -> Bytes {
    call_data(ITimeRangeModule::timeRangesCall::SELECTOR, [uint_word(entity_id), address_word(account)])
}

/// `PaymasterGuardModule.paymasters(entityId, account)` call data.
pub fn encode_paymasters(entity_id: u32, account: Address) -> Bytes {
    call_data(IPaymasterGuardModule::paymastersCall::SELECTOR, [uint_word(entity_id), address_word(account)])
}

/// `SingleSignerValidationModule.signers(entityId, account)` call data.
pub fn encode_signers(entity_id: u32, account: Address) -> Bytes {
    call_data(ISingleSignerValidationModule::signersCall::SELECTOR, [uint_word(entity_id), address_word(account)])
}

#[inline(never)]
fn bad_result(what: &str, out: &[u8]) -> Error {
    let shown = crate::json::shorten(&crate::json::hex(out), 200);
    Error::BadResponse { method: "eth_call".into(), detail: format!("{what} returned {shown}: not its ABI encoding") }
}

/// One `bytesN[]` of a tuple at `tuple`, its offset at head word `head`; canonical: it starts at
/// `*end`, which moves past it.
fn fixed_list<const N: usize>(tuple: &[u8], head: usize, end: &mut usize) -> Option<Vec<FixedBytes<N>>> {
    let off = small(tuple, head * 32)?;
    let len = small(tuple, off)?;
    if off != *end || len > tuple.len() / 32 {
        return None;
    }
    let mut out = Vec::with_capacity(len);
    for k in 0..len {
        let w = word_at(tuple, off + 32 + 32 * k)?;
        if w[N..].iter().any(|x| *x != 0) {
            return None;
        }
        out.push(FixedBytes::from_slice(&w[..N]));
    }
    *end = off + 32 + 32 * len;
    Some(out)
}

/// Decode `getValidationData`'s result.
pub fn decode_validation_data(out: &[u8]) -> Result<ValidationView> {
    let read = || -> Option<ValidationView> {
        if small(out, 0)? != 32 {
            return None;
        }
        let tuple = &out[32..];
        let flags = padded(tuple, 0, 31)?[0];
        let mut end = 4 * 32;
        let validation_hooks = fixed_list::<25>(tuple, 1, &mut end)?;
        let execution_hooks = fixed_list::<25>(tuple, 2, &mut end)?;
        let selectors = fixed_list::<4>(tuple, 3, &mut end)?;
        (end == tuple.len()).then_some(ValidationView { flags, validation_hooks, execution_hooks, selectors })
    };
    read().ok_or_else(|| bad_result("getValidationData", out))
}

/// One static word, exactly, with `zeros` bytes of padding.
fn single<'a>(out: &'a [u8], zeros: usize, what: &str) -> Result<&'a [u8]> {
    (out.len() == 32).then(|| padded(out, 0, zeros)).flatten().ok_or_else(|| bad_result(what, out))
}

/// Decode `limits`' result.
pub fn decode_limits(out: &[u8]) -> Result<U256> {
    Ok(U256::from_be_slice(single(out, 0, "limits")?))
}

/// Decode `erc20SpendLimits`' result.
pub fn decode_erc20_spend_limits(out: &[u8]) -> Result<U256> {
    Ok(U256::from_be_slice(single(out, 0, "erc20SpendLimits")?))
}

/// Decode `timeRanges`' result: `(validUntil, validAfter)`, two uint48.
pub fn decode_time_ranges(out: &[u8]) -> Result<(u64, u64)> {
    let read = || -> Option<(u64, u64)> {
        let t = |at| padded(out, at, 26).map(|w| w.iter().fold(0u64, |n, b| n << 8 | u64::from(*b)));
        (out.len() == 64).then_some(())?;
        Some((t(0)?, t(32)?))
    };
    read().ok_or_else(|| bad_result("timeRanges", out))
}

/// Decode `paymasters`' result.
pub fn decode_paymasters(out: &[u8]) -> Result<Address> {
    Ok(Address::from_slice(single(out, 12, "paymasters")?))
}

/// Decode `signers`' result.
pub fn decode_signers(out: &[u8]) -> Result<Address> {
    Ok(Address::from_slice(single(out, 12, "signers")?))
}

/// A session's grant, in the form the chain stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The account.
    pub account: Address,
    /// The validation module (SingleSigner, or WebAuthn for a P-256 session).
    pub module: Address,
    /// The session key: the SingleSigner module's signer. `None` for a WebAuthn session, whose
    /// P-256 key is not read back (the module's storage layout is proven by no vector here).
    pub session_key: Option<Address>,
    /// The translated permissions (entity id, flags, selectors, limits).
    pub permissions: PermissionSet,
    /// Every hook in install order (TimeRange, PaymasterGuard, then the permission hooks).
    pub hooks: Vec<Hook>,
    /// `expiresAt`: the TimeRange hook's `validUntil`.
    pub expires_at: Option<u64>,
    /// `validAfter` (0 on chain when only `expiresAt` is set).
    pub valid_after: Option<u64>,
    /// The pinned paymaster.
    pub paymaster: Option<Address>,
}

impl Granted {
    /// From a grant request. No clock check: an expired grant is still worth reading.
    pub fn from_install_request(req: &SessionInstallRequest) -> Result<Self> {
        let (permissions, hooks) = install::plan_unchecked(&req.grant())?;
        Ok(Granted {
            account: req.account.0,
            module: SINGLE_SIGNER_VALIDATION_MODULE,
            session_key: Some(req.session_key.0),
            permissions,
            hooks,
            expires_at: req.expires_at,
            valid_after: req.valid_after,
            paymaster: req.paymaster.map(|p| p.0),
        })
    }

    /// From a stored session, of either key kind.
    pub fn from_record(record: &SessionRecord) -> Result<Self> {
        let signer = record.signer()?;
        let (permissions, hooks) = install::plan_unchecked(&record.grant())?;
        Ok(Granted {
            account: record.account.0,
            module: signer.module(),
            session_key: match signer {
                Validation::SingleSigner(a) => Some(a),
                Validation::WebAuthn(_) => None,
            },
            permissions,
            hooks,
            expires_at: record.expires_at,
            valid_after: record.valid_after,
            paymaster: record.paymaster.map(|p| p.0),
        })
    }

    /// The session's validation entity id.
    pub fn entity_id(&self) -> u32 {
        self.permissions.entity_id
    }

    /// Entity id of the ERC-20 spend-limit and gas-limit hooks (`E + 0x7FFFFFFF`).
    pub fn hook_entity_id(&self) -> u32 {
        self.entity_id().saturating_add(HOOK_ENTITY_OFFSET)
    }
}

/// One view call [`read_session_state`] makes, after `getValidationData` said "installed".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// `signers(E, account)` on the SingleSigner module.
    Signer,
    /// `limits(E, account)`: native value left.
    Native,
    /// `limits(E + 0x7FFFFFFF, account)`: gas budget left (wei).
    Gas,
    /// `erc20SpendLimits(E + 0x7FFFFFFF, token, account)`.
    Erc20(Address),
    /// `timeRanges(E, account)`.
    TimeRange,
    /// `paymasters(E, account)`.
    Paymaster,
}

/// The view calls for a granted session: `(what, to, data)`, only for what the grant has.
pub fn session_reads(g: &Granted) -> Vec<(Read, Address, Bytes)> {
    let (e, h, a) = (g.entity_id(), g.hook_entity_id(), g.account);
    let mut out = Vec::new();
    if g.session_key.is_some() {
        out.push((Read::Signer, SINGLE_SIGNER_VALIDATION_MODULE, encode_signers(e, a)));
    }
    if g.permissions.native_limit.is_some() {
        out.push((Read::Native, NATIVE_TOKEN_LIMIT_MODULE, encode_limits(e, a)));
    }
    if g.permissions.gas_limit.is_some() {
        out.push((Read::Gas, NATIVE_TOKEN_LIMIT_MODULE, encode_limits(h, a)));
    }
    for l in &g.permissions.erc20_limits {
        out.push((Read::Erc20(l.token), ALLOWLIST_MODULE, encode_erc20_spend_limits(h, l.token, a)));
    }
    if g.expires_at.is_some() {
        out.push((Read::TimeRange, TIME_RANGE_MODULE, encode_time_ranges(e, a)));
    }
    if g.paymaster.is_some() {
        out.push((Read::Paymaster, PAYMASTER_GUARD_MODULE, encode_paymasters(e, a)));
    }
    out
}

/// The decoded answers of the view calls; `None` for a call not made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainReads {
    /// The account has code (an undeployed account has no validations).
    pub deployed: bool,
    /// `getValidationData` of the session's entity id.
    pub validation: Option<ValidationView>,
    /// `signers(E, account)`.
    pub signer: Option<Address>,
    /// `limits(E, account)`.
    pub native: Option<U256>,
    /// `limits(E + 0x7FFFFFFF, account)`.
    pub gas: Option<U256>,
    /// `erc20SpendLimits(E + 0x7FFFFFFF, token, account)` per token.
    pub erc20: Vec<(Address, U256)>,
    /// `timeRanges(E, account)`: `(validUntil, validAfter)`.
    pub time_range: Option<(u64, u64)>,
    /// `paymasters(E, account)`.
    pub paymaster: Option<Address>,
}

impl ChainReads {
    /// Store the decoded answer of one [`Read`].
    pub fn record(&mut self, read: Read, out: &[u8]) -> Result<()> {
        match read {
            Read::Signer => self.signer = Some(decode_signers(out)?),
            Read::Native => self.native = Some(decode_limits(out)?),
            Read::Gas => self.gas = Some(decode_limits(out)?),
            Read::Erc20(token) => {
                self.erc20.push((token, decode_erc20_spend_limits(out)?));
            }
            Read::TimeRange => self.time_range = Some(decode_time_ranges(out)?),
            Read::Paymaster => self.paymaster = Some(decode_paymasters(out)?),
        }
        Ok(())
    }
}

/// What is left of a session's budgets on chain; `None` where the grant sets no limit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remaining {
    /// Native value (wei).
    pub native: Option<U256>,
    /// Gas budget (wei of `gas × maxFeePerGas`).
    pub gas: Option<U256>,
    /// Token units per ERC-20 with a limit.
    pub erc20: Vec<(Address, U256)>,
}

/// A session as the chain sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    /// The account has code (a counterfactual account has nothing installed yet).
    pub deployed: bool,
    /// Something is installed at the session's entity id.
    pub installed: bool,
    /// What is installed is the grant (flags, selectors, hooks, key, window, paymaster).
    pub matches_grant: bool,
    /// What differs when `matches_grant` is false (`"flags"`, `"selectors"`, `"validationHooks"`,
    /// `"executionHooks"`, `"signer"`, `"timeRange"`, `"paymaster"`, or `"notInstalled"`).
    pub mismatches: Vec<&'static str>,
    /// Budgets left (empty when not installed: module storage outlives an uninstall).
    pub remaining: Remaining,
    /// TimeRange `validUntil` on chain.
    pub valid_until: Option<u64>,
    /// TimeRange `validAfter` on chain.
    pub valid_after: Option<u64>,
    /// PaymasterGuard's paymaster on chain.
    pub paymaster: Option<Address>,
}

/// Same members, any order (the lists hold distinct items; no sort keeps the wasm small).
fn same_set<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// The session's state from the chain's answers. An undeployed account, or nothing at the entity
/// id, is "not installed" (not an error).
pub fn session_state(g: &Granted, r: &ChainReads) -> SessionState {
    let installed = r.deployed && r.validation.as_ref().is_some_and(ValidationView::is_installed);
    if !installed {
        return SessionState { deployed: r.deployed, mismatches: vec!["notInstalled"], ..SessionState::default() };
    }
    let v = r.validation.as_ref().cloned().unwrap_or_default();
    let hooks = |validation: bool| -> Vec<FixedBytes<25>> {
        g.hooks.iter().filter(|h| h.config.is_validation_hook() == validation).map(|h| h.config.encode()).collect()
    };
    let mut mismatches = Vec::new();
    if v.flags != g.permissions.validation_flags() {
        mismatches.push("flags");
    }
    if !same_set(&v.selectors, &g.permissions.selectors) {
        mismatches.push("selectors");
    }
    if !same_set(&v.validation_hooks, &hooks(true)) {
        mismatches.push("validationHooks");
    }
    if !same_set(&v.execution_hooks, &hooks(false)) {
        mismatches.push("executionHooks");
    }
    if r.signer.is_some_and(|s| Some(s) != g.session_key) {
        mismatches.push("signer");
    }
    if let (Some((until, after)), Some(exp)) = (r.time_range, g.expires_at) {
        if until != exp || after != g.valid_after.unwrap_or(0) {
            mismatches.push("timeRange");
        }
    }
    if let (Some(p), Some(exp)) = (r.paymaster, g.paymaster) {
        if p != exp {
            mismatches.push("paymaster");
        }
    }
    SessionState {
        deployed: true,
        installed,
        matches_grant: mismatches.is_empty(),
        mismatches,
        remaining: Remaining { native: r.native, gas: r.gas, erc20: r.erc20.clone() },
        valid_until: r.time_range.map(|t| t.0),
        valid_after: r.time_range.map(|t| t.1),
        paymaster: r.paymaster,
    }
}

/// Read a session's state over RPC: `eth_getCode`, `getValidationData`, then one `eth_call` per
/// limit, window and paymaster the grant has (none when nothing is installed).
pub async fn read_session_state<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    g: &Granted,
) -> Result<SessionState> {
    let mut reads = ChainReads { deployed: !get_code(c, clock, g.account).await?.is_empty(), ..ChainReads::default() };
    if reads.deployed {
        let data = encode_get_validation_data(g.module, g.entity_id());
        reads.validation = Some(decode_validation_data(&eth_call(c, clock, g.account, data).await?)?);
    }
    if reads.validation.as_ref().is_some_and(ValidationView::is_installed) {
        for (read, to, data) in session_reads(g) {
            let out = eth_call(c, clock, to, data).await?;
            reads.record(read, &out)?;
        }
    }
    Ok(session_state(g, &reads))
}

/// What is left of the native and ERC-20 budgets (the ones the pre-check compares calls with),
/// read without asking whether the session is installed: the caller knows it is. Gas is not read.
pub async fn read_remaining<T: Transport>(c: &RpcClient<T>, clock: &impl Clock, g: &Granted) -> Result<Remaining> {
    let mut reads = ChainReads::default();
    for (read, to, data) in session_reads(g) {
        if matches!(read, Read::Native | Read::Erc20(_)) {
            let out = eth_call(c, clock, to, data).await?;
            reads.record(read, &out)?;
        }
    }
    Ok(Remaining { native: reads.native, gas: None, erc20: reads.erc20 })
}

/// The lowest entity id ≥ 1 that is neither in `used` (the store) nor known `installed` on chain.
/// [`find_free_entity_id`] asks the chain about this id next; once the chain says "free", it is
/// the answer.
pub fn next_entity_id(used: &[u32], installed: &[u32]) -> Result<u32> {
    allocate_entity_id(used.iter().chain(installed).copied(), None)
}

/// The lowest entity id free both in `used` and on chain: the SDK's walk (`getValidationData`
/// from id 1 up until nothing is installed), skipping ids the store already uses. An undeployed
/// account has nothing installed, so it makes no `eth_call`.
pub async fn find_free_entity_id<T: Transport>(
    c: &RpcClient<T>,
    clock: &impl Clock,
    account: Address,
    used: &[u32],
) -> Result<u32> {
    if get_code(c, clock, account).await?.is_empty() {
        return next_entity_id(used, &[]);
    }
    let mut installed = Vec::new();
    loop {
        let id = next_entity_id(used, &installed)?;
        // The SDK asks with a zero module address; the account keys by entity id only.
        let out = eth_call(c, clock, account, encode_get_validation_data(Address::ZERO, id)).await?;
        if !decode_validation_data(&out)?.is_installed() {
            return Ok(id);
        }
        installed.push(id);
        if installed.len() as u32 >= ENTITY_ID_SEARCH_LIMIT {
            return Err(Error::EntityIdSearchLimit { tried: ENTITY_ID_SEARCH_LIMIT });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, hex};
    use alloy_sol_types::SolValue;
    use std::cell::RefCell;
    use std::collections::{BTreeMap, VecDeque};

    #[test]
    fn selectors_are_the_sdk_abis() {
        let sel = |b: &Bytes| hex::encode(&b[..4]);
        let a = address!("1111111111111111111111111111111111111111");
        assert_eq!(sel(&encode_get_validation_data(a, 1)), "d31b575b");
        assert_eq!(sel(&encode_limits(1, a)), "e19500ba");
        assert_eq!(sel(&encode_erc20_spend_limits(1, a, a)), "b33b322c");
        assert_eq!(sel(&encode_time_ranges(1, a)), "cb81b9bc");
        assert_eq!(sel(&encode_paymasters(1, a)), "24795c26");
        assert_eq!(sel(&encode_signers(1, a)), "217178fb");
    }

    #[test]
    fn bad_results_are_errors_not_panics() {
        for out in [&[][..], &[0u8; 31][..], &[0x01u8; 5][..]] {
            assert_eq!(decode_validation_data(out).unwrap_err().code(), "BAD_RPC_RESPONSE");
            assert_eq!(decode_limits(out).unwrap_err().code(), "BAD_RPC_RESPONSE");
            assert_eq!(decode_erc20_spend_limits(out).unwrap_err().code(), "BAD_RPC_RESPONSE");
            assert_eq!(decode_time_ranges(out).unwrap_err().code(), "BAD_RPC_RESPONSE");
            assert_eq!(decode_paymasters(out).unwrap_err().code(), "BAD_RPC_RESPONSE");
            assert_eq!(decode_signers(out).unwrap_err().code(), "BAD_RPC_RESPONSE");
        }
        // Values wider than their type are refused, not truncated.
        assert!(decode_time_ranges(&(U256::MAX, U256::ZERO).abi_encode_params()).is_err());
        assert!(decode_paymasters(&U256::MAX.abi_encode()).is_err());
        // A huge length word in getValidationData's result.
        let mut v = view_result(&ValidationView::default());
        v[0x40..0x60].copy_from_slice(&[0xff; 32]);
        assert!(decode_validation_data(&v).is_err());
    }

    // ---- a scripted transport: answers eth_getCode / eth_call by (to, data) ----

    struct Chain {
        code: Bytes,
        calls: BTreeMap<(Address, Bytes), Bytes>,
        log: RefCell<Vec<String>>,
        script: RefCell<VecDeque<String>>,
    }

    impl Chain {
        fn new(deployed: bool) -> Self {
            let code = if deployed { Bytes::from_static(&[0x60, 0x00]) } else { Bytes::new() };
            Chain { code, calls: BTreeMap::new(), log: RefCell::default(), script: RefCell::default() }
        }
        fn answer(&mut self, to: Address, data: Bytes, out: Vec<u8>) {
            self.calls.insert((to, data), out.into());
        }
    }

    impl Transport for Chain {
        async fn post(&self, body: String) -> Result<String> {
            let req: serde_json::Value = serde_json::from_str(&body).unwrap();
            let id = req["id"].clone();
            let method = req["method"].as_str().unwrap().to_string();
            self.log.borrow_mut().push(method.clone());
            if let Some(raw) = self.script.borrow_mut().pop_front() {
                return Ok(raw.replace("$ID", &id.to_string()));
            }
            let result = match method.as_str() {
                "eth_getCode" => serde_json::to_value(&self.code).unwrap(),
                "eth_call" => {
                    let to: Address = serde_json::from_value(req["params"][0]["to"].clone()).unwrap();
                    let data: Bytes = serde_json::from_value(req["params"][0]["data"].clone()).unwrap();
                    match self.calls.get(&(to, data)) {
                        Some(out) => serde_json::to_value(out).unwrap(),
                        // Unknown storage reads as zero, as on chain.
                        None => serde_json::to_value(Bytes::from(vec![0u8; 32])).unwrap(),
                    }
                }
                m => panic!("unexpected {m}"),
            };
            Ok(serde_json::json!({ "jsonrpc": "2.0", "id": id, "result": result }).to_string())
        }
        fn url(&self) -> &str {
            "scripted://chain"
        }
    }

    struct NoClock;
    impl Clock for NoClock {
        fn now_ms(&self) -> u64 {
            0
        }
        async fn sleep(&self, _ms: u64) {}
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("future waited"),
        }
    }

    const ACCOUNT: Address = address!("65b5c38e0c1e5e1aF2C4B3a3E27Aa4E1B9e84D96");
    const KEY: Address = address!("2222222222222222222222222222222222222222");
    const TOKEN: Address = address!("3333333333333333333333333333333333333333");
    const TARGET: Address = address!("4444444444444444444444444444444444444444");
    const PAYMASTER: Address = address!("5555555555555555555555555555555555555555");

    fn granted() -> Granted {
        let req = SessionInstallRequest::from_json(&serde_json::json!({
            "chainId": 1, "account": crate::json::address(&ACCOUNT), "sessionKey": crate::json::address(&KEY), "entityId": 7,
            "permissions": [
                { "type": "native-token-transfer", "data": { "allowance": "0x1000" } },
                { "type": "gas-limit", "data": { "limit": "0x2000" } },
                { "type": "erc20-token-transfer", "data": { "address": crate::json::address(&TOKEN), "allowance": "0x3000" } },
                { "type": "contract-access", "data": { "address": crate::json::address(&TARGET) } }
            ],
            "expiresAt": 2_000_000_000u64, "validAfter": 1_000u64, "paymaster": crate::json::address(&PAYMASTER)
        }), "grant")
        .unwrap();
        Granted::from_install_request(&req).unwrap()
    }

    fn installed_view(g: &Granted) -> ValidationView {
        let hooks = |v: bool| {
            g.hooks.iter().filter(|h| h.config.is_validation_hook() == v).map(|h| h.config.encode()).collect()
        };
        ValidationView {
            flags: g.permissions.validation_flags(),
            validation_hooks: hooks(true),
            execution_hooks: hooks(false),
            selectors: g.permissions.selectors.clone(),
        }
    }

    fn view_result(v: &ValidationView) -> Vec<u8> {
        let d = ValidationDataView {
            validationFlags: v.flags,
            validationHooks: v.validation_hooks.clone(),
            executionHooks: v.execution_hooks.clone(),
            selectors: v.selectors.clone(),
        };
        IAccountView::getValidationDataCall::abi_encode_returns(&d)
    }

    fn chain_with_session(g: &Granted) -> Chain {
        let mut chain = Chain::new(true);
        let (e, h) = (g.entity_id(), g.hook_entity_id());
        chain.answer(
            ACCOUNT,
            encode_get_validation_data(SINGLE_SIGNER_VALIDATION_MODULE, e),
            view_result(&installed_view(g)),
        );
        chain.answer(SINGLE_SIGNER_VALIDATION_MODULE, encode_signers(e, ACCOUNT), KEY.abi_encode());
        chain.answer(NATIVE_TOKEN_LIMIT_MODULE, encode_limits(e, ACCOUNT), U256::from(0x800).abi_encode());
        chain.answer(NATIVE_TOKEN_LIMIT_MODULE, encode_limits(h, ACCOUNT), U256::from(0x1234).abi_encode());
        chain.answer(ALLOWLIST_MODULE, encode_erc20_spend_limits(h, TOKEN, ACCOUNT), U256::from(5).abi_encode());
        chain.answer(
            TIME_RANGE_MODULE,
            encode_time_ranges(e, ACCOUNT),
            (U256::from(2_000_000_000u64), U256::from(1_000)).abi_encode_params(),
        );
        chain.answer(PAYMASTER_GUARD_MODULE, encode_paymasters(e, ACCOUNT), PAYMASTER.abi_encode());
        chain
    }

    #[test]
    fn reads_an_installed_session_and_what_is_left() {
        let g = granted();
        assert_eq!(g.hook_entity_id(), 7 + HOOK_ENTITY_OFFSET);
        let chain = chain_with_session(&g);
        let c = RpcClient::new(&chain);
        let s = block_on(read_session_state(&c, &NoClock, &g)).unwrap();
        assert!(s.installed && s.matches_grant, "{s:?}");
        assert_eq!(s.remaining.native, Some(U256::from(0x800)));
        assert_eq!(s.remaining.gas, Some(U256::from(0x1234)));
        assert_eq!(s.remaining.erc20, [(TOKEN, U256::from(5))]);
        assert_eq!((s.valid_until, s.valid_after), (Some(2_000_000_000), Some(1_000)));
        assert_eq!(s.paymaster, Some(PAYMASTER));
        // getCode, getValidationData, signer, native, gas, one token, time range, paymaster.
        assert_eq!(chain.log.borrow().len(), 8);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["matchesGrant"], true);
        assert_eq!(json["remaining"]["native"], "0x800");
    }

    #[test]
    fn undeployed_or_uninstalled_is_not_installed_without_error() {
        let g = granted();
        let chain = Chain::new(false);
        let s = block_on(read_session_state(&RpcClient::new(&chain), &NoClock, &g)).unwrap();
        assert!(!s.installed && !s.matches_grant);
        assert_eq!(*chain.log.borrow(), ["eth_getCode"]);

        // Deployed, nothing at the entity id (storage reads as zeros: an empty view).
        let mut chain = Chain::new(true);
        chain.answer(
            ACCOUNT,
            encode_get_validation_data(SINGLE_SIGNER_VALIDATION_MODULE, 7),
            view_result(&ValidationView::default()),
        );
        let s = block_on(read_session_state(&RpcClient::new(&chain), &NoClock, &g)).unwrap();
        assert!(!s.installed);
        assert_eq!(s.remaining, Remaining::default());
        assert_eq!(chain.log.borrow().len(), 2, "no module reads after 'not installed'");
    }

    #[test]
    fn a_different_install_at_the_same_id_does_not_match() {
        let g = granted();
        let mut chain = chain_with_session(&g);
        chain.answer(SINGLE_SIGNER_VALIDATION_MODULE, encode_signers(7, ACCOUNT), TARGET.abi_encode());
        let mut v = installed_view(&g);
        v.flags = 0x05;
        v.execution_hooks.pop();
        chain.answer(ACCOUNT, encode_get_validation_data(SINGLE_SIGNER_VALIDATION_MODULE, 7), view_result(&v));
        let s = block_on(read_session_state(&RpcClient::new(&chain), &NoClock, &g)).unwrap();
        assert!(s.installed && !s.matches_grant);
        assert_eq!(s.mismatches, ["flags", "executionHooks", "signer"]);

        // Same hooks and selectors in another order still match.
        let mut v = installed_view(&g);
        v.validation_hooks.reverse();
        v.selectors.reverse();
        let r = ChainReads { deployed: true, validation: Some(v), signer: Some(KEY), ..ChainReads::default() };
        assert!(session_state(&g, &r).matches_grant);
    }

    #[test]
    fn rpc_errors_and_bad_answers_surface() {
        let g = granted();
        let chain = chain_with_session(&g);
        chain.script.borrow_mut().push_back(r#"{"jsonrpc":"2.0","id":$ID,"result":"0x6000"}"#.into());
        chain.script.borrow_mut().push_back(r#"{"jsonrpc":"2.0","id":$ID,"result":"0x1234"}"#.into());
        let e = block_on(read_session_state(&RpcClient::new(&chain), &NoClock, &g)).unwrap_err();
        assert_eq!(e.code(), "BAD_RPC_RESPONSE");

        let chain = chain_with_session(&g);
        chain
            .script
            .borrow_mut()
            .push_back(r#"{"jsonrpc":"2.0","id":$ID,"error":{"code":-32000,"message":"header not found"}}"#.into());
        let e = block_on(read_session_state(&RpcClient::new(&chain), &NoClock, &g)).unwrap_err();
        assert_eq!(e.code(), "RPC_ERROR");
    }

    #[test]
    fn entity_ids_skip_the_store_and_the_chain() {
        assert_eq!(next_entity_id(&[], &[]).unwrap(), 1);
        assert_eq!(next_entity_id(&[1, 3], &[2]).unwrap(), 4);
        assert_eq!(next_entity_id(&[2], &[1, 3]).unwrap(), 4);

        // Chain: 1 and 2 installed (by another device), 4 has leftover hooks only. Store: 3.
        let mut chain = Chain::new(true);
        let taken = ValidationView { flags: 1, ..ValidationView::default() };
        let hooks_only = ValidationView { validation_hooks: vec![FixedBytes([1; 25])], ..ValidationView::default() };
        chain.answer(ACCOUNT, encode_get_validation_data(Address::ZERO, 1), view_result(&taken));
        chain.answer(ACCOUNT, encode_get_validation_data(Address::ZERO, 2), view_result(&taken));
        chain.answer(ACCOUNT, encode_get_validation_data(Address::ZERO, 4), view_result(&hooks_only));
        chain.answer(ACCOUNT, encode_get_validation_data(Address::ZERO, 5), view_result(&ValidationView::default()));
        let id = block_on(find_free_entity_id(&RpcClient::new(&chain), &NoClock, ACCOUNT, &[3])).unwrap();
        assert_eq!(id, 5);
        assert_eq!(chain.log.borrow().len(), 1 + 4, "ids 1, 2, 4, 5 asked; 3 skipped");

        // Undeployed: the store alone decides.
        let chain = Chain::new(false);
        assert_eq!(block_on(find_free_entity_id(&RpcClient::new(&chain), &NoClock, ACCOUNT, &[1, 2])).unwrap(), 3);

        // A node that says "installed" to every id stops the walk.
        let mut chain = Chain::new(true);
        for id in 1..=ENTITY_ID_SEARCH_LIMIT + 1 {
            chain.answer(ACCOUNT, encode_get_validation_data(Address::ZERO, id), view_result(&taken));
        }
        let e = block_on(find_free_entity_id(&RpcClient::new(&chain), &NoClock, ACCOUNT, &[])).unwrap_err();
        assert_eq!(e.code(), "ENTITY_ID_SEARCH_LIMIT");
    }
}
