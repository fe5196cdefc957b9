//! The owner-side call data that grants a session key (`installValidation`) and revokes it
//! (`uninstallValidation`).
//!
//! A grant is what Alchemy's `PermissionBuilder(...).compileRaw()` builds, with two optional
//! validation hooks in front of the permission hooks: a TimeRange hook for `expiresAt` /
//! `validAfter`, then a PaymasterGuard hook for `paymaster`. A revocation must name every hook
//! of that grant with the data its module needs to clean up, in the order the account walks its
//! hook lists, so it takes the same request (minus the key) and rebuilds the same hooks.
//!
//! Both calls are self-calls sent by the owner, whose validation has no execution hooks, so
//! neither is prefixed with `executeUserOp`.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue};
use serde_json::Value;

use crate::abi::IModularAccount;
use crate::addresses::{
    PAYMASTER_GUARD_MODULE, SINGLE_SIGNER_VALIDATION_MODULE, TIME_RANGE_MODULE, WEBAUTHN_VALIDATION_MODULE,
};
use crate::error::{Error, Result};
use crate::json::{self, Addr};
use crate::permissions::{self, module_entity, pack25, Hook, HookConfig, HookKind, Permission, PermissionSet};
use crate::read::{self, Fields, Read};
use crate::webauthn::P256PublicKey;

/// Largest value a uint48 time field can hold.
pub const MAX_UINT48: u64 = (1 << 48) - 1;

/// Everything needed to grant a session key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInstallRequest {
    /// Chain the account lives on (not part of the call data; kept for the caller's checks).
    pub chain_id: u64,
    /// The account granting the key.
    pub account: Addr,
    /// Address of the session key (its signer in the SingleSigner module).
    pub session_key: Addr,
    /// The validation entity id, 1 ..= 2147483646. Parsed wide so a too-large id is reported as
    /// `INVALID_ENTITY_ID` rather than as a number out of range.
    pub entity_id: u64,
    /// Alchemy PermissionBuilder permissions.
    pub permissions: Vec<Permission>,
    /// Unix seconds after which the key stops validating (TimeRange hook `validUntil`).
    pub expires_at: Option<u64>,
    /// Unix seconds before which the key does not validate yet (needs `expiresAt`).
    pub valid_after: Option<u64>,
    /// The only paymaster the key's user operations may use (PaymasterGuard hook).
    pub paymaster: Option<Addr>,
}

/// Everything needed to revoke a session key: the grant's request without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUninstallRequest {
    /// Chain the account lives on.
    pub chain_id: u64,
    /// The account.
    pub account: Addr,
    /// The validation entity id that was granted.
    pub entity_id: u64,
    /// The permissions that were granted.
    pub permissions: Vec<Permission>,
    /// `expiresAt` of the grant, if any (its TimeRange hook must be uninstalled too).
    pub expires_at: Option<u64>,
    /// `validAfter` of the grant, if any.
    pub valid_after: Option<u64>,
    /// `paymaster` of the grant, if any.
    pub paymaster: Option<Addr>,
}

/// The keys of a grant's three forms, each a prefix of the next: a revocation
/// ([`SessionUninstallRequest`]) has the first seven, a grant ([`SessionInstallRequest`]) adds
/// `sessionKey`, a deferred grant ([`crate::deferred::DeferredInstallRequest`]) adds `deadline`
/// and `nonce`.
pub(crate) const GRANT_KEYS: [&str; 10] = [
    "chainId",
    "account",
    "entityId",
    "permissions",
    "expiresAt",
    "validAfter",
    "paymaster",
    "sessionKey",
    "deadline",
    "nonce",
];

/// The fields a grant, its revocation and its deferred form share: chain id, account, entity id, permissions,
/// expiry, start and paymaster.
pub(crate) type GrantFields = (u64, Addr, u64, Vec<Permission>, Option<u64>, Option<u64>, Option<Addr>);

/// Read the fields a grant, its revocation and its deferred form share (one reader for all).
pub(crate) fn grant_fields(f: Fields<'_>) -> Read<GrantFields> {
    Ok((
        f.req("chainId", read::u64_number)?,
        f.req("account", read::leaf)?,
        f.req("entityId", read::u64_number)?,
        f.req("permissions", Permission::read_list)?,
        f.opt("expiresAt", read::u64_number)?,
        f.opt("validAfter", read::u64_number)?,
        f.opt("paymaster", read::leaf)?,
    ))
}

impl SessionInstallRequest {
    /// Read the grant object; a failure is the input error at its path (`argument` names the
    /// whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, &GRANT_KEYS[..8])
            .and_then(|f| {
                let session_key = f.req("sessionKey", read::leaf)?;
                let (chain_id, account, entity_id, permissions, expires_at, valid_after, paymaster) = grant_fields(f)?;
                Ok(SessionInstallRequest {
                    chain_id,
                    account,
                    session_key,
                    entity_id,
                    permissions,
                    expires_at,
                    valid_after,
                    paymaster,
                })
            })
            .map_err(|e| json::read_error(e, argument))
    }
}

impl SessionUninstallRequest {
    /// Read the revocation object; a failure is the input error at its path (`argument` names
    /// the whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, &GRANT_KEYS[..7])
            .and_then(grant_fields)
            .map(|(chain_id, account, entity_id, permissions, expires_at, valid_after, paymaster)| {
                SessionUninstallRequest {
                    chain_id,
                    account,
                    entity_id,
                    permissions,
                    expires_at,
                    valid_after,
                    paymaster,
                }
            })
            .map_err(|e| json::read_error(e, argument))
    }
}

/// A grant, translated: the permission set, every hook in install order, and the call data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInstall {
    /// The translated permissions (selectors, permission hooks, limits).
    pub permissions: PermissionSet,
    /// All hooks in install order: TimeRange, PaymasterGuard, then the permission hooks.
    pub hooks: Vec<Hook>,
    /// Whether the session's user operations need the `executeUserOp` prefix.
    pub has_execution_hooks: bool,
    /// `installValidation(...)` call data, to be sent by the owner as a self-call.
    pub call_data: Bytes,
}

/// The validation a session installs: the module that checks its signatures, and the key that
/// module's install data names. The hooks are the permissions' whichever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// SingleSignerValidationModule with a secp256k1 key's address.
    SingleSigner(Address),
    /// WebAuthnValidationModule with a P-256 public key.
    WebAuthn(P256PublicKey),
}

impl Validation {
    /// The validation module.
    pub fn module(&self) -> Address {
        match self {
            Validation::SingleSigner(_) => SINGLE_SIGNER_VALIDATION_MODULE,
            Validation::WebAuthn(_) => WEBAUTHN_VALIDATION_MODULE,
        }
    }

    /// The module's install data for entity id `e`: `abi.encode(uint32, address)` or
    /// `abi.encode(uint32, uint256 x, uint256 y)`.
    pub fn install_data(&self, e: u32) -> Bytes {
        match self {
            Validation::SingleSigner(a) => (e, *a).abi_encode_params().into(),
            Validation::WebAuthn(k) => k.install_data(e),
        }
    }
}

/// A session's grant: the one value every encoder takes. A stored record
/// (`SessionRecord::grant`), an install, uninstall or deferred request and the WebAuthn grant all
/// lend it; none is rebuilt through JSON.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    /// The account granting the session.
    pub account: &'a Addr,
    /// The validation entity id (parsed wide so a too-large id is `INVALID_ENTITY_ID`).
    pub entity_id: u64,
    /// Alchemy PermissionBuilder permissions.
    pub permissions: &'a [Permission],
    /// TimeRange `validUntil`.
    pub expires_at: Option<u64>,
    /// TimeRange `validAfter`.
    pub valid_after: Option<u64>,
    /// PaymasterGuard paymaster.
    pub paymaster: Option<&'a Addr>,
}

/// The [`Grant`] of anything that holds the grant's fields under their usual names (the record,
/// the install, uninstall and deferred requests): one spelling of the lending, whatever the type
/// of its entity id.
macro_rules! lend_grant {
    ($holder:expr) => {
        $crate::install::Grant {
            account: &$holder.account,
            entity_id: u64::from($holder.entity_id),
            permissions: &$holder.permissions,
            expires_at: $holder.expires_at,
            valid_after: $holder.valid_after,
            paymaster: $holder.paymaster.as_ref(),
        }
    };
}
pub(crate) use lend_grant;

impl Grant<'_> {
    /// The translated permissions (no clock check).
    pub fn permission_set(&self) -> Result<PermissionSet> {
        plan_unchecked(self).map(|(set, _)| set)
    }

    /// `installValidation(...)` granting `session_key` (SingleSigner), checked at `now`.
    pub fn install_call(&self, session_key: Address, now: u64) -> Result<Bytes> {
        self.install(session_key, now).map(|i| i.call_data)
    }

    /// The grant of `session_key` (SingleSigner), translated and checked at `now`.
    pub fn install(&self, session_key: Address, now: u64) -> Result<SessionInstall> {
        self.install_validation(&Validation::SingleSigner(session_key), now)
    }

    /// `uninstallValidation(...)` revoking this grant (SingleSigner).
    pub fn uninstall_call(&self) -> Result<Bytes> {
        encode_uninstall_for(self, SINGLE_SIGNER_VALIDATION_MODULE)
    }

    /// The grant of validation `v`, translated and checked at `now`.
    pub fn install_validation(&self, v: &Validation, now: u64) -> Result<SessionInstall> {
        plan_install_for(self, now, &|| Ok(()), v)
    }

    /// `uninstallValidation(...)` revoking this grant of validation `module`.
    pub fn uninstall_validation(&self, module: Address) -> Result<Bytes> {
        encode_uninstall_for(self, module)
    }
}

impl SessionInstallRequest {
    /// The grant this request installs.
    pub fn grant(&self) -> Grant<'_> {
        lend_grant!(self)
    }

    /// The translated permissions of this grant (no clock check).
    pub fn permission_set(&self) -> Result<PermissionSet> {
        self.grant().permission_set()
    }

    /// Whether the session's user operations must be prefixed with `executeUserOp`.
    pub fn has_execution_hooks(&self) -> Result<bool> {
        self.permission_set().map(|s| s.has_execution_hooks)
    }
}

impl SessionUninstallRequest {
    /// The grant this request revokes.
    pub fn grant(&self) -> Grant<'_> {
        lend_grant!(self)
    }
}

/// Check the time window: both ends fit uint48 (the TimeRange module's types; the SDK's
/// `buildHook` throws past that), `validAfter` needs `expiresAt` and must come before it, and,
/// when `now` is given, `expiresAt` is still in the future (a grant that is dead on arrival is
/// refused; the SDK would install it).
fn check_window(expires_at: Option<u64>, valid_after: Option<u64>, now: Option<u64>) -> Result<()> {
    if let Some(v) = expires_at.filter(|v| *v > MAX_UINT48) {
        return Err(Error::TimeOverLimit { field: "expiresAt", value: v });
    }
    if let Some(v) = valid_after.filter(|v| *v > MAX_UINT48) {
        return Err(Error::TimeOverLimit { field: "validAfter", value: v });
    }
    let Some(expires_at) = expires_at else {
        return match valid_after {
            Some(_) => Err(Error::ValidAfterWithoutExpiry),
            None => Ok(()),
        };
    };
    if let Some(now) = now {
        if expires_at <= now {
            return Err(Error::Expired { field: "expiresAt", value: expires_at, now });
        }
    }
    match valid_after {
        Some(valid_after) if valid_after >= expires_at => {
            Err(Error::ValidAfterNotBeforeExpiry { valid_after, expires_at })
        }
        _ => Ok(()),
    }
}

/// Checks in the SDK's order (the time and paymaster hooks are built before the
/// PermissionBuilder), translates, and lists every hook in install order.
/// [`plan`] without a clock or a check between the phases: one copy for every caller.
#[inline(never)]
pub(crate) fn plan_unchecked(g: &Grant<'_>) -> Result<(PermissionSet, Vec<Hook>)> {
    plan(g, None, &|| Ok(()))
}

pub(crate) fn plan(
    g: &Grant<'_>,
    now: Option<u64>,
    between: &dyn Fn() -> Result<()>,
) -> Result<(PermissionSet, Vec<Hook>)> {
    check_window(g.expires_at, g.valid_after, now)?;
    if let Some(p) = g.paymaster {
        if p.0.is_zero() {
            // PaymasterGuardModule.onInstall reverts InvalidPaymaster on zero.
            return Err(Error::ZeroAddress { field: "paymaster".into() });
        }
    }
    let set = permissions::validate_phased(g.permissions, g.account.0, g.entity_id, between)?;
    let e = set.entity_id;
    let mut hooks = Vec::with_capacity(set.hooks.len() + 2);
    if let Some(until) = g.expires_at {
        let after = g.valid_after.unwrap_or(0);
        // TimeRangeModule.buildHook: a validation hook with no pre/post flag.
        let config = HookConfig { module: TIME_RANGE_MODULE, entity_id: e, flags: HookConfig::VALIDATION };
        let data = (e, U256::from(until), U256::from(after)).abi_encode_params();
        hooks.push(Hook::simple(HookKind::TimeRange, config, data));
    }
    if let Some(p) = g.paymaster {
        // Flag 0x05 as Alchemy's own tests install it (validation hook with pre hook).
        let config = HookConfig {
            module: PAYMASTER_GUARD_MODULE,
            entity_id: e,
            flags: HookConfig::VALIDATION | HookConfig::PRE,
        };
        hooks.push(Hook::simple(HookKind::PaymasterGuard, config, (e, p.0).abi_encode_params()));
    }
    hooks.extend(set.hooks.iter().cloned());
    Ok((set, hooks))
}

/// The grant of validation `v` at time `now`, with `between` run among its checks (the deferred
/// grant's deadline, where the SDK checks it). The hooks come from the permissions whatever
/// checks the signature, so only the module and its install data differ between key kinds.
pub(crate) fn plan_install_for(
    g: &Grant<'_>,
    now: u64,
    between: &dyn Fn() -> Result<()>,
    v: &Validation,
) -> Result<SessionInstall> {
    let (set, hooks) = plan(g, Some(now), between)?;
    let call = IModularAccount::installValidationCall {
        validationConfig: pack25(v.module(), set.entity_id, set.validation_flags()),
        selectors: set.selectors.clone(),
        installData: v.install_data(set.entity_id),
        hooks: hooks.iter().map(Hook::encode_install).collect(),
    };
    Ok(SessionInstall {
        has_execution_hooks: set.has_execution_hooks,
        permissions: set,
        hooks,
        call_data: call.abi_encode().into(),
    })
}

/// The grant, with its translation and hooks, checked at `now_unix_secs`.
pub fn build_session_install(req: &SessionInstallRequest, now_unix_secs: u64) -> Result<SessionInstall> {
    req.grant().install(req.session_key.0, now_unix_secs)
}

/// `installValidation(...)` call data granting the session key, checked at `now_unix_secs`.
pub fn encode_session_install(req: &SessionInstallRequest, now_unix_secs: u64) -> Result<Bytes> {
    build_session_install(req, now_unix_secs).map(|i| i.call_data)
}

/// `hookUninstallData` for the hooks of a grant, in the order the account consumes it: the
/// account keeps each validation's hooks in linked lists that iterate newest-first and takes the
/// validation hooks' data before the execution hooks', so validation hooks in reverse install
/// order, then execution hooks in reverse install order.
pub fn hook_uninstall_data(hooks: &[Hook]) -> Vec<Bytes> {
    let validation = hooks.iter().rev().filter(|h| h.config.is_validation_hook());
    let execution = hooks.iter().rev().filter(|h| !h.config.is_validation_hook());
    validation.chain(execution).map(|h| h.uninstall_data.clone()).collect()
}

/// `uninstallValidation(...)` call data revoking the grant described by `req`. Expiry is not
/// checked against a clock: an expired key is exactly the kind one wants to clean up.
pub fn encode_session_uninstall(req: &SessionUninstallRequest) -> Result<Bytes> {
    req.grant().uninstall_call()
}

/// [`encode_session_uninstall`] for any validation module whose uninstall data is
/// `abi.encode(uint32 entityId)` (SingleSigner, WebAuthn).
pub(crate) fn encode_uninstall_for(g: &Grant<'_>, module: Address) -> Result<Bytes> {
    let (set, hooks) = plan_unchecked(g)?;
    let e = set.entity_id;
    let call = IModularAccount::uninstallValidationCall {
        validationFunction: module_entity(module, e),
        uninstallData: e.abi_encode().into(),
        hookUninstallData: hook_uninstall_data(&hooks),
    };
    Ok(call.abi_encode().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{hex, keccak256};
    use serde_json::json;

    const NOW: u64 = 1_764_000_000;

    fn req(v: serde_json::Value) -> SessionInstallRequest {
        SessionInstallRequest::from_json(&v, "grant").unwrap()
    }

    fn example_a() -> serde_json::Value {
        json!({
            "chainId": 11155111,
            "account": "0x65b5DE0251f553B2208762a4724303E750294D96",
            "sessionKey": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "entityId": 1,
            "permissions": [
                {"type": "native-token-transfer", "data": {"allowance": "0xde0b6b3a7640000"}},
                {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}}
            ]
        })
    }

    /// §9.2 Example A, one ABI word per line.
    #[test]
    fn example_a_word_by_word() {
        let data = encode_session_install(&req(example_a()), NOW).unwrap();
        assert_eq!(data.len(), 932);
        assert_eq!(&data[..4], hex!("1bbf564c"));
        let words = [
            "00000000000099de0bf6fa90deb851e2a2df7d83000000010100000000000000", // validationConfig
            "0000000000000000000000000000000000000000000000000000000000000080", // selectors offset
            "00000000000000000000000000000000000000000000000000000000000000e0", // installData offset
            "0000000000000000000000000000000000000000000000000000000000000140", // hooks offset
            "0000000000000000000000000000000000000000000000000000000000000002", // 2 selectors
            "b61d27f600000000000000000000000000000000000000000000000000000000", // execute
            "34fcd5be00000000000000000000000000000000000000000000000000000000", // executeBatch
            "0000000000000000000000000000000000000000000000000000000000000040", // installData length
            "0000000000000000000000000000000000000000000000000000000000000001", //   entity 1
            "00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8", //   session key
            "0000000000000000000000000000000000000000000000000000000000000002", // 2 hooks
            "0000000000000000000000000000000000000000000000000000000000000040", // hooks[0] offset
            "00000000000000000000000000000000000000000000000000000000000000c0", // hooks[1] offset
            "0000000000000000000000000000000000000000000000000000000000000059", // hooks[0]: 89 bytes
            // NativeTokenLimit ‖ entity 1 ‖ 0x04 ‖ (uint32 1, uint256 1e18), 25 bytes off the word grid
            "00000000000001e541f0d090868fbe24b59fbe06000000010400000000000000",
            "0000000000000000000000000000000000000000000000000100000000000000",
            "00000000000000000000000000000000000de0b6b3a764000000000000000000", // 1e18, then padding
            "0000000000000000000000000000000000000000000000000000000000000159", // hooks[1]: 345 bytes
            "00000000003e826473a313e600b5b9b791f5a59a000000010500000000000000", // Allowlist ‖ 1 ‖ 0x05 ‖ …
        ];
        let hexed = alloy_primitives::hex::encode(&data[4..]);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(&hexed[i * 64..i * 64 + 64], *w, "word {i}");
        }
        let spec = "1bbf564c00000000000099DE0BF6fA90dEB851E2A2df7d83000000010100000000000000000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000000000000000e000000000000000000000000000000000000000000000000000000000000001400000000000000000000000000000000000000000000000000000000000000002b61d27f60000000000000000000000000000000000000000000000000000000034fcd5be000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000040000000000000000000000000000000000000000000000000000000000000000100000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c80000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000c0000000000000000000000000000000000000000000000000000000000000005900000000000001e541f0D090868FBe24b59Fbe06000000010400000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000de0b6b3a764000000000000000000000000000000000000000000000000000000000000000000000000000000015900000000003e826473a313e600b5b9b791f5a59a00000001050000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000dead00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000000000000000000";
        assert_eq!(hexed.len() + 8, spec.len());
        assert_eq!(alloy_primitives::hex::encode(&data), spec.to_lowercase());
        let i = build_session_install(&req(example_a()), NOW).unwrap();
        assert!(i.has_execution_hooks);
        assert!(req(example_a()).has_execution_hooks().unwrap());
    }

    /// §9.5 Example B: TimeRange first, then the permission hooks; keccak of the call data.
    #[test]
    fn example_b_keccak() {
        let r = req(json!({
            "chainId": 11155111,
            "account": "0x65b5DE0251f553B2208762a4724303E750294D96",
            "sessionKey": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "entityId": 7,
            "expiresAt": 1800000000,
            "permissions": [
                {"type": "erc20-token-transfer", "data": {"address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "allowance": "0xf4240"}},
                {"type": "gas-limit", "data": {"limit": "0x2386f26fc10000"}},
                {"type": "functions-on-all-contracts", "data": {"functions": ["0x12345678"]}}
            ]
        }));
        let i = build_session_install(&r, NOW).unwrap();
        let configs: Vec<String> = i.hooks.iter().map(|h| json::hex(h.config.encode())).collect();
        assert_eq!(
            configs,
            [
                "0x00000000000082b8e2012be914dfa4f62a0573ea0000000701",
                "0x00000000003e826473a313e600b5b9b791f5a59a8000000604",
                "0x00000000000001e541f0d090868fbe24b59fbe068000000605",
                "0x00000000003e826473a313e600b5b9b791f5a59a0000000705",
            ]
        );
        assert_eq!(
            i.hooks[0].install_data.as_ref(),
            hex!(
                "0000000000000000000000000000000000000000000000000000000000000007"
                "000000000000000000000000000000000000000000000000000000006b49d200"
                "0000000000000000000000000000000000000000000000000000000000000000"
            )
        );
        assert_eq!(i.call_data.len(), 1860);
        assert_eq!(keccak256(&i.call_data), hex!("606834f8c7fb065c7c377c2e36227b37554887f2bc661219090bb1b91b6f49b9"));
    }

    /// §9.2 revocation with no hooks listed is the SDK's minimal form; ours lists every hook.
    #[test]
    fn uninstall_lists_validation_hooks_then_exec_hooks_newest_first() {
        let mut v = example_a();
        v.as_object_mut().unwrap().remove("sessionKey");
        v["expiresAt"] = json!(1800000000);
        v["paymaster"] = json!("0x000000000000000000000000000000000000bEEF");
        v["permissions"].as_array_mut().unwrap().push(json!({"type": "gas-limit", "data": {"limit": "0x5"}}));
        let u = SessionUninstallRequest::from_json(&v, "grant").unwrap();
        let data = encode_session_uninstall(&u).unwrap();
        let call = IModularAccount::uninstallValidationCall::abi_decode(&data).unwrap();
        assert_eq!(json::hex(call.validationFunction), "0x00000000000099de0bf6fa90deb851e2a2df7d8300000001");
        assert_eq!(call.uninstallData.as_ref(), 1u32.abi_encode());
        let one = Bytes::from(1u32.abi_encode());
        let offset = Bytes::from((1u32 + permissions::HOOK_ENTITY_OFFSET).abi_encode());
        let h = &call.hookUninstallData;
        assert_eq!(h.len(), 5);
        // install order: TimeRange(v), PaymasterGuard(v), Native(x), Gas(v), Allowlist(v)
        assert_eq!(&h[0][..32], &one[..]); // allowlist: (1, inputs)
        assert!(h[0].len() > 32);
        assert_eq!(h[1], offset); // gas
        assert_eq!(h[2], one); // paymaster guard
        assert_eq!(h[3], one); // time range
        assert_eq!(h[4], one); // native (exec)

        // No hooks at all (root): the §9.2 minimal revocation bytes.
        let root = SessionUninstallRequest::from_json(
            &json!({
                "chainId": 1, "account": "0x65b5DE0251f553B2208762a4724303E750294D96",
                "entityId": 1, "permissions": [{"type": "root"}]
            }),
            "grant",
        )
        .unwrap();
        assert_eq!(
            alloy_primitives::hex::encode(encode_session_uninstall(&root).unwrap()),
            "b6b1ccfe00000000000099de0bf6fa90deb851e2a2df7d83000000010000000000000000000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000000"
        );
        // An expired window still uninstalls.
        let mut old = v.clone();
        old["expiresAt"] = json!(1000);
        assert!(encode_session_uninstall(&SessionUninstallRequest::from_json(&old, "revoke").unwrap()).is_ok());
    }

    #[test]
    fn paymaster_and_time_range_hooks() {
        let mut v = example_a();
        v["expiresAt"] = json!(1800000000);
        v["validAfter"] = json!(1700000000);
        v["paymaster"] = json!("0x000000000000000000000000000000000000bEEF");
        let i = build_session_install(&req(v), NOW).unwrap();
        assert_eq!(i.hooks.len(), 4);
        assert_eq!(json::hex(i.hooks[1].config.encode()), "0x0000000000001aa7a7f7e29abe0be06c72fd42a10000000105");
        assert_eq!(
            i.hooks[1].install_data.as_ref(),
            hex!(
                "0000000000000000000000000000000000000000000000000000000000000001"
                "000000000000000000000000000000000000000000000000000000000000beef"
            )
        );
        assert_eq!(&i.hooks[0].install_data[64..], U256::from(1_700_000_000u64).to_be_bytes::<32>());
    }

    #[test]
    fn time_and_paymaster_refusals() {
        let with = |k: &str, val: serde_json::Value, k2: Option<(&str, serde_json::Value)>| {
            let mut v = example_a();
            v[k] = val;
            if let Some((k2, v2)) = k2 {
                v[k2] = v2;
            }
            encode_session_install(&req(v), NOW).unwrap_err()
        };
        let e = with("expiresAt", json!(1000), None);
        assert_eq!((e.code(), e.field().as_deref()), ("EXPIRED", Some("expiresAt")));
        let e = with("expiresAt", json!(NOW), None);
        assert_eq!(e.code(), "EXPIRED");
        let e = with("expiresAt", json!(1u64 << 48), None);
        assert_eq!((e.code(), e.field().as_deref()), ("TIME_OVER_LIMIT", Some("expiresAt")));
        let e = with("expiresAt", json!(MAX_UINT48), Some(("validAfter", json!(1u64 << 50))));
        assert_eq!((e.code(), e.field().as_deref()), ("TIME_OVER_LIMIT", Some("validAfter")));
        let e = with("validAfter", json!(5), None);
        assert_eq!((e.code(), e.field().as_deref()), ("VALID_AFTER_WITHOUT_EXPIRY", Some("validAfter")));
        let e = with("expiresAt", json!(1800000000), Some(("validAfter", json!(1800000000))));
        assert_eq!(e.code(), "VALID_AFTER_NOT_BEFORE_EXPIRY");
        let e = with("paymaster", json!("0x0000000000000000000000000000000000000000"), None);
        assert_eq!((e.code(), e.field().as_deref()), ("ZERO_ADDRESS", Some("paymaster")));
        let e = with("entityId", json!(0), None);
        assert_eq!(e.code(), "INVALID_ENTITY_ID");
        let mut v = example_a();
        v["extra"] = json!(1);
        assert_eq!(SessionInstallRequest::from_json(&v, "grant").unwrap_err().code(), "UNKNOWN_FIELD");
    }
}
