//! Deployed addresses: EntryPoint v0.7 and Alchemy's MAv2 contracts, the same on every chain
//! Alchemy lists (`shared/mav2-spec.md` §2.1; SDK 4.88.5 `ma-v2/utils.js`, `ma-v2/modules/utils.js`).

use alloy_primitives::{address, Address};

/// EntryPoint v0.7, canonical CREATE2 address.
pub const ENTRY_POINT_V07: Address = address!("0000000071727De22E5E9d8BAf0edAc6f37da032");
/// MAv2 AccountFactory v2.0.0 (the SDK's default factory).
pub const ACCOUNT_FACTORY: Address = address!("00000000000017c61b5bEe81050EC8eFc9c6fecd");
/// SemiModularAccountBytecode implementation (the SDK's default account).
pub const SMA_BYTECODE_IMPL: Address = address!("000000000000c5A9089039570Dd36455b5C07383");
/// SingleSignerValidationModule: holds the session key as the validation's signer.
pub const SINGLE_SIGNER_VALIDATION_MODULE: Address = address!("00000000000099DE0BF6fA90dEB851E2A2df7d83");
/// AllowlistModule v2.0.1: target/selector allowlist and ERC-20 spend limits.
pub const ALLOWLIST_MODULE: Address = address!("00000000003e826473a313e600b5b9b791f5a59a");
/// NativeTokenLimitModule: native value limit (exec hook) and gas limit (validation hook).
pub const NATIVE_TOKEN_LIMIT_MODULE: Address = address!("00000000000001e541f0D090868FBe24b59Fbe06");
/// PaymasterGuardModule: pins the paymaster a session must use.
pub const PAYMASTER_GUARD_MODULE: Address = address!("0000000000001aA7A7F7E29abe0be06c72FD42A1");
/// TimeRangeModule: validAfter / validUntil of a session.
pub const TIME_RANGE_MODULE: Address = address!("00000000000082B8e2012be914dFA4f62A0573eA");
/// WebAuthnValidationModule: verifies a P-256 WebAuthn assertion (SDK
/// `getDefaultWebauthnValidationModuleAddress`).
pub const WEBAUTHN_VALIDATION_MODULE: Address = address!("0000000000001D9d34E07D9834274dF9ae575217");
