//! Session permissions: Alchemy's `PermissionBuilder` objects, their rules, and what they become
//! on chain (validation selectors and hooks).
//!
//! The JSON shape is the SDK's own (`{ type: "contract-access", data: { address } }`), so a
//! permission list written for `@account-kit/smart-contracts` parses here unchanged.
//! [`validate`] applies every rule the SDK applies, in the SDK's order (so that when several
//! rules are broken, the same one is reported first), plus a few the SDK gets wrong:
//! addresses compare as 20-byte values, not as strings, and the account's real
//! `installExecution` / `uninstallExecution` selectors are refused as well as the SDK's
//! mistaken ones. The result, a [`PermissionSet`], is the translated form: flags, selectors and
//! hooks in the SDK's order, plus the limits a local pre-check of a user operation needs.

use std::collections::btree_map::{BTreeMap, Entry};

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::SolValue;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::abi::AllowlistInput;
use crate::addresses::{ALLOWLIST_MODULE, NATIVE_TOKEN_LIMIT_MODULE, SINGLE_SIGNER_VALIDATION_MODULE};
use crate::error::{Error, Result};
use crate::json::{self, Addr, HexFixed};
use crate::read::{self, Bad, Read};
use crate::write::{self, Obj};
use serde_json::Value;

/// `0x7FFFFFFF`: the SDK's offset for the ERC-20 spend-limit and gas-limit hooks, so they get
/// their own module storage next to the allowlist and native-limit hooks of the same session.
pub const HOOK_ENTITY_OFFSET: u32 = 2_147_483_647;
/// Highest entity id a session may use (`HOOK_ENTITY_OFFSET - 1`), so `E + offset` fits uint32.
pub const MAX_SESSION_ENTITY_ID: u32 = HOOK_ENTITY_OFFSET - 1;

/// `execute(address,uint256,bytes)`.
pub const EXECUTE_SELECTOR: [u8; 4] = [0xb6, 0x1d, 0x27, 0xf6];
/// `executeBatch((address,uint256,bytes)[])`.
pub const EXECUTE_BATCH_SELECTOR: [u8; 4] = [0x34, 0xfc, 0xd5, 0xbe];
/// ERC-20 `approve(address,uint256)`.
pub const ERC20_APPROVE_SELECTOR: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];
/// ERC-20 `transfer(address,uint256)`.
pub const ERC20_TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

/// Account functions a session key may never be granted by selector: they would let it take over
/// the account (install or remove validations and modules, upgrade, deploy code, bypass user-op
/// validation) or, for `execute`/`executeBatch`, skip the allowlist that the SDK only attaches when
/// it adds them itself. The SDK's list (with its wrong installExecution/uninstallExecution values)
/// plus the real ones from the account's ABI.
pub const FORBIDDEN_SELECTORS: [([u8; 4], &str); 11] = [
    ([0x59, 0x98, 0xdb, 0x5c], "performCreate"),
    ([0xf2, 0x68, 0x0c, 0x0f], "executeWithRuntimeValidation"),
    ([0x1b, 0xbf, 0x56, 0x4c], "installValidation"),
    ([0xb6, 0xb1, 0xcc, 0xfe], "uninstallValidation"),
    ([0x1d, 0x37, 0xe7, 0xd6], "installExecution"),
    ([0x0b, 0x7c, 0xad, 0x71], "uninstallExecution"),
    ([0x4f, 0x1e, 0xf2, 0x86], "upgradeToAndCall"),
    (EXECUTE_SELECTOR, "execute"),
    (EXECUTE_BATCH_SELECTOR, "executeBatch"),
    ([0x00, 0x1a, 0x63, 0xe9], "installExecution"),
    ([0x93, 0xb1, 0xdc, 0x61], "uninstallExecution"),
];

/// One permission, exactly as the SDK's `Permission` type spells it.
///
/// Deserialized by hand (not serde's adjacently-tagged derive, which buffers `data` and so loses
/// the path of a bad field inside it): errors say `permissions[3].data.functions[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    /// Cap on native value sent by `execute`/`executeBatch` (NativeTokenLimitModule exec hook).
    NativeTokenTransfer(NativeTokenTransfer),
    /// Cap on one ERC-20's `transfer`/`approve` amounts, and allow those two calls on it.
    Erc20TokenTransfer(Erc20TokenTransfer),
    /// Cap on gas the session's user operations may cost when no paymaster pays.
    GasLimit(GasLimit),
    /// Any call to one contract.
    ContractAccess(ContractAccess),
    /// Account functions the key may call directly (added to the validation's selectors).
    AccountFunctions(Functions),
    /// Some selectors on any contract.
    FunctionsOnAllContracts(Functions),
    /// Some selectors on one contract.
    FunctionsOnContract(FunctionsOnContract),
    /// Everything: a global validation. Must be the only permission.
    Root,
}

/// The `type` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NativeTokenTransfer,
    Erc20TokenTransfer,
    GasLimit,
    ContractAccess,
    AccountFunctions,
    FunctionsOnAllContracts,
    FunctionsOnContract,
    Root,
}

json::by_name!(Kind {
    "native-token-transfer" => NativeTokenTransfer,
    "erc20-token-transfer" => Erc20TokenTransfer,
    "gas-limit" => GasLimit,
    "contract-access" => ContractAccess,
    "account-functions" => AccountFunctions,
    "functions-on-all-contracts" => FunctionsOnAllContracts,
    "functions-on-contract" => FunctionsOnContract,
    "root" => Root,
});

/// A uint256 amount field.
struct Amount(U256);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        json::u256::deserialize(d).map(Amount)
    }
}

/// Every field any permission's `data` may have, read one key at a time so each value is parsed
/// under its own path (`data.functions[1]`) whatever the key order; which ones are allowed is
/// decided once the `type` is known (a plain JSON map sorts `data` before `type`).
#[derive(Default)]
struct RawData {
    allowance: Option<U256>,
    limit: Option<U256>,
    address: Option<Addr>,
    functions: Option<Vec<HexFixed<4>>>,
    unknown: Vec<String>,
}

struct RawDataVisitor;

impl<'de> Visitor<'de> for RawDataVisitor {
    type Value = RawData;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a permission data object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let mut raw = RawData::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "allowance" => raw.allowance = Some(map.next_value::<Amount>()?.0),
                "limit" => raw.limit = Some(map.next_value::<Amount>()?.0),
                "address" => raw.address = Some(map.next_value()?),
                "functions" => raw.functions = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    raw.unknown.push(key);
                }
            }
        }
        Ok(raw)
    }
}

/// `Option<RawData>`: `null`/absent is `None`; anything else must be an object (read through
/// `deserialize_map`, which refuses the other kinds in `deserialize_any`'s words).
struct RawDataSeed;

impl<'de> de::DeserializeSeed<'de> for RawDataSeed {
    type Value = Option<RawData>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for RawDataSeed {
    type Value = Option<RawData>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a permission data object")
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(RawDataVisitor).map(Some)
    }
}

impl Kind {
    const fn name(self) -> &'static str {
        match self {
            Kind::NativeTokenTransfer => "native-token-transfer",
            Kind::Erc20TokenTransfer => "erc20-token-transfer",
            Kind::GasLimit => "gas-limit",
            Kind::ContractAccess => "contract-access",
            Kind::AccountFunctions => "account-functions",
            Kind::FunctionsOnAllContracts => "functions-on-all-contracts",
            Kind::FunctionsOnContract => "functions-on-contract",
            Kind::Root => "root",
        }
    }

    /// Assemble the permission from its `data`, refusing missing and foreign fields (in the
    /// SDK's order: the address first, then the amount or the selectors).
    fn build(self, raw: Option<RawData>) -> Read<Permission> {
        const FIELDS: [&str; 4] = ["address", "allowance", "limit", "functions"];
        const DATA_FIELDS: [&str; 4] = ["data.address", "data.allowance", "data.limit", "data.functions"];
        let Some(raw) = raw else {
            return match self {
                Kind::Root => Ok(Permission::Root),
                _ => Err(de::Error::missing_field("data")),
            };
        };
        let takes = match self {
            Kind::NativeTokenTransfer => [false, true, false, false],
            Kind::Erc20TokenTransfer => [true, true, false, false],
            Kind::GasLimit => [false, false, true, false],
            Kind::ContractAccess => [true, false, false, false],
            Kind::AccountFunctions | Kind::FunctionsOnAllContracts => [false, false, false, true],
            Kind::FunctionsOnContract => [true, false, false, true],
            Kind::Root => [false; 4],
        };
        let has = [raw.address.is_some(), raw.allowance.is_some(), raw.limit.is_some(), raw.functions.is_some()];
        if let Some(i) = (0..4).find(|&i| takes[i] && !has[i]) {
            return Err(de::Error::missing_field(DATA_FIELDS[i]));
        }
        // Whatever is not taken does not belong to this type: unknown keys first, then ours.
        let extra = raw
            .unknown
            .first()
            .map(String::as_str)
            .or_else(|| [1, 2, 0, 3].into_iter().find(|&i| has[i] && !takes[i]).map(|i| FIELDS[i]));
        if let Some(f) = extra {
            let mut e: Bad =
                de::Error::custom(format_args!("unknown field `data.{f}`: {} does not have it", self.name()));
            e.0.rule = read::Rule::Unknown;
            return Err(e);
        }
        // Every field taken is there (checked above): the defaults are never used.
        let (address, allowance) = (raw.address.unwrap_or_default(), raw.allowance.unwrap_or_default());
        let functions = raw.functions.unwrap_or_default();
        Ok(match self {
            Kind::NativeTokenTransfer => Permission::NativeTokenTransfer(NativeTokenTransfer { allowance }),
            Kind::Erc20TokenTransfer => Permission::Erc20TokenTransfer(Erc20TokenTransfer { address, allowance }),
            Kind::GasLimit => Permission::GasLimit(GasLimit { limit: raw.limit.unwrap_or_default() }),
            Kind::ContractAccess => Permission::ContractAccess(ContractAccess { address }),
            Kind::AccountFunctions => Permission::AccountFunctions(Functions { functions }),
            Kind::FunctionsOnAllContracts => Permission::FunctionsOnAllContracts(Functions { functions }),
            Kind::FunctionsOnContract => Permission::FunctionsOnContract(FunctionsOnContract { address, functions }),
            Kind::Root => Permission::Root,
        })
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Type,
    Data,
}

struct PermissionVisitor;

impl<'de> Visitor<'de> for PermissionVisitor {
    type Value = Permission;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a permission object { type, data }")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Permission, A::Error> {
        let mut kind: Option<Kind> = None;
        let mut data: Option<Option<RawData>> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Type => {
                    if kind.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    kind = Some(map.next_value()?);
                }
                Field::Data => {
                    if data.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    data = Some(map.next_value_seed(RawDataSeed)?);
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
        kind.build(data.flatten()).map_err(|e| de::Error::custom(&e.message))
    }
}

impl Permission {
    /// `{ type, data }` as the SDK spells it (`root` has no `data`).
    pub fn to_json(&self) -> Value {
        let amount = |v: U256| write::quantity(v);
        let address = |a: &Addr| write::address(&a.0);
        let functions = |f: &[HexFixed<4>]| write::list(f, |s| write::hex(s.0.as_slice()));
        let (kind, data) = match self {
            Permission::NativeTokenTransfer(d) => {
                ("native-token-transfer", Obj::new().put("allowance", amount(d.allowance)).value())
            }
            Permission::Erc20TokenTransfer(d) => (
                "erc20-token-transfer",
                Obj::new().put("address", address(&d.address)).put("allowance", amount(d.allowance)).value(),
            ),
            Permission::GasLimit(d) => ("gas-limit", Obj::new().put("limit", amount(d.limit)).value()),
            Permission::ContractAccess(d) => {
                ("contract-access", Obj::new().put("address", address(&d.address)).value())
            }
            Permission::AccountFunctions(d) => {
                ("account-functions", Obj::new().put("functions", functions(&d.functions)).value())
            }
            Permission::FunctionsOnAllContracts(d) => {
                ("functions-on-all-contracts", Obj::new().put("functions", functions(&d.functions)).value())
            }
            Permission::FunctionsOnContract(d) => (
                "functions-on-contract",
                Obj::new().put("address", address(&d.address)).put("functions", functions(&d.functions)).value(),
            ),
            Permission::Root => return Obj::new().str("type", "root").value(),
        };
        Obj::new().str("type", kind).put("data", data).value()
    }
}

write::serialize_via_to_json!(Permission);

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(PermissionVisitor)
    }
}

impl Permission {
    /// Read one permission field by field, key by key as its `Deserialize` (native callers')
    /// reads it, with its rules and words (the browser's reader; less code than the visitor's).
    pub fn read(v: &Value) -> Read<Permission> {
        let Value::Object(map) = v else { return Err(read::wrong_type(v, "a permission object { type, data }")) };
        let mut kind: Option<Kind> = None;
        let mut data: Option<RawData> = None;
        for (key, value) in map {
            match key.as_str() {
                "type" => kind = Some(read::leaf(value).map_err(|e| e.under(key))?),
                "data" => data = read_data(value).map_err(|e| e.under(key))?,
                _ => {
                    let message = format!("unknown field `{key}`, expected `type` or `data`");
                    return Err(Bad::new(key.clone(), message, read::Rule::Unknown));
                }
            }
        }
        kind.ok_or_else(|| <Bad as de::Error>::missing_field("type"))?.build(data)
    }

    /// Read a list of permissions; a failure is named by its index (`[2].data.allowance`).
    pub fn read_list(v: &Value) -> Read<Vec<Permission>> {
        read::list(v, Permission::read)
    }
}

/// A permission's `data` as [`RawDataSeed`] reads it: `null` is none, anything else an object.
fn read_data(v: &Value) -> Read<Option<RawData>> {
    let map = match v {
        Value::Null => return Ok(None),
        Value::Object(map) => map,
        _ => return Err(read::wrong_type(v, "a permission data object")),
    };
    let mut raw = RawData::default();
    for (key, value) in map {
        let under = |e: Bad| e.under(key);
        match key.as_str() {
            "allowance" => raw.allowance = Some(read::u256(value).map_err(under)?),
            "limit" => raw.limit = Some(read::u256(value).map_err(under)?),
            "address" => raw.address = Some(read::leaf(value).map_err(under)?),
            "functions" => raw.functions = Some(read::list(value, read::leaf).map_err(under)?),
            _ => raw.unknown.push(key.clone()),
        }
    }
    Ok(Some(raw))
}

/// `native-token-transfer` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeTokenTransfer {
    /// Total wei the session may send.
    pub allowance: U256,
}

/// `erc20-token-transfer` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erc20TokenTransfer {
    /// The token contract.
    pub address: Addr,
    /// Total token units the session may transfer or approve.
    pub allowance: U256,
}

/// `gas-limit` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasLimit {
    /// Total wei of gas the session may spend.
    pub limit: U256,
}

/// `contract-access` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractAccess {
    /// The contract.
    pub address: Addr,
}

/// `account-functions` / `functions-on-all-contracts` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Functions {
    /// 4-byte selectors.
    pub functions: Vec<HexFixed<4>>,
}

/// `functions-on-contract` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionsOnContract {
    /// The contract.
    pub address: Addr,
    /// 4-byte selectors.
    pub functions: Vec<HexFixed<4>>,
}

/// A `HookConfig` (bytes25): hook module ‖ hook entity id ‖ flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookConfig {
    /// The hook module.
    pub module: Address,
    /// The entity id the module keys its storage by.
    pub entity_id: u32,
    /// `0x01` validation hook, `0x02` has post hook, `0x04` has pre hook.
    pub flags: u8,
}

impl HookConfig {
    /// Flag bit: a validation hook (else an execution hook).
    pub const VALIDATION: u8 = 0x01;
    /// Flag bit: has a post-execution hook.
    pub const POST: u8 = 0x02;
    /// Flag bit: has a pre-execution / pre-validation hook.
    pub const PRE: u8 = 0x04;

    /// The 25 bytes the account stores.
    pub fn encode(&self) -> FixedBytes<25> {
        pack25(self.module, self.entity_id, self.flags)
    }

    /// Whether the account runs it during validation (else around execution).
    pub fn is_validation_hook(&self) -> bool {
        self.flags & Self::VALIDATION != 0
    }
}

/// Module ‖ entity id ‖ one byte: the layout of both `ValidationConfig` and `HookConfig`.
pub fn pack25(module: Address, entity_id: u32, flags: u8) -> FixedBytes<25> {
    let mut out = [0u8; 25];
    out[..20].copy_from_slice(module.as_slice());
    out[20..24].copy_from_slice(&entity_id.to_be_bytes());
    out[24] = flags;
    FixedBytes(out)
}

/// Module ‖ entity id: a `ModuleEntity` (bytes24).
pub fn module_entity(module: Address, entity_id: u32) -> FixedBytes<24> {
    let mut out = [0u8; 24];
    out[..20].copy_from_slice(module.as_slice());
    out[20..].copy_from_slice(&entity_id.to_be_bytes());
    FixedBytes(out)
}

/// What a hook is for (names the module and its role in a session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookKind {
    /// TimeRangeModule validation hook (`expiresAt` / `validAfter`).
    TimeRange,
    /// PaymasterGuardModule validation hook (`paymaster`).
    PaymasterGuard,
    /// NativeTokenLimitModule execution hook (`native-token-transfer`).
    NativeTokenLimit,
    /// AllowlistModule execution hook at `E + 0x7FFFFFFF` (`erc20-token-transfer` limits).
    Erc20SpendLimit,
    /// NativeTokenLimitModule validation hook at `E + 0x7FFFFFFF` (`gas-limit`).
    GasLimit,
    /// AllowlistModule validation hook (targets and selectors).
    Allowlist,
}

/// One hook of a session validation, with the data to install and to uninstall it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    /// Its role.
    pub kind: HookKind,
    /// Its `HookConfig`.
    pub config: HookConfig,
    /// The module's `onInstall` data (appended to the HookConfig in `installValidation`).
    pub install_data: Bytes,
    /// The module's `onUninstall` data (one `hookUninstallData` entry of `uninstallValidation`).
    pub uninstall_data: Bytes,
}

impl Hook {
    /// `HookConfig ‖ installData`: one entry of `installValidation`'s `hooks`.
    pub fn encode_install(&self) -> Bytes {
        // Sized up front: a grown Vec is copied again when it becomes `Bytes`.
        let config = self.config.encode();
        let mut v = Vec::with_capacity(config.len() + self.install_data.len());
        v.extend_from_slice(config.as_slice());
        v.extend_from_slice(&self.install_data);
        v.into()
    }

    /// A hook whose module uninstalls with `abi.encode(uint32 entityId)`.
    pub(crate) fn simple(kind: HookKind, config: HookConfig, install_data: Vec<u8>) -> Self {
        Hook { kind, config, install_data: install_data.into(), uninstall_data: config.entity_id.abi_encode().into() }
    }
}

/// What the allowlist lets a session call on one target (AllowlistModule semantics, merged the
/// way the module's `onInstall` merges repeated entries for one address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetRule {
    /// The contract.
    pub address: Address,
    /// `None`: any selector. `Some(list)`: only these.
    pub selectors: Option<Vec<FixedBytes<4>>>,
}

/// One ERC-20 spend limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Erc20Limit {
    /// The token.
    pub token: Address,
    /// Units the session may transfer or approve in total.
    pub limit: U256,
}

/// A permission list translated to what gets installed, in the SDK's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionSet {
    /// The session's validation entity id.
    pub entity_id: u32,
    /// `root`: the validation is global (may call any global account function).
    pub is_global: bool,
    /// The validation's selectors: `account-functions` entries in order, then `execute` and
    /// `executeBatch` when an allowlist hook exists.
    pub selectors: Vec<FixedBytes<4>>,
    /// Permission hooks in install order: native limit (exec), ERC-20 limits (exec), gas limit
    /// (validation), allowlist (validation).
    pub hooks: Vec<Hook>,
    /// Whether any hook is an execution hook: user ops must then be prefixed with `executeUserOp`.
    pub has_execution_hooks: bool,
    /// Allowlisted targets, merged per address, in order of first appearance. Empty with
    /// `allowlist_installed == false` means no allowlist hook (and no `execute` selector).
    pub targets: Vec<TargetRule>,
    /// Selectors allowed on any target (`functions-on-all-contracts`).
    pub any_target_selectors: Vec<FixedBytes<4>>,
    /// Whether an allowlist validation hook is installed.
    pub allowlist_installed: bool,
    /// `native-token-transfer` allowance.
    pub native_limit: Option<U256>,
    /// `erc20-token-transfer` allowances, merged per token (the last one wins, as on chain).
    pub erc20_limits: Vec<Erc20Limit>,
    /// `gas-limit` limit.
    pub gas_limit: Option<U256>,
}

impl PermissionSet {
    /// The `ValidationConfig` flag byte: user-op validation, plus global for `root`.
    pub fn validation_flags(&self) -> u8 {
        0x01 | if self.is_global { 0x04 } else { 0 }
    }

    /// `ValidationConfig` (bytes25) for the SingleSigner module at this entity id.
    pub fn validation_config(&self) -> FixedBytes<25> {
        pack25(SINGLE_SIGNER_VALIDATION_MODULE, self.entity_id, self.validation_flags())
    }
}

/// Checks a permission list the way `new PermissionBuilder({entityId}).addPermissions(...).compileRaw()`
/// does, and translates it.
///
/// `account` is the account the session is for (it may not be a target of itself).
pub fn validate(permissions: &[Permission], account: Address, entity_id: u64) -> Result<PermissionSet> {
    validate_phased(permissions, account, entity_id, &|| Ok(()))
}

/// [`validate`], running `between` where the SDK's `compileDeferred` checks its deadline: after
/// `addPermission`'s rules and before `translatePermissions`'. `between` is a trait object so
/// that every caller shares one copy of the translation.
pub(crate) fn validate_phased(
    permissions: &[Permission],
    account: Address,
    entity_id: u64,
    between: &dyn Fn() -> Result<()>,
) -> Result<PermissionSet> {
    // Constructor: entityId < 0x7FFFFFFF (InvalidEntityIdError).
    if entity_id > u64::from(MAX_SESSION_ENTITY_ID) {
        return Err(Error::InvalidEntityId { entity_id });
    }
    let e = entity_id as u32;

    // addPermission, one by one.
    let mut is_global = false;
    let mut selectors: Vec<FixedBytes<4>> = Vec::new();
    // Looked up, not scanned: the check ran once per permission over all earlier ones. (A map
    // of the type the merges below use: one B-tree instantiation in the wasm, not two.)
    let mut contract_targets: BTreeMap<Address, usize> = BTreeMap::new();
    for (i, p) in permissions.iter().enumerate() {
        let at = |rest: &str| format!("permissions[{i}]{rest}");
        if matches!(p, Permission::Root) {
            if i != 0 {
                return Err(Error::RootPermissionOnly { field: at("") });
            }
            is_global = true;
            continue;
        }
        if is_global {
            return Err(Error::RootPermissionOnly { field: at("") });
        }
        if let Permission::ContractAccess(ContractAccess { address })
        | Permission::FunctionsOnContract(FunctionsOnContract { address, .. }) = p
        {
            // Compared as 20-byte values: the SDK's `===` on strings misses other spellings.
            if address.0 == account {
                return Err(Error::AccountAddressAsTarget { field: at(".data.address") });
            }
            match contract_targets.entry(address.0) {
                Entry::Occupied(_) => {
                    return Err(Error::DuplicateTargetAddress {
                        field: at(".data.address"),
                        address: json::address(&address.0),
                    })
                }
                Entry::Vacant(v) => {
                    v.insert(i);
                }
            }
        }
        if let Permission::AccountFunctions(Functions { functions }) = p {
            if functions.is_empty() {
                return Err(Error::NoFunctionsProvided { field: at(".data.functions") });
            }
            for (j, f) in functions.iter().enumerate() {
                check_selector(f.0, &at(&format!(".data.functions[{j}]")))?;
            }
            selectors.extend(functions.iter().map(|f| f.0));
        }
    }

    between()?;

    // translatePermissions, one by one.
    let mut native: Option<U256> = None;
    let mut gas: Option<U256> = None;
    let mut erc20_inputs: Vec<AllowlistInput> = Vec::new();
    let mut allow_inputs: Vec<AllowlistInput> = Vec::new();
    let input = |target: Address, sel_list: bool, erc20: bool, limit: U256, sels: Vec<FixedBytes<4>>| AllowlistInput {
        target,
        hasSelectorAllowlist: sel_list,
        hasERC20SpendLimit: erc20,
        erc20SpendLimit: limit,
        selectors: sels,
    };
    for (i, p) in permissions.iter().enumerate() {
        let at = |rest: &str| format!("permissions[{i}]{rest}");
        match p {
            Permission::NativeTokenTransfer(d) => {
                if native.is_some() {
                    return Err(Error::MultipleNativeTokenTransfer { field: at("") });
                }
                native = Some(d.allowance);
            }
            Permission::Erc20TokenTransfer(d) => {
                if d.address.0 == Address::ZERO {
                    return Err(Error::ZeroAddress { field: at(".data.address") });
                }
                erc20_inputs.push(input(d.address.0, false, true, d.allowance, vec![]));
                allow_inputs.push(input(
                    d.address.0,
                    true,
                    false,
                    U256::ZERO,
                    vec![ERC20_APPROVE_SELECTOR.into(), ERC20_TRANSFER_SELECTOR.into()],
                ));
            }
            Permission::GasLimit(d) => {
                if gas.is_some() {
                    return Err(Error::MultipleGasLimit { field: at("") });
                }
                gas = Some(d.limit);
            }
            Permission::ContractAccess(d) => {
                if d.address.0 == Address::ZERO {
                    return Err(Error::ZeroAddress { field: at(".data.address") });
                }
                allow_inputs.push(input(d.address.0, false, false, U256::ZERO, vec![]));
            }
            Permission::AccountFunctions(_) | Permission::Root => {}
            Permission::FunctionsOnAllContracts(d) => {
                if d.functions.is_empty() {
                    return Err(Error::NoFunctionsProvided { field: at(".data.functions") });
                }
                let sels = d.functions.iter().map(|f| f.0).collect();
                allow_inputs.push(input(Address::ZERO, false, false, U256::ZERO, sels));
            }
            Permission::FunctionsOnContract(d) => {
                if d.functions.is_empty() {
                    return Err(Error::NoFunctionsProvided { field: at(".data.functions") });
                }
                if d.address.0 == Address::ZERO {
                    return Err(Error::ZeroAddress { field: at(".data.address") });
                }
                let sels = d.functions.iter().map(|f| f.0).collect();
                allow_inputs.push(input(d.address.0, true, false, U256::ZERO, sels));
            }
        }
    }
    // The SDK appends execute/executeBatch once an allowlist hook exists (they cannot already be
    // there: both are forbidden in account-functions).
    if !allow_inputs.is_empty() {
        selectors.push(EXECUTE_SELECTOR.into());
        selectors.push(EXECUTE_BATCH_SELECTOR.into());
    }

    // validateConfiguration: a non-global validation with no selector can do nothing.
    if !is_global && selectors.is_empty() {
        return Err(Error::ValidationConfigUnset);
    }
    // encodeInstallValidation: entity 0 is the account's owner (EntityIdOverrideError).
    if e == 0 {
        return Err(Error::InvalidEntityId { entity_id });
    }

    // The pre-check view first, so the inputs can then move into their encodings uncloned.
    let (targets, any_target_selectors) = merge_allowlist(&allow_inputs);
    let erc20_limits = merge_erc20_limits(&erc20_inputs);
    let allowlist_installed = !allow_inputs.is_empty();

    // addHooks order: native exec, ERC-20 exec, gas validation, allowlist validation.
    let e2 = e + HOOK_ENTITY_OFFSET;
    let mut hooks = Vec::new();
    if let Some(limit) = native {
        let config = HookConfig { module: NATIVE_TOKEN_LIMIT_MODULE, entity_id: e, flags: HookConfig::PRE };
        hooks.push(Hook::simple(HookKind::NativeTokenLimit, config, (e, limit).abi_encode_params()));
    }
    if !erc20_inputs.is_empty() {
        let config = HookConfig { module: ALLOWLIST_MODULE, entity_id: e2, flags: HookConfig::PRE };
        let data: Bytes = (e2, erc20_inputs).abi_encode_params().into();
        hooks.push(Hook { kind: HookKind::Erc20SpendLimit, config, install_data: data.clone(), uninstall_data: data });
    }
    if let Some(limit) = gas {
        let config = HookConfig {
            module: NATIVE_TOKEN_LIMIT_MODULE,
            entity_id: e2,
            flags: HookConfig::VALIDATION | HookConfig::PRE,
        };
        hooks.push(Hook::simple(HookKind::GasLimit, config, (e2, limit).abi_encode_params()));
    }
    if allowlist_installed {
        let config =
            HookConfig { module: ALLOWLIST_MODULE, entity_id: e, flags: HookConfig::VALIDATION | HookConfig::PRE };
        // AllowlistModule's uninstall data is its install data: it deletes exactly those entries.
        let data: Bytes = (e, allow_inputs).abi_encode_params().into();
        hooks.push(Hook { kind: HookKind::Allowlist, config, install_data: data.clone(), uninstall_data: data });
    }

    Ok(PermissionSet {
        entity_id: e,
        is_global,
        selectors,
        has_execution_hooks: hooks.iter().any(|h| !h.config.is_validation_hook()),
        hooks,
        targets,
        any_target_selectors,
        allowlist_installed,
        native_limit: native,
        erc20_limits,
        gas_limit: gas,
    })
}

/// Refuse a selector that would hand over the account (see [`FORBIDDEN_SELECTORS`]).
fn check_selector(selector: FixedBytes<4>, field: &str) -> Result<()> {
    match FORBIDDEN_SELECTORS.iter().find(|(s, _)| *s == selector.0) {
        Some((_, name)) => {
            Err(Error::SelectorNotAllowed { field: field.to_string(), selector: json::hex(selector), name })
        }
        None => Ok(()),
    }
}

/// Replays AllowlistModule's `onInstall`: a zero target adds wildcard selectors; any other target
/// overwrites the address entry (so its last `hasSelectorAllowlist` wins) and, with a selector
/// allowlist, adds selectors that stay allowed for it.
fn merge_allowlist(inputs: &[AllowlistInput]) -> (Vec<TargetRule>, Vec<FixedBytes<4>>) {
    // Entries in order of first appearance, found by address through `index`.
    let mut entries: Vec<(Address, bool, Vec<FixedBytes<4>>)> = Vec::new();
    let mut index: BTreeMap<Address, usize> = BTreeMap::new();
    let mut wildcard: Vec<FixedBytes<4>> = Vec::new();
    for i in inputs {
        if i.target == Address::ZERO {
            for s in &i.selectors {
                if !wildcard.contains(s) {
                    wildcard.push(*s);
                }
            }
            continue;
        }
        let at = *index.entry(i.target).or_insert_with(|| {
            entries.push((i.target, false, Vec::new()));
            entries.len() - 1
        });
        let entry = &mut entries[at];
        entry.1 = i.hasSelectorAllowlist;
        if i.hasSelectorAllowlist {
            for s in &i.selectors {
                if !entry.2.contains(s) {
                    entry.2.push(*s);
                }
            }
        }
    }
    let targets = entries
        .into_iter()
        .map(|(address, has_list, sels)| TargetRule { address, selectors: has_list.then_some(sels) })
        .collect();
    (targets, wildcard)
}

/// ERC-20 limits per token in order of first appearance; a repeated token keeps its last limit,
/// as the module's storage does.
fn merge_erc20_limits(inputs: &[AllowlistInput]) -> Vec<Erc20Limit> {
    let mut limits: Vec<Erc20Limit> = Vec::new();
    let mut index: BTreeMap<Address, usize> = BTreeMap::new();
    for i in inputs {
        match index.entry(i.target) {
            Entry::Occupied(at) => limits[*at.get()].limit = i.erc20SpendLimit,
            Entry::Vacant(v) => {
                v.insert(limits.len());
                limits.push(Erc20Limit { token: i.target, limit: i.erc20SpendLimit });
            }
        }
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, hex};
    use serde_json::json;

    const ACCOUNT: Address = address!("65b5DE0251f553B2208762a4724303E750294D96");

    fn perms(v: serde_json::Value) -> Vec<Permission> {
        json::from_value(&v).unwrap()
    }

    fn refuse(v: serde_json::Value, entity: u64) -> Error {
        validate(&perms(v), ACCOUNT, entity).unwrap_err()
    }

    #[test]
    fn json_round_trips_in_the_sdk_shape() {
        let v = json!([
            {"type": "native-token-transfer", "data": {"allowance": "0xde0b6b3a7640000"}},
            {"type": "erc20-token-transfer", "data": {"address": "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "allowance": 1000000}},
            {"type": "gas-limit", "data": {"limit": "10000000000000000"}},
            {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}},
            {"type": "account-functions", "data": {"functions": ["0x12345678"]}},
            {"type": "functions-on-all-contracts", "data": {"functions": ["0xABCDEF01"]}},
            {"type": "functions-on-contract", "data": {"address": "0x000000000000000000000000000000000000dEaD", "functions": ["0x12345678"]}},
            {"type": "root"}
        ]);
        let p = perms(v);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!([
                {"type": "native-token-transfer", "data": {"allowance": "0xde0b6b3a7640000"}},
                {"type": "erc20-token-transfer", "data": {"address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "allowance": "0xf4240"}},
                {"type": "gas-limit", "data": {"limit": "0x2386f26fc10000"}},
                {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}},
                {"type": "account-functions", "data": {"functions": ["0x12345678"]}},
                {"type": "functions-on-all-contracts", "data": {"functions": ["0xabcdef01"]}},
                {"type": "functions-on-contract", "data": {"address": "0x000000000000000000000000000000000000dEaD", "functions": ["0x12345678"]}},
                {"type": "root"}
            ])
        );
    }

    #[test]
    fn parse_errors_name_the_field() {
        let e = json::from_value::<Vec<Permission>>(&json!([
            {"type": "root"},
            {"type": "account-functions", "data": {"functions": ["0x12345678", "0x1234"]}}
        ]))
        .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_LENGTH", Some("[1].data.functions[1]")));
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "call-limit", "data": {"limit": "0x5"}}]))
            .unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_VARIANT");
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "ROOT"}])).unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_VARIANT");
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "gas-limit", "data": {"limit": "0x1", "x": 1}}]))
            .unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_FIELD");
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "gas-limit"}])).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("[0].data")));
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "gas-limit", "data": {"allowance": "0x1"}}]))
            .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("[0].data.limit")));
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "root", "data": {"limit": "0x1"}}])).unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_FIELD");
        let e =
            json::from_value::<Vec<Permission>>(&json!([{"type": "gas-limit", "data": {"limit": "-1"}}])).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_NUMBER", Some("[0].data.limit")));
        let e = json::from_value::<Vec<Permission>>(&json!([{"type": "contract-access", "data": {"address": "0x12"}}]))
            .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_ADDRESS", Some("[0].data.address")));
        // An unknown type wins over fields that type might have had.
        let e = json::from_value::<Vec<Permission>>(
            &json!([{"type": "erc721-token-transfer", "data": {"tokenId": "0x1"}}]),
        )
        .unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_VARIANT");
        // Key order does not matter (a browser object keeps `type` first).
        let text = r#"[{"type": "account-functions", "data": {"functions": ["0x1234"]}}]"#;
        let e = json::from_value::<Vec<Permission>>(&serde_json::from_str(text).unwrap()).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_LENGTH", Some("[0].data.functions[0]")));
    }

    /// §9.5 Example B: hook configs, the id offset and the allowlist contents.
    #[test]
    fn example_b_hooks() {
        let p = perms(json!([
            {"type": "erc20-token-transfer", "data": {"address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "allowance": "0xf4240"}},
            {"type": "gas-limit", "data": {"limit": "0x2386f26fc10000"}},
            {"type": "functions-on-all-contracts", "data": {"functions": ["0x12345678"]}}
        ]));
        let s = validate(&p, ACCOUNT, 7).unwrap();
        let configs: Vec<String> = s.hooks.iter().map(|h| json::hex(h.config.encode())).collect();
        assert_eq!(
            configs,
            [
                "0x00000000003e826473a313e600b5b9b791f5a59a8000000604",
                "0x00000000000001e541f0d090868fbe24b59fbe068000000605",
                "0x00000000003e826473a313e600b5b9b791f5a59a0000000705",
            ]
        );
        assert_eq!(json::hex(s.validation_config()), "0x00000000000099de0bf6fa90deb851e2a2df7d830000000701");
        assert_eq!(s.selectors, [FixedBytes(EXECUTE_SELECTOR), FixedBytes(EXECUTE_BATCH_SELECTOR)]);
        assert!(s.has_execution_hooks);
        // gas-limit data: (0x80000006, 1e16)
        assert_eq!(
            s.hooks[1].install_data.as_ref(),
            hex!(
                "0000000000000000000000000000000000000000000000000000000080000006"
                "000000000000000000000000000000000000000000000000002386f26fc10000"
            )
        );
        assert_eq!(
            s.hooks[1].uninstall_data.as_ref(),
            hex!("0000000000000000000000000000000000000000000000000000000080000006")
        );
        // ERC-20 exec hook: (0x80000006, [(USDC, false, true, 1000000, [])]), word by word.
        let words = [
            "0000000000000000000000000000000000000000000000000000000080000006", // entity E'
            "0000000000000000000000000000000000000000000000000000000000000040", // inputs offset
            "0000000000000000000000000000000000000000000000000000000000000001", // 1 input
            "0000000000000000000000000000000000000000000000000000000000000020", // input[0] offset
            "000000000000000000000000a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", // target
            "0000000000000000000000000000000000000000000000000000000000000000", // hasSelectorAllowlist
            "0000000000000000000000000000000000000000000000000000000000000001", // hasERC20SpendLimit
            "00000000000000000000000000000000000000000000000000000000000f4240", // limit
            "00000000000000000000000000000000000000000000000000000000000000a0", // selectors offset
            "0000000000000000000000000000000000000000000000000000000000000000", // no selectors
        ];
        assert_eq!(alloy_primitives::hex::encode(&s.hooks[0].install_data), words.concat());
        assert_eq!(s.hooks[0].uninstall_data, s.hooks[0].install_data);
        // Pre-check view.
        let usdc = address!("A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
        assert_eq!(
            s.targets,
            [TargetRule {
                address: usdc,
                selectors: Some(vec![ERC20_APPROVE_SELECTOR.into(), ERC20_TRANSFER_SELECTOR.into()])
            }]
        );
        assert_eq!(s.any_target_selectors, [FixedBytes(hex!("12345678"))]);
        assert_eq!(s.erc20_limits, [Erc20Limit { token: usdc, limit: U256::from(1_000_000u32) }]);
        assert_eq!(s.gas_limit, Some(U256::from(10_000_000_000_000_000u64)));
        assert_eq!(s.native_limit, None);
    }

    #[test]
    fn root_is_global_with_no_hooks() {
        let s = validate(&perms(json!([{"type": "root"}])), ACCOUNT, 1).unwrap();
        assert!(s.is_global && s.hooks.is_empty() && s.selectors.is_empty() && !s.has_execution_hooks);
        assert_eq!(s.validation_flags(), 5);
    }

    #[test]
    fn account_functions_come_before_execute() {
        let s = validate(
            &perms(json!([
                {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}},
                {"type": "account-functions", "data": {"functions": ["0x11111111", "0x22222222"]}}
            ])),
            ACCOUNT,
            3,
        )
        .unwrap();
        let sels: Vec<String> = s.selectors.iter().map(json::hex).collect();
        assert_eq!(sels, ["0x11111111", "0x22222222", "0xb61d27f6", "0x34fcd5be"]);
        assert!(!s.has_execution_hooks);
    }

    #[test]
    fn allowlist_merges_like_the_module() {
        let s = validate(
            &perms(json!([
                {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}},
                {"type": "erc20-token-transfer", "data": {"address": "0x000000000000000000000000000000000000dEaD", "allowance": "0x5"}},
                {"type": "erc20-token-transfer", "data": {"address": "0x000000000000000000000000000000000000dEaD", "allowance": "0x7"}}
            ])),
            ACCOUNT,
            3,
        )
        .unwrap();
        assert_eq!(s.targets.len(), 1);
        assert_eq!(s.targets[0].selectors.as_ref().map(Vec::len), Some(2));
        assert_eq!(s.erc20_limits[0].limit, U256::from(7));
    }

    fn code_field(e: &Error) -> (&'static str, Option<String>) {
        (e.code(), e.field())
    }

    #[test]
    fn every_refusal() {
        let dead = "0x000000000000000000000000000000000000dEaD";
        let ca = json!({"type": "contract-access", "data": {"address": dead}});
        let e = refuse(json!([{"type": "root"}, ca]), 1);
        assert_eq!(code_field(&e), ("ROOT_PERMISSION_ONLY", Some("permissions[1]".into())));
        let e = refuse(json!([ca, {"type": "root"}]), 1);
        assert_eq!(code_field(&e), ("ROOT_PERMISSION_ONLY", Some("permissions[1]".into())));
        let e = refuse(json!([{"type": "root"}, {"type": "root"}]), 1);
        assert_eq!(e.code(), "ROOT_PERMISSION_ONLY");

        let nat = json!({"type": "native-token-transfer", "data": {"allowance": "0x1"}});
        let e = refuse(json!([nat, ca, nat]), 1);
        assert_eq!(code_field(&e), ("MULTIPLE_NATIVE_TOKEN_TRANSFER", Some("permissions[2]".into())));
        let gas = json!({"type": "gas-limit", "data": {"limit": "0x1"}});
        let e = refuse(json!([gas, gas, ca]), 1);
        assert_eq!(code_field(&e), ("MULTIPLE_GAS_LIMIT", Some("permissions[1]".into())));

        // Account as target, in any spelling.
        let lower = ACCOUNT.to_string().to_lowercase();
        let e = refuse(json!([{"type": "contract-access", "data": {"address": lower}}]), 1);
        assert_eq!(code_field(&e), ("ACCOUNT_ADDRESS_AS_TARGET", Some("permissions[0].data.address".into())));
        let e = refuse(
            json!([{"type": "functions-on-contract", "data": {"address": ACCOUNT, "functions": ["0x12345678"]}}]),
            1,
        );
        assert_eq!(e.code(), "ACCOUNT_ADDRESS_AS_TARGET");

        let e = refuse(
            json!([ca, {"type": "functions-on-contract", "data": {"address": dead.to_lowercase(), "functions": ["0x12345678"]}}]),
            1,
        );
        assert_eq!(code_field(&e), ("DUPLICATE_TARGET_ADDRESS", Some("permissions[1].data.address".into())));

        for t in ["account-functions", "functions-on-all-contracts"] {
            let e = refuse(json!([{"type": t, "data": {"functions": []}}]), 1);
            assert_eq!(code_field(&e), ("NO_FUNCTIONS_PROVIDED", Some("permissions[0].data.functions".into())));
        }
        let e = refuse(json!([{"type": "functions-on-contract", "data": {"address": dead, "functions": []}}]), 1);
        assert_eq!(e.code(), "NO_FUNCTIONS_PROVIDED");

        for (sel, _) in FORBIDDEN_SELECTORS {
            let upper = format!("0x{}", alloy_primitives::hex::encode_upper(sel));
            let e = refuse(json!([{"type": "account-functions", "data": {"functions": ["0x12345678", upper]}}]), 1);
            assert_eq!(code_field(&e), ("SELECTOR_NOT_ALLOWED", Some("permissions[0].data.functions[1]".into())));
        }

        let zero = "0x0000000000000000000000000000000000000000";
        for p in [
            json!({"type": "erc20-token-transfer", "data": {"address": zero, "allowance": "0x1"}}),
            json!({"type": "contract-access", "data": {"address": zero}}),
            json!({"type": "functions-on-contract", "data": {"address": zero, "functions": ["0x12345678"]}}),
        ] {
            let e = refuse(json!([p]), 1);
            assert_eq!(code_field(&e), ("ZERO_ADDRESS", Some("permissions[0].data.address".into())));
        }

        for id in [0u64, 2_147_483_647, 4_294_967_295, 4_294_967_296] {
            let e = refuse(json!([ca]), id);
            assert_eq!(code_field(&e), ("INVALID_ENTITY_ID", Some("entityId".into())));
        }
        assert!(validate(&perms(json!([ca])), ACCOUNT, 2_147_483_646).is_ok());

        let e = refuse(json!([nat, gas]), 1);
        assert_eq!(code_field(&e), ("VALIDATION_CONFIG_UNSET", Some("permissions".into())));
        let e = refuse(json!([]), 1);
        assert_eq!(e.code(), "VALIDATION_CONFIG_UNSET");
    }

    #[test]
    fn sdk_order_decides_which_error_wins() {
        let zero = "0x0000000000000000000000000000000000000000";
        // A translate-time error (zero address) loses to a later addPermission-time one (root).
        let e = refuse(json!([{"type": "contract-access", "data": {"address": zero}}, {"type": "root"}]), 1);
        assert_eq!(e.code(), "ROOT_PERMISSION_ONLY");
        // Entity 0 is checked last, entity ≥ 0x7FFFFFFF first.
        let e = refuse(json!([{"type": "gas-limit", "data": {"limit": "0x1"}}]), 0);
        assert_eq!(e.code(), "VALIDATION_CONFIG_UNSET");
        let e = refuse(json!([{"type": "root"}, {"type": "root"}]), 2_147_483_647);
        assert_eq!(e.code(), "INVALID_ENTITY_ID");
    }
}
