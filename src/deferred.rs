//! Deferred session grants: the owner signs an EIP-712 `DeferredAction` off-chain and the
//! session key's first user operation carries the `installValidation` call in its signature, so
//! granting a key costs the owner one wallet signature and no transaction.
//!
//! The byte strings follow Alchemy's SDK exactly (`PermissionBuilder.compileDeferred`,
//! `buildDeferredActionDigest`, `parseDeferredAction`):
//!
//! ```text
//! preSignatureDigest   = 0x00|0x01 (exec hooks) ‖ nonce (32) ‖ uint32 len ‖ data
//!   data               = uint168 validationLocator (owner: entity 0, global = 1) ‖ uint48 deadline ‖ call
//! deferredActionDigest = preSignatureDigest ‖ uint32 len(sig) ‖ sig,  sig = 0x00 (EOA) ‖ r ‖ s ‖ v
//! ```
//!
//! The first 33 bytes are for the client (whether to prefix `executeUserOp`, which nonce to
//! use); the rest is the on-chain prefix of the session's first user-operation signature.

use alloy_primitives::aliases::{U168, U48};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::install::{self, Grant, SessionInstallRequest, Validation, MAX_UINT48};
use crate::json::{self, Addr};
use crate::permissions::Permission;
use crate::read;
use crate::write::Obj;

/// Validation locator of the authorizing validation: the owner (entity 0) with the global bit.
const OWNER_LOCATOR: u64 = 1;

/// Everything needed to build a deferred session grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredInstallRequest {
    /// Chain id (EIP-712 domain).
    pub chain_id: u64,
    /// The account (EIP-712 verifying contract).
    pub account: Addr,
    /// Address of the session key.
    pub session_key: Addr,
    /// The session's validation entity id (must be the one `nonce` encodes).
    pub entity_id: u64,
    /// Alchemy PermissionBuilder permissions.
    pub permissions: Vec<Permission>,
    /// TimeRange `validUntil`.
    pub expires_at: Option<u64>,
    /// TimeRange `validAfter` (needs `expiresAt`).
    pub valid_after: Option<u64>,
    /// PaymasterGuard paymaster.
    pub paymaster: Option<Addr>,
    /// Last second the owner's authorization may be used; 0 = none. Parsed wide so that a value
    /// past uint48 is reported as `TIME_OVER_LIMIT`, as the SDK does.
    pub deadline: u64,
    /// The full 256-bit user-op nonce of the operation that will carry the action (session
    /// entity id, deferred bit, sequence).
    pub nonce: U256,
}

impl DeferredInstallRequest {
    /// Read the grant object; a failure is the input error at its path (`argument` names the
    /// whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, &install::GRANT_KEYS)
            .and_then(|f| {
                let session_key = f.req("sessionKey", read::leaf)?;
                let deadline = f.req("deadline", read::u64_number)?;
                let nonce = f.req("nonce", read::u256)?;
                let (chain_id, account, entity_id, permissions, expires_at, valid_after, paymaster) =
                    install::grant_fields(f)?;
                Ok(DeferredInstallRequest {
                    chain_id,
                    account,
                    session_key,
                    entity_id,
                    permissions,
                    expires_at,
                    valid_after,
                    paymaster,
                    deadline,
                    nonce,
                })
            })
            .map_err(|e| json::read_error(e, argument))
    }

    /// The same grant as a direct install request.
    pub fn install_request(&self) -> SessionInstallRequest {
        SessionInstallRequest {
            chain_id: self.chain_id,
            account: self.account,
            session_key: self.session_key,
            entity_id: self.entity_id,
            permissions: self.permissions.clone(),
            expires_at: self.expires_at,
            valid_after: self.valid_after,
            paymaster: self.paymaster,
        }
    }
}

/// A deferred grant ready for the owner's wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredInstall {
    /// `eth_signTypedData_v4` payload (viem's shape plus `types.EIP712Domain`).
    pub typed_data: Value,
    /// Its EIP-712 digest: what the owner's signature must recover over.
    pub typed_data_hash: B256,
    /// The SDK's `fullPreSignatureDeferredActionDigest`.
    pub pre_signature_digest: Bytes,
    /// Whether the session's operations need the `executeUserOp` prefix.
    pub has_execution_hooks: bool,
    /// The `installValidation` call the action runs.
    pub call_data: Bytes,
}

impl DeferredInstall {
    /// The JS shape (hashes and bytes lower-case hex). Consumes it: the typed data moves in,
    /// uncopied.
    pub fn into_json(self) -> Value {
        Obj::new()
            .put("typedData", self.typed_data)
            .hex("typedDataHash", self.typed_data_hash.as_slice())
            .hex("preSignatureDigest", &self.pre_signature_digest)
            .bool("hasExecutionHooks", self.has_execution_hooks)
            .hex("callData", &self.call_data)
            .value()
    }
}

/// `deadline` must be 0 or in `[now, 2^48-1]` (the SDK's `compileDeferred` checks).
pub(crate) fn check_deadline(deadline: u64, now: u64) -> Result<()> {
    if deadline == 0 {
        return Ok(());
    }
    if deadline < now {
        return Err(Error::Expired { field: "deadline", value: deadline, now });
    }
    if deadline > MAX_UINT48 {
        return Err(Error::TimeOverLimit { field: "deadline", value: deadline });
    }
    Ok(())
}

/// EIP-712 digest of the account's `DeferredAction(uint256 nonce, uint48 deadline, bytes call)`
/// (`ModularAccountBase._computeDeferredActionHash`) for `account` on `chain_id`: the domain is
/// chain id and verifying contract only. `deadline` saturates at uint48.
pub fn deferred_action_hash(chain_id: u64, account: Address, nonce: U256, deadline: u64, call: &[u8]) -> B256 {
    let domain = crate::eip712::domain_separator(chain_id, account, None);
    crate::eip712::deferred_action(domain, nonce, deadline.min(MAX_UINT48), call)
}

/// The typed data handed to the wallet. viem omits `EIP712Domain` from `types` because its own
/// `signTypedData` adds it before calling `eth_signTypedData_v4`; wallets that receive the JSON
/// directly (MetaMask's eth-sig-util) otherwise hash the domain as `EIP712Domain()` and produce
/// a signature the account rejects, so it is included here, matching the domain's two fields.
fn typed_data_json(chain_id: u64, account: Address, nonce: U256, deadline: u64, call: &[u8]) -> Value {
    // Parsed from text rather than built with `json!`, which sends every value through
    // `to_value(..).unwrap()`, a panic path that links serde_json's error formatting. The values
    // are numbers and hex: nothing to escape, so the text always parses.
    let text = format!(
        r#"{{"domain":{{"chainId":{chain_id},"verifyingContract":"{}"}},"types":{{"EIP712Domain":[{{"name":"chainId","type":"uint256"}},{{"name":"verifyingContract","type":"address"}}],"DeferredAction":[{{"name":"nonce","type":"uint256"}},{{"name":"deadline","type":"uint48"}},{{"name":"call","type":"bytes"}}]}},"primaryType":"DeferredAction","message":{{"nonce":"{}","deadline":{deadline},"call":"{}"}}}}"#,
        json::address(&account),
        json::quantity(nonce),
        json::hex(call),
    );
    crate::json_text::parse(&text).unwrap_or_default()
}

/// `0x0{hooks}` ‖ nonce ‖ uint32 len ‖ encodePacked(uint168 locator, uint48 deadline, bytes call).
fn pre_signature_digest(has_exec_hooks: bool, nonce: U256, deadline: u64, call: &[u8]) -> Result<Bytes> {
    let packed =
        (U168::from(OWNER_LOCATOR), U48::saturating_from(deadline), Bytes::copy_from_slice(call)).abi_encode_packed();
    let len = u32::try_from(packed.len())
        .map_err(|_| Error::InvalidDeferredAction { detail: "call data longer than 2^32 bytes".into() })?;
    let mut out = Vec::with_capacity(1 + 32 + 4 + packed.len());
    out.push(u8::from(has_exec_hooks));
    out.extend_from_slice(&nonce.to_be_bytes::<32>());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&packed);
    Ok(out.into())
}

/// Build the deferred grant at time `now` (unix seconds): checks in the SDK's order (time-range
/// and paymaster hooks, entity id, `addPermission` rules, then the deadline, then the rest).
pub fn build_deferred_install(req: &DeferredInstallRequest, now: u64) -> Result<DeferredInstall> {
    let grant = install::lend_grant!(req);
    deferred_for(&grant, &Validation::SingleSigner(req.session_key.0), req.chain_id, req.nonce, req.deadline, now)
}

/// The deferred grant of validation `v` (either key kind) at time `now`, checked in the SDK's
/// order with the deadline among the grant's checks.
pub(crate) fn deferred_for(
    g: &Grant<'_>,
    v: &Validation,
    chain_id: u64,
    nonce: U256,
    deadline: u64,
    now: u64,
) -> Result<DeferredInstall> {
    let install = install::plan_install_for(g, now, &|| check_deadline(deadline, now), v)?;
    let account = g.account.0;
    let call = &install.call_data;
    Ok(DeferredInstall {
        typed_data: typed_data_json(chain_id, account, nonce, deadline, call),
        typed_data_hash: deferred_action_hash(chain_id, account, nonce, deadline, call),
        pre_signature_digest: pre_signature_digest(install.has_execution_hooks, nonce, deadline, call)?,
        has_execution_hooks: install.has_execution_hooks,
        call_data: install.call_data,
    })
}

/// EIP-712 digest the owner signs for this request, at time `now`.
pub fn typed_data_hash(req: &DeferredInstallRequest, now: u64) -> Result<B256> {
    build_deferred_install(req, now).map(|d| d.typed_data_hash)
}

/// Check the layout of a pre-signature digest; returns the end of its encoded data.
fn check_pre(pre: &[u8]) -> Result<usize> {
    let bad = |detail: &str| Err(Error::InvalidDeferredAction { detail: detail.into() });
    if pre.len() < 37 {
        return bad("shorter than flag, nonce and length (37 bytes)");
    }
    if pre[0] > 1 {
        return bad("the first byte must be 0x00 or 0x01");
    }
    let len = u32::from_be_bytes([pre[33], pre[34], pre[35], pre[36]]) as usize;
    if len < 27 {
        return bad("encoded data shorter than validation locator and deadline (27 bytes)");
    }
    match 37usize.checked_add(len) {
        Some(end) if end <= pre.len() => Ok(end),
        _ => bad("encoded data length runs past the end"),
    }
}

/// The SDK's `buildDeferredActionDigest`: `pre ‖ uint32 len(sig) ‖ sig` with the EOA type byte.
///
/// `owner_signature` is what the wallet's `eth_signTypedData_v4` returned (65 bytes `r‖s‖v`),
/// or the same with the `0x00` EOA type byte already in front (66 bytes).
pub fn deferred_action_digest(pre_signature_digest: &[u8], owner_signature: &[u8]) -> Result<Bytes> {
    if check_pre(pre_signature_digest)? != pre_signature_digest.len() {
        return Err(Error::InvalidDeferredAction { detail: "trailing bytes after the encoded data".into() });
    }
    let sig: Vec<u8> = match owner_signature.len() {
        65 => [&[0u8][..], owner_signature].concat(),
        66 if owner_signature[0] == 0 => owner_signature.to_vec(),
        n => {
            return Err(Error::InvalidSignature {
                field: "ownerSignature",
                detail: format!("expected a 65-byte signature (or 66 bytes starting 0x00), got {n} bytes"),
            })
        }
    };
    let mut out = pre_signature_digest.to_vec();
    out.extend_from_slice(&(sig.len() as u32).to_be_bytes());
    out.extend_from_slice(&sig);
    Ok(out.into())
}

/// The SDK's `parseDeferredAction`: `(has_exec_hooks, nonce, on-chain prefix)`. The prefix goes
/// in front of the session's first user-operation signature; the nonce is that operation's.
pub fn split_deferred_action(digest: &[u8]) -> Result<(bool, U256, Bytes)> {
    let end = check_pre(digest)?;
    let bad = |detail: &str| Err(Error::InvalidDeferredAction { detail: detail.into() });
    let Some(sig_len) = digest.get(end..end + 4) else {
        return bad("no owner signature after the encoded data");
    };
    let sig_len = u32::from_be_bytes([sig_len[0], sig_len[1], sig_len[2], sig_len[3]]) as usize;
    // checked: usize is 32 bits on wasm32.
    if sig_len == 0 || (end + 4).checked_add(sig_len) != Some(digest.len()) {
        return bad("owner signature length does not match the bytes that follow");
    }
    let nonce = U256::from_be_slice(&digest[1..33]);
    Ok((digest[0] == 1, nonce, Bytes::copy_from_slice(&digest[33..])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{hex, keccak256};
    use serde_json::json;

    const NOW: u64 = 1_764_000_000;

    #[test]
    fn typed_data_is_the_eip712_object() {
        let account = Address::repeat_byte(0xab);
        let v = typed_data_json(8453, account, U256::from(0x1234), 1_800_000_000, &[0xde, 0xad]);
        let expected = json!({
            "domain": { "chainId": 8453, "verifyingContract": json::address(&account) },
            "types": {
                "EIP712Domain": [
                    { "name": "chainId", "type": "uint256" },
                    { "name": "verifyingContract", "type": "address" }
                ],
                "DeferredAction": [
                    { "name": "nonce", "type": "uint256" },
                    { "name": "deadline", "type": "uint48" },
                    { "name": "call", "type": "bytes" }
                ]
            },
            "primaryType": "DeferredAction",
            "message": { "nonce": "0x1234", "deadline": 1_800_000_000u64, "call": "0xdead" }
        });
        assert_eq!(v, expected);
    }

    fn example_a(deadline: u64) -> DeferredInstallRequest {
        DeferredInstallRequest::from_json(
            &json!({
                "chainId": 11155111,
                "account": "0x65b5DE0251f553B2208762a4724303E750294D96",
                "sessionKey": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "entityId": 1,
                "permissions": [
                    {"type": "native-token-transfer", "data": {"allowance": "0xde0b6b3a7640000"}},
                    {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}}
                ],
                "deadline": deadline,
                "nonce": "0x0000000000000000000000000000000000000000000001020000000000000000"
            }),
            "grant",
        )
        .unwrap()
    }

    const OWNER_SIG: [u8; 65] = hex!("bbbdc13badc5ef3b79b2bb02b3fff84d5dd0dabb03f3e3ec8c5387340551307046f7751b9589fb8045615cd6c18ca0171b7afbef30cc6d3cc976a1449ff63c411b");

    /// §9.3: typehash, digest and the on-chain prefix, piece by piece.
    #[test]
    fn example_a_deferred_pieces() {
        assert_eq!(
            keccak256("DeferredAction(uint256 nonce,uint48 deadline,bytes call)"),
            B256::from(hex!("9b23e06584efc6b65fc854cee55011d89f86485487b6db36aed7d23884711ea3"))
        );
        let d = build_deferred_install(&example_a(0), NOW).unwrap();
        assert_eq!(
            crate::eip712::domain_separator(11155111, example_a(0).account.0, None),
            B256::from(hex!("5ad3d510da20a26d48236f68df4cf77c92af2dc01751e49b4a600a6a64d6ab93"))
        );
        assert_eq!(
            d.typed_data_hash,
            B256::from(hex!("874d457a3798ce7665c951947d689070f67877fb8e0bf1e9a66f99a52f26040f"))
        );
        assert!(d.has_execution_hooks);
        assert_eq!(d.call_data.len(), 932);

        let pre = &d.pre_signature_digest;
        assert_eq!(pre[0], 0x01); // native exec hook
        assert_eq!(&pre[1..33], hex!("0000000000000000000000000000000000000000000001020000000000000000"));
        assert_eq!(&pre[33..37], hex!("000003bf")); // 959 = 21 + 6 + 932
        assert_eq!(&pre[37..58], hex!("000000000000000000000000000000000000000001")); // owner locator
        assert_eq!(&pre[58..64], hex!("000000000000")); // deadline 0
        assert_eq!(&pre[64..], &d.call_data[..]);

        let full = deferred_action_digest(pre, &OWNER_SIG).unwrap();
        assert_eq!(full.len(), 33 + 1033);
        assert_eq!(&full[pre.len()..pre.len() + 5], hex!("0000004200"));
        assert_eq!(&full[pre.len() + 5..], OWNER_SIG);
        // 66 bytes with the type byte give the same result.
        let sig66 = [&[0u8][..], &OWNER_SIG[..]].concat();
        assert_eq!(deferred_action_digest(pre, &sig66).unwrap(), full);

        let (hooks, nonce, prefix) = split_deferred_action(&full).unwrap();
        assert!(hooks);
        assert_eq!(nonce, U256::from(0x102u64) << 64);
        assert_eq!(prefix.len(), 1033);
        assert_eq!(&prefix[..], &full[33..]);
    }

    #[test]
    fn typed_data_shape() {
        let d = build_deferred_install(&example_a(1_800_000_000), NOW).unwrap();
        let t = &d.typed_data;
        assert_eq!(
            t["domain"],
            json!({"chainId": 11155111, "verifyingContract": "0x65b5DE0251f553B2208762a4724303E750294D96"})
        );
        assert_eq!(t["primaryType"], "DeferredAction");
        assert_eq!(t["message"]["nonce"], "0x1020000000000000000");
        assert_eq!(t["message"]["deadline"], 1_800_000_000u64);
        assert_eq!(t["message"]["call"], json::hex(&d.call_data));
        assert_eq!(t["types"]["EIP712Domain"][1]["name"], "verifyingContract");
        assert_eq!(&d.pre_signature_digest[58..64], hex!("00006b49d200"));
    }

    #[test]
    fn refusals() {
        let e = build_deferred_install(&example_a(1000), NOW).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("EXPIRED", Some("deadline")));
        assert!(build_deferred_install(&example_a(NOW), NOW).is_ok());
        let e = build_deferred_install(&example_a(1 << 48), NOW).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("TIME_OVER_LIMIT", Some("deadline")));
        // addPermission rules come before the deadline, translation rules after it.
        let mut r = example_a(1000);
        r.permissions.insert(0, Permission::Root);
        assert_eq!(build_deferred_install(&r, NOW).unwrap_err().code(), "ROOT_PERMISSION_ONLY");
        let mut r = example_a(1000);
        r.permissions.retain(|p| matches!(p, Permission::NativeTokenTransfer(_)));
        assert_eq!(build_deferred_install(&r, NOW).unwrap_err().code(), "EXPIRED");

        let d = build_deferred_install(&example_a(0), NOW).unwrap();
        let pre = &d.pre_signature_digest;
        for bad in [&OWNER_SIG[..64], &[1u8; 66][..], &[][..]] {
            let e = deferred_action_digest(pre, bad).unwrap_err();
            assert_eq!((e.code(), e.field().as_deref()), ("INVALID_SIGNATURE", Some("ownerSignature")));
        }
        for bad in [&pre[..36], &pre[..pre.len() - 1], &[&[2u8][..], &pre[1..]].concat()[..]] {
            assert_eq!(deferred_action_digest(bad, &OWNER_SIG).unwrap_err().code(), "INVALID_DEFERRED_ACTION");
        }
        let full = deferred_action_digest(pre, &OWNER_SIG).unwrap();
        for bad in [&full[..full.len() - 1], &full[..pre.len()], &full[..10], &[&full[..], &[0u8][..]].concat()[..]] {
            assert_eq!(split_deferred_action(bad).unwrap_err().code(), "INVALID_DEFERRED_ACTION");
        }
    }
}
