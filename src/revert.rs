//! Revert data decoded into what happened, with a stable code.
//!
//! When a session crosses a limit over several operations, the chain refuses at estimation and the
//! bundler answers `AA23 reverted` with nested revert bytes: the EntryPoint's `FailedOpWithRevert`
//! around MAv2's `PreUserOpValidationHookReverted(moduleEntity, reason)` around the module's own
//! error (`ExceededNativeTokenLimit()`, …). [`decode`] walks the wrappers and reports the innermost
//! error it knows, the module and entity id from the nearest wrapper, the EntryPoint's reason,
//! and the raw bytes of anything it does not know.
//!
//! Errors and selectors come from the ABIs Alchemy's SDK ships (`modularAccountAbi`,
//! `semiModularAccountBytecodeAbi`, the module ABIs), viem's `entryPoint07Abi`, and, for the
//! `ExecutionLib` wrappers the SDK's ABIs leave out, MAv2's `ExecutionLib.sol`; checked against viem
//! by `tests/conformance_onchain.rs`.
//!
//! Codes end in `_ON_CHAIN` (the local pre-check's codes do not), except a bare EntryPoint
//! `FailedOp`, which keeps the `BUNDLER_AAxx` code the RPC layer gives the same reason.

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{sol, SolError};
use serde::Serialize;

use crate::addresses::{
    ALLOWLIST_MODULE, NATIVE_TOKEN_LIMIT_MODULE, PAYMASTER_GUARD_MODULE, SINGLE_SIGNER_VALIDATION_MODULE,
    TIME_RANGE_MODULE,
};
use crate::error::{Error, ErrorCode};
use crate::permissions::HOOK_ENTITY_OFFSET;
use crate::rpc::{find_aa_reason, AA_CODES};

sol! {
    /// EntryPoint v0.7 (viem `entryPoint07Abi`).
    interface IEntryPointErrors {
        error FailedOp(uint256 opIndex, string reason);
        error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);
        error PostOpReverted(bytes returnData);
        error SignatureValidationFailed(address aggregator);
    }

    /// MAv2 `ExecutionLib`: a module call that reverted, with the module's own revert data.
    interface IExecutionLibErrors {
        error PostExecHookReverted(bytes24 moduleFunction, bytes revertReason);
        error PreExecHookReverted(bytes24 moduleFunction, bytes revertReason);
        error PreRuntimeValidationHookReverted(bytes24 moduleFunction, bytes revertReason);
        error PreSignatureValidationHookReverted(bytes24 moduleFunction, bytes revertReason);
        error PreUserOpValidationHookReverted(bytes24 moduleFunction, bytes revertReason);
        error RuntimeValidationFunctionReverted(bytes24 moduleFunction, bytes revertReason);
        error SignatureValidationFunctionReverted(bytes24 moduleFunction, bytes revertReason);
        error UserOpValidationFunctionReverted(bytes24 moduleFunction, bytes revertReason);
    }

    /// The account (`modularAccountAbi`, plus the SMA's in `semiModularAccountBytecodeAbi`).
    interface IAccountErrors {
        error ArrayLengthMismatch();
        error CreateFailed();
        error DeferredActionSignatureInvalid();
        error DeferredValidationHasValidationHooks();
        error ExecutionHookAlreadySet(bytes25 hookConfig);
        error InterfaceNotSupported(address module);
        error InvalidInitialization();
        error ModuleInstallCallbackFailed(address module, bytes revertReason);
        error NonCanonicalEncoding();
        error NotEntryPoint();
        error PreValidationHookDuplicate();
        error RequireUserOperationContext();
        error SegmentOutOfOrder();
        error SelfCallRecursionDepthExceeded();
        error SignatureValidationInvalid(bytes24 validationFunction);
        error UnauthorizedCallContext();
        error UnexpectedAggregator(bytes24 validationFunction, address aggregator);
        error UnrecognizedFunction(bytes4 selector);
        error UpgradeFailed();
        error UserOpValidationInvalid(bytes24 validationFunction);
        error ValidationAlreadySet(bytes4 selector, bytes24 validationFunction);
        error ValidationAssocHookLimitExceeded();
        error ValidationEntityIdInUse();
        error ValidationFunctionMissing(bytes4 selector);
        error ValidationSignatureSegmentMissing();
        error FallbackSignerDisabled();
        error FallbackSignerMismatch();
        error FallbackValidationInstallationNotAllowed();
        error InvalidSignatureType();
    }

    /// The modules (`allowlistModuleAbi`, `nativeTokenLimitModuleAbi`, `paymasterGuardModuleAbi`,
    /// `timeRangeModuleAbi`, `singleSignerValidationModuleAbi`).
    interface IModuleErrors {
        error AddressNotAllowed();
        error ERC20NotAllowed(address token);
        error ExceededTokenLimit();
        error InvalidCalldataLength();
        error NoSelectorSpecified();
        error NotImplemented();
        error SelectorNotAllowed();
        error SpendingRequestNotAllowed(bytes4 selector);
        error UnexpectedDataPassed();
        error ExceededNativeTokenLimit();
        error InvalidPaymaster();
        error BadPaymasterSpecified();
        error TimeRangeNotValid();
        error NotAuthorized();
    }

    /// Solidity's built-in reverts.
    interface IBuiltinErrors {
        error Error(string reason);
        error Panic(uint256 code);
    }
}

use IAccountErrors as A;
use IBuiltinErrors as S;
use IEntryPointErrors as EP;
use IExecutionLibErrors as X;
use IModuleErrors as M;

/// The arguments of a known error, by ABI shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unit,
    Bytes4(&'static str),
    Bytes24(&'static str),
    Bytes25(&'static str),
    Address(&'static str),
    Bytes4Bytes24,
    Bytes24Address,
    /// `(address module, bytes revertReason)`: wraps the module's revert.
    AddressWrap,
    /// `(bytes24 moduleFunction, bytes revertReason)`: an `ExecutionLib` wrapper.
    EntityWrap,
    FailedOp,
    FailedOpWithRevert,
    /// `(bytes returnData)`: wraps the paymaster's revert.
    BytesWrap,
    Reason,
    Panic,
}

/// One known error: from its `sol!` declaration, with its shape and code (a wrapper's code applies
/// only when what it wraps is not known).
struct Row {
    selector: [u8; 4],
    signature: &'static str,
    shape: Shape,
    code: &'static str,
}

const fn row<E: SolError>(shape: Shape, code: &'static str) -> Row {
    Row { selector: E::SELECTOR, signature: E::SIGNATURE, shape, code }
}

impl Row {
    fn name(&self) -> &'static str {
        self.signature.split('(').next().unwrap_or(self.signature)
    }
}

const KNOWN: &[Row] = &[
    row::<EP::FailedOp>(Shape::FailedOp, "ENTRY_POINT_FAILED_OP_ON_CHAIN"),
    row::<EP::FailedOpWithRevert>(Shape::FailedOpWithRevert, "ENTRY_POINT_FAILED_OP_ON_CHAIN"),
    row::<EP::PostOpReverted>(Shape::BytesWrap, "PAYMASTER_POST_OP_REVERTED_ON_CHAIN"),
    row::<EP::SignatureValidationFailed>(Shape::Address("aggregator"), "AGGREGATOR_SIGNATURE_INVALID_ON_CHAIN"),
    row::<X::PostExecHookReverted>(Shape::EntityWrap, "POST_EXEC_HOOK_REVERTED_ON_CHAIN"),
    row::<X::PreExecHookReverted>(Shape::EntityWrap, "PRE_EXEC_HOOK_REVERTED_ON_CHAIN"),
    row::<X::PreRuntimeValidationHookReverted>(Shape::EntityWrap, "PRE_RUNTIME_VALIDATION_HOOK_REVERTED_ON_CHAIN"),
    row::<X::PreSignatureValidationHookReverted>(Shape::EntityWrap, "PRE_SIGNATURE_VALIDATION_HOOK_REVERTED_ON_CHAIN"),
    row::<X::PreUserOpValidationHookReverted>(Shape::EntityWrap, "PRE_USER_OP_VALIDATION_HOOK_REVERTED_ON_CHAIN"),
    row::<X::RuntimeValidationFunctionReverted>(Shape::EntityWrap, "RUNTIME_VALIDATION_REVERTED_ON_CHAIN"),
    row::<X::SignatureValidationFunctionReverted>(Shape::EntityWrap, "SIGNATURE_VALIDATION_REVERTED_ON_CHAIN"),
    row::<X::UserOpValidationFunctionReverted>(Shape::EntityWrap, "USER_OP_VALIDATION_REVERTED_ON_CHAIN"),
    row::<A::ArrayLengthMismatch>(Shape::Unit, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::CreateFailed>(Shape::Unit, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::DeferredActionSignatureInvalid>(Shape::Unit, "DEFERRED_ACTION_SIGNATURE_INVALID_ON_CHAIN"),
    row::<A::DeferredValidationHasValidationHooks>(Shape::Unit, "DEFERRED_VALIDATION_HAS_HOOKS_ON_CHAIN"),
    row::<A::ExecutionHookAlreadySet>(Shape::Bytes25("hookConfig"), "HOOK_ALREADY_SET_ON_CHAIN"),
    row::<A::InterfaceNotSupported>(Shape::Address("module"), "MODULE_INTERFACE_NOT_SUPPORTED_ON_CHAIN"),
    row::<A::InvalidInitialization>(Shape::Unit, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::ModuleInstallCallbackFailed>(Shape::AddressWrap, "MODULE_INSTALL_FAILED_ON_CHAIN"),
    row::<A::NonCanonicalEncoding>(Shape::Unit, "SIGNATURE_ENCODING_INVALID_ON_CHAIN"),
    row::<A::NotEntryPoint>(Shape::Unit, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::PreValidationHookDuplicate>(Shape::Unit, "HOOK_ALREADY_SET_ON_CHAIN"),
    row::<A::RequireUserOperationContext>(Shape::Unit, "EXECUTE_USER_OP_REQUIRED_ON_CHAIN"),
    row::<A::SegmentOutOfOrder>(Shape::Unit, "SIGNATURE_ENCODING_INVALID_ON_CHAIN"),
    row::<A::SelfCallRecursionDepthExceeded>(Shape::Unit, "SELF_CALL_NOT_ALLOWED_ON_CHAIN"),
    row::<A::SignatureValidationInvalid>(Shape::Bytes24("validationFunction"), "SIGNATURE_VALIDATION_INVALID_ON_CHAIN"),
    row::<A::UnauthorizedCallContext>(Shape::Unit, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::UnexpectedAggregator>(Shape::Bytes24Address, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::UnrecognizedFunction>(Shape::Bytes4("selector"), "UNRECOGNIZED_FUNCTION_ON_CHAIN"),
    row::<A::UpgradeFailed>(Shape::Unit, "ACCOUNT_REVERTED_ON_CHAIN"),
    row::<A::UserOpValidationInvalid>(Shape::Bytes24("validationFunction"), "USER_OP_VALIDATION_INVALID_ON_CHAIN"),
    row::<A::ValidationAlreadySet>(Shape::Bytes4Bytes24, "VALIDATION_ALREADY_SET_ON_CHAIN"),
    row::<A::ValidationAssocHookLimitExceeded>(Shape::Unit, "HOOK_LIMIT_EXCEEDED_ON_CHAIN"),
    row::<A::ValidationEntityIdInUse>(Shape::Unit, "ENTITY_ID_IN_USE_ON_CHAIN"),
    row::<A::ValidationFunctionMissing>(Shape::Bytes4("selector"), "SESSION_VALIDATION_MISSING_ON_CHAIN"),
    row::<A::ValidationSignatureSegmentMissing>(Shape::Unit, "SIGNATURE_ENCODING_INVALID_ON_CHAIN"),
    row::<A::FallbackSignerDisabled>(Shape::Unit, "OWNER_SIGNER_INVALID_ON_CHAIN"),
    row::<A::FallbackSignerMismatch>(Shape::Unit, "OWNER_SIGNER_INVALID_ON_CHAIN"),
    row::<A::FallbackValidationInstallationNotAllowed>(Shape::Unit, "ENTITY_ID_IN_USE_ON_CHAIN"),
    row::<A::InvalidSignatureType>(Shape::Unit, "SIGNATURE_ENCODING_INVALID_ON_CHAIN"),
    row::<M::AddressNotAllowed>(Shape::Unit, "SESSION_TARGET_NOT_ALLOWED_ON_CHAIN"),
    row::<M::ERC20NotAllowed>(Shape::Address("token"), "SESSION_ERC20_NOT_ALLOWED_ON_CHAIN"),
    row::<M::ExceededTokenLimit>(Shape::Unit, "SESSION_ERC20_LIMIT_EXCEEDED_ON_CHAIN"),
    row::<M::InvalidCalldataLength>(Shape::Unit, "SESSION_ERC20_CALL_INVALID_ON_CHAIN"),
    row::<M::NoSelectorSpecified>(Shape::Unit, "SESSION_SELECTOR_NOT_ALLOWED_ON_CHAIN"),
    row::<M::NotImplemented>(Shape::Unit, "MODULE_NOT_IMPLEMENTED_ON_CHAIN"),
    row::<M::SelectorNotAllowed>(Shape::Unit, "SESSION_SELECTOR_NOT_ALLOWED_ON_CHAIN"),
    row::<M::SpendingRequestNotAllowed>(Shape::Bytes4("selector"), "SESSION_ERC20_CALL_INVALID_ON_CHAIN"),
    row::<M::UnexpectedDataPassed>(Shape::Unit, "SIGNATURE_ENCODING_INVALID_ON_CHAIN"),
    row::<M::ExceededNativeTokenLimit>(Shape::Unit, "SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN"),
    row::<M::InvalidPaymaster>(Shape::Unit, "SESSION_PAYMASTER_NOT_ALLOWED_ON_CHAIN"),
    row::<M::BadPaymasterSpecified>(Shape::Unit, "SESSION_PAYMASTER_NOT_ALLOWED_ON_CHAIN"),
    row::<M::TimeRangeNotValid>(Shape::Unit, "SESSION_OUTSIDE_TIME_RANGE_ON_CHAIN"),
    row::<M::NotAuthorized>(Shape::Unit, "SESSION_SIGNER_NOT_AUTHORIZED_ON_CHAIN"),
    row::<S::Error>(Shape::Reason, "REVERT_REASON_ON_CHAIN"),
    row::<S::Panic>(Shape::Panic, "PANIC_ON_CHAIN"),
];

/// Code of a gas budget crossed: `ExceededNativeTokenLimit` from the NativeTokenLimitModule
/// installed as a validation hook (the `gas-limit` permission).
pub const GAS_LIMIT_EXCEEDED: &str = "SESSION_GAS_LIMIT_EXCEEDED_ON_CHAIN";
/// Code of revert data that matches no known error.
pub const UNKNOWN: &str = "UNKNOWN_REVERT_ON_CHAIN";
/// AA22 with the chain's time past the session's `validUntil`.
pub const EXPIRED: &str = "SESSION_EXPIRED_ON_CHAIN";
/// AA22 with the chain's time before the session's `validAfter`.
pub const NOT_YET_VALID: &str = "SESSION_NOT_YET_VALID_ON_CHAIN";

/// Every code [`decode`] and [`aa22_code`] can give (besides the `BUNDLER_AAxx` codes of
/// [`crate::rpc::AA_CODES`]), for the README's table.
pub fn codes() -> Vec<&'static str> {
    let mut v: Vec<&str> =
        KNOWN.iter().map(|k| k.code).chain([GAS_LIMIT_EXCEEDED, UNKNOWN, EXPIRED, NOT_YET_VALID]).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// One decoded argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arg {
    /// The ABI's parameter name.
    pub name: &'static str,
    /// Numbers in decimal, addresses checksummed, bytes as `0x` hex, strings as they are.
    pub value: String,
}

/// What a revert says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedRevert {
    /// Stable code of the innermost error known (a wrapper's code when what it wraps is unknown).
    pub code: &'static str,
    /// Solidity name of the error the code comes from.
    pub error: &'static str,
    /// Names of every error decoded, outermost first.
    pub path: Vec<&'static str>,
    /// The module of the nearest wrapper that names one.
    pub module: Option<Address>,
    /// Its name, when it is one of Alchemy's deployed modules.
    pub module_name: Option<&'static str>,
    /// The entity id of that wrapper (a hook's id: `E + 0x7FFFFFFF` for ERC-20 and gas limits).
    pub entity_id: Option<u32>,
    /// The session's validation entity id that hook belongs to.
    pub session_entity_id: Option<u32>,
    /// The EntryPoint's reason (`"AA23 reverted"`), when a `FailedOp` is among the errors.
    pub reason: Option<String>,
    /// Its `AAxx` code.
    pub aa: Option<String>,
    /// The arguments of `error`.
    pub args: Vec<Arg>,
    /// The innermost bytes that matched no known error.
    pub raw: Option<Bytes>,
}

/// The Alchemy module at `a`, by name.
pub fn module_name(a: Address) -> Option<&'static str> {
    [
        (ALLOWLIST_MODULE, "AllowlistModule"),
        (NATIVE_TOKEN_LIMIT_MODULE, "NativeTokenLimitModule"),
        (PAYMASTER_GUARD_MODULE, "PaymasterGuardModule"),
        (TIME_RANGE_MODULE, "TimeRangeModule"),
        (SINGLE_SIGNER_VALIDATION_MODULE, "SingleSignerValidationModule"),
    ]
    .into_iter()
    .find_map(|(m, n)| (m == a).then_some(n))
}

/// Nesting depth followed; deeper data is reported raw.
const MAX_DEPTH: usize = 8;

/// One decoded level: its table row, its arguments, and what it wraps.
struct Level {
    name: &'static str,
    code: &'static str,
    shape: Shape,
    args: Vec<Arg>,
    module_entity: Option<(Address, Option<u32>)>,
    reason: Option<String>,
    inner: Option<Bytes>,
}

fn arg(name: &'static str, value: String) -> Arg {
    Arg { name, value }
}

fn hex(b: impl AsRef<[u8]>) -> String {
    crate::json::hex(b)
}

fn split_entity(me: &FixedBytes<24>) -> (Address, u32) {
    let mut id = [0u8; 4];
    id.copy_from_slice(&me[20..]);
    (Address::from_slice(&me[..20]), u32::from_be_bytes(id))
}

/// The parameters of an error, read word by word: only the static words and the `bytes` /
/// `string` tails these errors have, canonical encodings only (the length must be exactly what
/// the encoder writes). Written out rather than through `SolType`, whose decode-and-reencode
/// check costs the wasm several times this.
struct Params<'a> {
    body: &'a [u8],
    /// Where the next tail must start (canonical order).
    end: usize,
}

impl<'a> Params<'a> {
    fn new(body: &'a [u8], words: usize) -> Self {
        Params { body, end: words * 32 }
    }
    fn word(&self, i: usize) -> Option<&'a [u8]> {
        self.body.get(i * 32..i * 32 + 32)
    }
    /// `bytesN`: left-aligned, zero padded.
    fn fixed<const N: usize>(&self, i: usize) -> Option<FixedBytes<N>> {
        let w = self.word(i)?;
        w[N..].iter().all(|b| *b == 0).then(|| FixedBytes::from_slice(&w[..N]))
    }
    fn address(&self, i: usize) -> Option<Address> {
        let w = self.word(i)?;
        w[..12].iter().all(|b| *b == 0).then(|| Address::from_slice(&w[12..]))
    }
    fn uint(&self, i: usize) -> Option<U256> {
        Some(U256::from_be_slice(self.word(i)?))
    }
    /// The `bytes` whose offset is word `i`; tails must follow one another without gaps.
    fn bytes(&mut self, i: usize) -> Option<&'a [u8]> {
        let off: usize = self.uint(i)?.try_into().ok()?;
        let len: usize = self.uint_at(off)?.try_into().ok()?;
        let start = off.checked_add(32)?;
        let data = self.body.get(start..start.checked_add(len)?)?;
        let padded = len.div_ceil(32) * 32;
        let pad = self.body.get(start + len..start.checked_add(padded)?)?;
        if off != self.end || pad.iter().any(|b| *b != 0) {
            return None;
        }
        self.end = start + padded;
        Some(data)
    }
    fn uint_at(&self, off: usize) -> Option<U256> {
        Some(U256::from_be_slice(self.body.get(off..off.checked_add(32)?)?))
    }
    /// Everything was read: nothing left over.
    fn done(&self) -> Option<()> {
        (self.body.len() == self.end).then_some(())
    }
}

fn level(data: &[u8]) -> Option<Level> {
    let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let row = KNOWN.iter().find(|k| k.selector == sel)?;
    let (name, shape, code) = (row.name(), row.shape, row.code);
    let body = &data[4..];
    let mut l = Level { name, code, shape, args: Vec::new(), module_entity: None, reason: None, inner: None };
    let words = match shape {
        Shape::Unit => 0,
        Shape::Bytes4(_)
        | Shape::Bytes24(_)
        | Shape::Bytes25(_)
        | Shape::Address(_)
        | Shape::BytesWrap
        | Shape::Reason
        | Shape::Panic => 1,
        Shape::Bytes4Bytes24 | Shape::Bytes24Address | Shape::AddressWrap | Shape::EntityWrap | Shape::FailedOp => 2,
        Shape::FailedOpWithRevert => 3,
    };
    let mut p = Params::new(body, words);
    match shape {
        Shape::Unit => {}
        Shape::Bytes4(n) => l.args.push(arg(n, hex(p.fixed::<4>(0)?))),
        Shape::Bytes25(n) => l.args.push(arg(n, hex(p.fixed::<25>(0)?))),
        Shape::Address(n) => l.args.push(arg(n, p.address(0)?.to_checksum(None))),
        Shape::Bytes24(n) => {
            let me = p.fixed::<24>(0)?;
            let (m, e) = split_entity(&me);
            l.module_entity = Some((m, Some(e)));
            l.args.push(arg(n, hex(me)));
        }
        Shape::Bytes4Bytes24 => {
            let (s, me) = (p.fixed::<4>(0)?, p.fixed::<24>(1)?);
            let (m, e) = split_entity(&me);
            l.module_entity = Some((m, Some(e)));
            l.args.extend([arg("selector", hex(s)), arg("validationFunction", hex(me))]);
        }
        Shape::Bytes24Address => {
            let (me, a) = (p.fixed::<24>(0)?, p.address(1)?);
            let (m, e) = split_entity(&me);
            l.module_entity = Some((m, Some(e)));
            l.args.extend([arg("validationFunction", hex(me)), arg("aggregator", a.to_checksum(None))]);
        }
        Shape::AddressWrap => {
            let (m, inner) = (p.address(0)?, p.bytes(1)?);
            l.module_entity = Some((m, None));
            l.args.extend([arg("module", m.to_checksum(None)), arg("revertReason", hex(inner))]);
            l.inner = Some(Bytes::copy_from_slice(inner));
        }
        Shape::EntityWrap => {
            let (me, inner) = (p.fixed::<24>(0)?, p.bytes(1)?);
            let (m, e) = split_entity(&me);
            l.module_entity = Some((m, Some(e)));
            l.args.extend([arg("moduleFunction", hex(me)), arg("revertReason", hex(inner))]);
            l.inner = Some(Bytes::copy_from_slice(inner));
        }
        Shape::FailedOp => {
            let i = p.uint(0)?;
            let r = std::str::from_utf8(p.bytes(1)?).ok()?.to_string();
            l.args.extend([arg("opIndex", crate::text::decimal(&i)), arg("reason", r.clone())]);
            l.reason = Some(r);
        }
        Shape::FailedOpWithRevert => {
            let i = p.uint(0)?;
            let r = std::str::from_utf8(p.bytes(1)?).ok()?.to_string();
            let inner = p.bytes(2)?;
            l.args.extend([
                arg("opIndex", crate::text::decimal(&i)),
                arg("reason", r.clone()),
                arg("inner", hex(inner)),
            ]);
            l.reason = Some(r);
            l.inner = Some(Bytes::copy_from_slice(inner));
        }
        Shape::BytesWrap => {
            let inner = p.bytes(0)?;
            l.args.push(arg("returnData", hex(inner)));
            l.inner = Some(Bytes::copy_from_slice(inner));
        }
        Shape::Reason => l.args.push(arg("reason", std::str::from_utf8(p.bytes(0)?).ok()?.to_string())),
        Shape::Panic => l.args.push(arg("code", crate::text::decimal(&p.uint(0)?))),
    }
    p.done()?;
    Some(l)
}

fn aa_code(aa: &str) -> &'static str {
    AA_CODES.iter().find(|(r, _)| *r == aa).map_or("BUNDLER_AA_OTHER", |(_, c)| c.as_str())
}

/// Decode revert data through its wrappers. `None` for data too short to hold a selector.
pub fn decode(data: &[u8]) -> Option<DecodedRevert> {
    if data.len() < 4 {
        return None;
    }
    let mut levels: Vec<Level> = Vec::new();
    let mut raw: Option<Bytes> = None;
    let mut next = Bytes::copy_from_slice(data);
    loop {
        if levels.len() == MAX_DEPTH {
            raw = Some(next);
            break;
        }
        match level(&next) {
            Some(mut l) => {
                let inner = l.inner.take();
                levels.push(l);
                match inner {
                    // Empty wrapped data: the wrapper is the most that is known.
                    Some(i) if !i.is_empty() => next = i,
                    _ => break,
                }
            }
            None => {
                raw = Some(next);
                break;
            }
        }
    }
    let reason = levels.iter().find_map(|l| l.reason.clone());
    let aa = reason.as_deref().and_then(find_aa_reason).map(str::to_string);
    let Some(last) = levels.last() else {
        return Some(DecodedRevert {
            code: UNKNOWN,
            error: "",
            path: Vec::new(),
            module: None,
            module_name: None,
            entity_id: None,
            session_entity_id: None,
            reason,
            aa,
            args: Vec::new(),
            raw,
        });
    };
    let (module, entity_id) =
        levels.iter().rev().find_map(|l| l.module_entity).map_or((None, None), |(m, e)| (Some(m), e));
    let mut code = last.code;
    if matches!(last.shape, Shape::FailedOp | Shape::FailedOpWithRevert) {
        code = aa.as_deref().map_or(last.code, aa_code);
    }
    // NativeTokenLimitModule counts gas as a validation hook (at E + 0x7FFFFFFF) and value as an
    // execution hook (at E): the same error names either budget.
    if last.name == "ExceededNativeTokenLimit" {
        let as_validation_hook = levels.iter().any(|l| l.name == "PreUserOpValidationHookReverted");
        if as_validation_hook || entity_id.is_some_and(|e| e >= HOOK_ENTITY_OFFSET) {
            code = GAS_LIMIT_EXCEEDED;
        }
    }
    let session_entity_id = module.filter(|m| module_name(*m).is_some()).and(entity_id).map(|e| {
        if e >= HOOK_ENTITY_OFFSET && e != u32::MAX {
            e - HOOK_ENTITY_OFFSET
        } else {
            e
        }
    });
    Some(DecodedRevert {
        code,
        error: last.name,
        path: levels.iter().map(|l| l.name).collect(),
        module,
        module_name: module.and_then(module_name),
        entity_id,
        session_entity_id,
        reason,
        aa,
        args: last.args.clone(),
        raw,
    })
}

/// Revert data inside a bundler's or node's error text (its `message` or its `data` as JSON):
/// the first `0x` hex run shaped like ABI error data (a selector and whole 32-byte words) that
/// decodes to a known error; else the first such run, reported as unknown.
pub fn find_in_text(text: &str) -> Option<DecodedRevert> {
    let b = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'0' && (b[i + 1] == b'x' || b[i + 1] == b'X') && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i + 2;
            let end = start + b[start..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            let digits = end - start;
            if digits >= 8 && digits % 2 == 0 && (digits / 2 - 4) % 32 == 0 {
                if let Ok(bytes) = alloy_primitives::hex::decode(&b[start..end]) {
                    runs.push(bytes);
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    let decoded: Vec<DecodedRevert> = runs.iter().filter_map(|r| decode(r)).collect();
    let pick = decoded.iter().position(|d| d.code != UNKNOWN).unwrap_or(0);
    let mut d = decoded.into_iter().nth(pick)?;
    if d.aa.is_none() {
        d.aa = find_aa_reason(text).map(str::to_string);
    }
    Some(d)
}

/// The revert inside an [`Error::Rpc`]: its `data` first, then its `message`. The `AAxx` reason
/// of the message fills `aa` when the data holds only the inner revert.
pub fn from_rpc_error(e: &Error) -> Option<DecodedRevert> {
    let Error::Rpc { message, data, .. } = e else { return None };
    let mut d = data.as_deref().and_then(find_in_text).or_else(|| find_in_text(message))?;
    if d.aa.is_none() {
        d.aa = find_aa_reason(message).map(str::to_string);
    }
    Some(d)
}

/// Which side of the window an `AA22 expired or not due` is: [`NOT_YET_VALID`] before
/// `valid_after`, else [`EXPIRED`] (the EntryPoint's bounds are inclusive; `valid_until` 0 never
/// expires). `chain_now` is the chain's time (the latest block's timestamp), not the page's.
pub fn aa22_code(valid_after: u64, valid_until: u64, chain_now: u64) -> &'static str {
    if chain_now < valid_after || valid_until == 0 {
        NOT_YET_VALID
    } else {
        EXPIRED
    }
}

/// `rpc` (the bundler's or node's error) with what its revert data says: the decoded code, or
/// `rpc`'s own when the data matches no known error.
pub fn to_error(rpc: Error, d: DecodedRevert, window: Option<[u64; 3]>) -> Error {
    let code = match d.code {
        UNKNOWN => rpc.error_code(),
        c => ErrorCode::ALL.iter().copied().find(|k| k.as_str() == c).unwrap_or(rpc.error_code()),
    };
    let mut args = String::from("{");
    for (i, a) in d.args.iter().enumerate() {
        if i > 0 {
            args.push(',');
        }
        // Names are Solidity identifiers; values may be any string (`Error(string)`).
        args.push('"');
        args.push_str(a.name);
        args.push_str("\":");
        crate::write::push_quoted(&mut args, &a.value);
    }
    args.push('}');
    Error::Reverted { code, rpc: Box::new(rpc), revert: Box::new(d), args, window }
}

/// An `AA22 expired or not due` from `rpc` said precisely: which side of the session's window the
/// chain's time (`chain_now`, the latest block's) is on, with the window and that time in `data`.
pub fn aa22_error(rpc: Error, d: Option<DecodedRevert>, valid_after: u64, valid_until: u64, chain_now: u64) -> Error {
    let mut d = d.unwrap_or(DecodedRevert {
        code: UNKNOWN,
        error: "",
        path: Vec::new(),
        module: None,
        module_name: None,
        entity_id: None,
        session_entity_id: None,
        reason: None,
        aa: None,
        args: Vec::new(),
        raw: None,
    });
    d.code = aa22_code(valid_after, valid_until, chain_now);
    d.aa = Some("AA22".into());
    to_error(rpc, d, Some([valid_after, valid_until, chain_now]))
}

/// A `U256` argument, read back (numbers are decimal in [`Arg::value`]).
pub fn arg_u256(d: &DecodedRevert, name: &str) -> Option<U256> {
    d.args.iter().find(|a| a.name == name).and_then(|a| a.value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::module_entity;
    use alloy_primitives::hex;

    fn wrap_hook(kind: &str, module: Address, entity: u32, inner: Vec<u8>) -> Vec<u8> {
        let me = module_entity(module, entity);
        match kind {
            "pre-uo" => {
                X::PreUserOpValidationHookReverted { moduleFunction: me, revertReason: inner.into() }.abi_encode()
            }
            _ => X::PreExecHookReverted { moduleFunction: me, revertReason: inner.into() }.abi_encode(),
        }
    }

    fn failed(inner: Vec<u8>) -> Vec<u8> {
        EP::FailedOpWithRevert { opIndex: U256::ZERO, reason: "AA23 reverted".into(), inner: inner.into() }.abi_encode()
    }

    #[test]
    fn table_has_no_duplicate_selectors() {
        for (i, a) in KNOWN.iter().enumerate() {
            assert!(KNOWN[i + 1..].iter().all(|b| b.selector != a.selector), "{} twice", a.signature);
        }
        assert_eq!(KNOWN[0].name(), "FailedOp");
        assert_eq!(hex::encode(EP::FailedOpWithRevert::SELECTOR), "65c8fd4d");
        assert_eq!(hex::encode(EP::FailedOp::SELECTOR), "220266b6");
        assert_eq!(hex::encode(M::ExceededNativeTokenLimit::SELECTOR), "94c58c94");
        assert_eq!(hex::encode(A::ValidationFunctionMissing::SELECTOR), "cf7b49f6");
    }

    #[test]
    fn a_gas_limit_crossed_at_validation() {
        let e = 7 + HOOK_ENTITY_OFFSET;
        let data =
            failed(wrap_hook("pre-uo", NATIVE_TOKEN_LIMIT_MODULE, e, M::ExceededNativeTokenLimit {}.abi_encode()));
        let d = decode(&data).unwrap();
        assert_eq!(d.code, GAS_LIMIT_EXCEEDED);
        assert_eq!(d.path, ["FailedOpWithRevert", "PreUserOpValidationHookReverted", "ExceededNativeTokenLimit"]);
        assert_eq!((d.module, d.module_name), (Some(NATIVE_TOKEN_LIMIT_MODULE), Some("NativeTokenLimitModule")));
        assert_eq!((d.entity_id, d.session_entity_id), (Some(e), Some(7)));
        assert_eq!((d.reason.as_deref(), d.aa.as_deref()), (Some("AA23 reverted"), Some("AA23")));
        assert_eq!(d.raw, None);
    }

    #[test]
    fn native_and_erc20_limits_crossed_in_execution() {
        let d = decode(&wrap_hook("exec", NATIVE_TOKEN_LIMIT_MODULE, 3, M::ExceededNativeTokenLimit {}.abi_encode()))
            .unwrap();
        assert_eq!(d.code, "SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN");
        assert_eq!(d.session_entity_id, Some(3));
        let d =
            decode(&wrap_hook("exec", ALLOWLIST_MODULE, 3 + HOOK_ENTITY_OFFSET, M::ExceededTokenLimit {}.abi_encode()))
                .unwrap();
        assert_eq!(d.code, "SESSION_ERC20_LIMIT_EXCEEDED_ON_CHAIN");
        assert_eq!(d.session_entity_id, Some(3));
        let d =
            decode(&failed(wrap_hook("pre-uo", ALLOWLIST_MODULE, 3, M::AddressNotAllowed {}.abi_encode()))).unwrap();
        assert_eq!(d.code, "SESSION_TARGET_NOT_ALLOWED_ON_CHAIN");
    }

    #[test]
    fn unknown_inner_data_keeps_the_wrapper_and_the_bytes() {
        let inner = hex::decode("deadbeef0102").unwrap();
        let d = decode(&failed(wrap_hook("pre-uo", TIME_RANGE_MODULE, 2, inner.clone()))).unwrap();
        assert_eq!(d.code, "PRE_USER_OP_VALIDATION_HOOK_REVERTED_ON_CHAIN");
        assert_eq!(d.raw.as_ref().map(|r| &r[..]), Some(&inner[..]));
        assert_eq!(d.module_name, Some("TimeRangeModule"));

        let d = decode(&failed(inner.clone())).unwrap();
        assert_eq!((d.code, d.error), ("BUNDLER_AA23", "FailedOpWithRevert"));
        let d = decode(&inner).unwrap();
        assert_eq!((d.code, d.error, d.raw.as_ref().map(|r| &r[..])), (UNKNOWN, "", Some(&inner[..])));
        assert_eq!(decode(&[1, 2, 3]), None);

        let d = decode(&EP::FailedOp { opIndex: U256::from(2), reason: "AA21 didn't pay prefund".into() }.abi_encode())
            .unwrap();
        assert_eq!(d.code, "BUNDLER_AA21");
        assert_eq!(arg_u256(&d, "opIndex"), Some(U256::from(2)));
    }

    #[test]
    fn malformed_data_does_not_panic() {
        let good =
            failed(wrap_hook("pre-uo", NATIVE_TOKEN_LIMIT_MODULE, 1, M::ExceededNativeTokenLimit {}.abi_encode()));
        for n in 0..good.len() {
            let _ = decode(&good[..n]);
            let mut bad = good.clone();
            bad[n] ^= 0xff;
            let _ = decode(&bad);
        }
        // A known selector with a body that does not decode is unknown data, kept raw.
        let d = decode(&[EP::FailedOpWithRevert::SELECTOR.as_slice(), &[0xff; 40]].concat()).unwrap();
        assert_eq!(d.code, UNKNOWN);
        // Deep nesting stops at MAX_DEPTH with the rest raw.
        let mut data = M::ExceededTokenLimit {}.abi_encode();
        for _ in 0..20 {
            data = wrap_hook("exec", ALLOWLIST_MODULE, 1, data);
        }
        let d = decode(&data).unwrap();
        assert_eq!(d.path.len(), MAX_DEPTH);
        assert!(d.raw.is_some());
    }

    #[test]
    fn finds_revert_data_in_bundler_errors() {
        let inner = wrap_hook(
            "pre-uo",
            NATIVE_TOKEN_LIMIT_MODULE,
            5 + HOOK_ENTITY_OFFSET,
            M::ExceededNativeTokenLimit {}.abi_encode(),
        );
        let message = format!(
            "UserOperation reverted during simulation with reason: AA23 reverted 0x{} (sender 0x65b5c38e0c1e5e1aF2C4B3a3E27Aa4E1B9e84D96)",
            hex::encode(&inner)
        );
        let d = find_in_text(&message).unwrap();
        assert_eq!(d.code, GAS_LIMIT_EXCEEDED);
        assert_eq!(d.aa.as_deref(), Some("AA23"));

        let e = Error::Rpc {
            code: crate::error::ErrorCode::BundlerAa23,
            method: "eth_estimateUserOperationGas".into(),
            rpc_code: -32500,
            message: "AA23 reverted".into(),
            data: Some(format!(r#"{{"revertData":"0x{}"}}"#, hex::encode(&inner))),
        };
        let d = from_rpc_error(&e).unwrap();
        assert_eq!((d.code, d.aa.as_deref(), d.session_entity_id), (GAS_LIMIT_EXCEEDED, Some("AA23"), Some(5)));
        // An address alone is not revert data.
        assert_eq!(find_in_text("sender 0x65b5c38e0c1e5e1aF2C4B3a3E27Aa4E1B9e84D96 AA25"), None);
        let d = find_in_text("execution reverted: 0xcafebabe").unwrap();
        assert_eq!(d.code, UNKNOWN);
        assert!(from_rpc_error(&Error::StoreClosed).is_none());
    }

    #[test]
    fn aa22_says_which_side_of_the_window() {
        assert_eq!(aa22_code(100, 200, 50), NOT_YET_VALID);
        assert_eq!(aa22_code(100, 200, 201), EXPIRED);
        assert_eq!(aa22_code(0, 200, 300), EXPIRED);
    }

    #[test]
    fn codes_are_listed() {
        let c = codes();
        assert!(c.contains(&"SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN") && c.contains(&GAS_LIMIT_EXCEEDED));
        assert!(c.iter().all(|c| c.ends_with("_ON_CHAIN") || *c == "ENTRY_POINT_FAILED_OP_ON_CHAIN"), "{c:?}");
    }
}
