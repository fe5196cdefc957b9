//! MAv2 nonce keys: which validation a user operation uses is chosen by its nonce.
//!
//! EntryPoint v0.7 splits the 256-bit nonce into a 192-bit key and a 64-bit sequence. MAv2 reads
//! the low 5 bytes of the key as `entityId(4) ‖ options(1)` and leaves the upper 152 bits free as
//! a parallel nonce (`shared/mav2-spec.md` §6.1; SDK `buildFullNonceKey`).

use alloy_primitives::U256;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::json;
use crate::read;

/// Options bit: the validation is used as a global validation.
pub const OPTION_GLOBAL: u8 = 0x01;
/// Options bit: the signature starts with a deferred action (first op of a deferred install).
pub const OPTION_DEFERRED: u8 = 0x02;
/// Options bit: direct-call validation (the key then carries a caller address).
pub const OPTION_DIRECT_CALL: u8 = 0x04;

/// Largest parallel nonce key MAv2 leaves free: 2^152 - 1.
pub fn max_parallel_key() -> U256 {
    (U256::from(1u8) << 152) - U256::from(1u8)
}

/// Inputs of the SDK's `buildFullNonceKey`, with its defaults for omitted fields. Read by
/// [`NonceKeyRequest::from_json`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NonceKeyRequest {
    /// Parallel nonce key (≤ 152 bits); default 0.
    #[serde(skip_serializing_if = "Option::is_none", with = "json::opt::u256")]
    pub nonce_key: Option<U256>,
    /// Entity id of the validation; default 0 (the SMA owner).
    #[serde(skip_serializing_if = "Option::is_none", with = "json::opt::u32")]
    pub entity_id: Option<u32>,
    /// Use the validation as global; default true (as the SDK).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_global_validation: Option<bool>,
    /// The op carries a deferred action; default false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_deferred_action: Option<bool>,
}

impl NonceKeyRequest {
    /// Read the request object; a failure is the input error at its path (`argument` names
    /// the whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, &["nonceKey", "entityId", "isGlobalValidation", "isDeferredAction"])
            .and_then(|f| {
                Ok(NonceKeyRequest {
                    nonce_key: f.opt("nonceKey", read::u256)?,
                    entity_id: f.opt("entityId", read::u32)?,
                    is_global_validation: f.opt("isGlobalValidation", read::bool)?,
                    is_deferred_action: f.opt("isDeferredAction", read::bool)?,
                })
            })
            .map_err(|e| json::read_error(e, argument))
    }
}

/// The 192-bit EntryPoint key for a validation:
/// `(nonceKey << 40) + (entityId << 8) + (deferred ? 2 : 0) + (global ? 1 : 0)`.
///
/// Unlike the SDK's `buildFullNonceKey`, a parallel key above 2^152 - 1 is refused
/// ([`Error::InvalidNonceKey`]): it would overflow the key's 192 bits or spill into the entity id.
pub fn nonce_key(req: &NonceKeyRequest) -> Result<U256> {
    let parallel = req.nonce_key.unwrap_or(U256::ZERO);
    if parallel > max_parallel_key() {
        return Err(Error::InvalidNonceKey { value: json::quantity(parallel) });
    }
    let mut options = 0u8;
    if req.is_global_validation.unwrap_or(true) {
        options |= OPTION_GLOBAL;
    }
    if req.is_deferred_action.unwrap_or(false) {
        options |= OPTION_DEFERRED;
    }
    Ok((parallel << 40) | (U256::from(req.entity_id.unwrap_or(0)) << 8) | U256::from(options))
}

/// The full nonce `key << 64 | sequence`, as `EntryPoint.getNonce` returns it.
/// A key wider than 192 bits is refused.
pub fn full_nonce(key: U256, sequence: u64) -> Result<U256> {
    if key.bit_len() > 192 {
        return Err(Error::InvalidNonceKey { value: json::quantity(key) });
    }
    Ok((key << 64) | U256::from(sequence))
}

/// Split a full nonce into its 192-bit key and 64-bit sequence.
pub fn split_nonce(nonce: U256) -> (U256, u64) {
    let sequence = nonce.as_limbs()[0];
    (nonce >> 64, sequence)
}

/// What a nonce key says about the validation it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceKeyParts {
    /// The upper 152 bits (parallel nonce).
    pub parallel_key: U256,
    /// The validation's entity id.
    pub entity_id: u32,
    /// Options bit 0x01.
    pub is_global: bool,
    /// Options bit 0x02.
    pub is_deferred: bool,
    /// Options bit 0x04 (then the key's layout is `user key(3) ‖ caller(20) ‖ options`, and
    /// `parallel_key`/`entity_id` are not meaningful).
    pub is_direct_call: bool,
}

/// Read a 192-bit nonce key back into its parts (bits above 192 are ignored).
pub fn decode_nonce_key(key: U256) -> NonceKeyParts {
    let low = key.as_limbs()[0];
    let options = (low & 0xff) as u8;
    let key192 = key & ((U256::from(1u8) << 192) - U256::from(1u8));
    NonceKeyParts {
        parallel_key: key192 >> 40,
        entity_id: ((low >> 8) & 0xffff_ffff) as u32,
        is_global: options & OPTION_GLOBAL != 0,
        is_deferred: options & OPTION_DEFERRED != 0,
        is_direct_call: options & OPTION_DIRECT_CALL != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(v: serde_json::Value) -> Result<U256> {
        nonce_key(&NonceKeyRequest::from_json(&v, "options")?)
    }

    #[test]
    fn sdk_defaults_and_spec_examples() {
        // SDK defaults: key 0, entity 0, global, not deferred ⇒ the owner's key 0x01 (§6.1).
        assert_eq!(key(json!({})).unwrap(), U256::from(0x01));
        // Session key from the PermissionBuilder, entity 1, not global ⇒ 0x100.
        assert_eq!(key(json!({"entityId": 1, "isGlobalValidation": false})).unwrap(), U256::from(0x100));
        // First op with a deferred install ⇒ 0x102 (§9.3).
        assert_eq!(
            key(json!({"entityId": 1, "isGlobalValidation": false, "isDeferredAction": true})).unwrap(),
            U256::from(0x102)
        );
        // ROOT session ⇒ (E << 8) | 1.
        assert_eq!(key(json!({"entityId": 7})).unwrap(), U256::from(0x701));
        // parallel key 0xabc ⇒ 0xabc << 40 (5 zero bytes = 10 hex digits), entity 0x12345678.
        assert_eq!(
            key(json!({"nonceKey": "0xabc", "entityId": 0x12345678, "isGlobalValidation": false})).unwrap(),
            U256::from_str_radix("abc1234567800", 16).unwrap()
        );
    }

    #[test]
    fn parallel_key_limit() {
        let max = "0xffffffffffffffffffffffffffffffffffffff"; // 152 bits
        let k = key(json!({"nonceKey": max, "isGlobalValidation": false})).unwrap();
        assert_eq!(k.bit_len(), 192);
        let e = key(json!({"nonceKey": "0x100000000000000000000000000000000000000"})).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_NONCE_KEY", Some("nonceKey")));
    }

    #[test]
    fn full_and_split() {
        // §9.3: key 0x102, sequence 0 ⇒ 0x…0102 followed by 16 zero hex digits.
        let n = full_nonce(U256::from(0x102), 0).unwrap();
        assert_eq!(n, U256::from_str_radix("01020000000000000000", 16).unwrap());
        let n = full_nonce(U256::from(0x100), 5).unwrap();
        assert_eq!(split_nonce(n), (U256::from(0x100), 5));
        assert_eq!(full_nonce(U256::from(1u8) << 192, 0).unwrap_err().code(), "INVALID_NONCE_KEY");
        let parts = decode_nonce_key(U256::from_str_radix("abc1234567803", 16).unwrap());
        assert_eq!(
            parts,
            NonceKeyParts {
                parallel_key: U256::from(0xabc),
                entity_id: 0x12345678,
                is_global: true,
                is_deferred: true,
                is_direct_call: false
            }
        );
    }
}
