//! Sessions whose key is a P-256 key checked by MAv2's `WebAuthnValidationModule`: a key the
//! browser can keep non-extractable, so script can use it while the page is open but never copy it.
//!
//! The module verifies a WebAuthn assertion over the EIP-191 digest of the userOpHash (the
//! account applies `toEthSignedMessageHash` before calling it). No authenticator is involved: the
//! assertion is built here and the key signs `authenticatorData ‖ sha256(clientDataJSON)` with
//! ECDSA/SHA-256, as an authenticator would. Layouts follow Alchemy's SDK
//! (`webauthnSigningFunctions`, `WebAuthnValidationModule.encodeOnInstallData`, ox
//! `WebAuthnP256.getSignPayload`):
//!
//! ```text
//! install data       = abi.encode(uint32 entityId, uint256 x, uint256 y)
//! authenticatorData  = sha256(rpId) ‖ flags ‖ signCount (uint32 BE)
//! clientDataJSON     = {"type":"webauthn.get","challenge":"<base64url(challenge), no padding>","origin":"…","crossOrigin":false}
//! user-op signature  = [deferred action] ‖ 0xFF ‖ abi.encode((bytes authenticatorData, string clientDataJSON,
//!                      uint256 challengeIndex, uint256 typeIndex, uint256 r, uint256 s))
//! ```
//!
//! The grant is the SingleSigner grant of `install` with this module and its install data: the
//! hooks come from the permissions, not from the key.

use alloy_primitives::{uint, Bytes, B256, U256};
use alloy_sol_types::{sol, SolValue};
use k256::sha2::{Digest, Sha256};
use serde::Deserialize;

use crate::addresses::WEBAUTHN_VALIDATION_MODULE;
use crate::deferred::{self, DeferredInstall};
use crate::error::{Error, Result};
use crate::install::{self, Grant, SessionInstall, SessionUninstallRequest, Validation};
use crate::json::{self, Addr, HexBytes};
use crate::permissions::Permission;
use crate::sign::eip191_digest;

sol! {
    /// The module's assertion struct (`WebAuthn.WebAuthnAuth`), in the SDK's field order.
    struct WebAuthnAuth {
        bytes authenticatorData;
        string clientDataJSON;
        uint256 challengeIndex;
        uint256 typeIndex;
        uint256 r;
        uint256 s;
    }
}

/// P-256 field prime.
const P: U256 = uint!(0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff_U256);
/// P-256 curve constant `b` (`y² = x³ − 3x + b`).
const B: U256 = uint!(0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b_U256);
/// `−p⁻¹ mod 2⁶⁴` for Montgomery reduction: p's low limb is 2⁶⁴ − 1, so it is 1.
const P_INV: u64 = 1;
/// `R² mod p` with `R = 2²⁵⁶`: `mul_redc(a, R2) = a·R mod p`.
const R2: U256 = uint!(0x00000004fffffffdfffffffffffffffefffffffbffffffff0000000000000003_U256);

/// `a·R mod p` for `a < p`.
fn to_montgomery(a: U256) -> U256 {
    a.mul_redc(R2, P, P_INV)
}

/// `a + b mod p` for `a, b < p`.
fn add_p(a: U256, b: U256) -> U256 {
    let (sum, carry) = a.overflowing_add(b);
    if carry || sum >= P {
        sum.wrapping_sub(P)
    } else {
        sum
    }
}

/// `a − b mod p` for `a, b < p`.
fn sub_p(a: U256, b: U256) -> U256 {
    let (diff, borrow) = a.overflowing_sub(b);
    if borrow {
        diff.wrapping_add(P)
    } else {
        diff
    }
}

/// P-256 group order.
pub const N: U256 = uint!(0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551_U256);

/// Reserved segment index: validation data follows (no per-hook segments before it).
const VALIDATION_SEGMENT: u8 = 0xFF;

/// authenticatorData flags: user present (the module requires it).
pub const FLAG_UP: u8 = 0x01;
/// authenticatorData flags: user verified.
pub const FLAG_UV: u8 = 0x04;
/// authenticatorData flags: backup eligible.
pub const FLAG_BE: u8 = 0x08;
/// authenticatorData flags: backed up (only with BE, else WebAuthn verifiers refuse it).
pub const FLAG_BS: u8 = 0x10;

/// The SDK dummy's challenge, r and s: with the session's own rpId and origin the dummy has the
/// real signature's exact size (the challenge is always 43 characters), so gas is estimated for
/// the bytes that will be sent.
const DUMMY_CHALLENGE: B256 =
    B256::new(alloy_primitives::hex!("b088fd9da7461cf6206372aa57c3b325f96b6ee3ca18eaa6616a0c590862170b"));
const DUMMY_R: U256 = uint!(0x949fc7c88032b9fcb5f6efc7a7b8c63668eae9871b765e23123bb473ff57aa83_U256);
const DUMMY_S: U256 = uint!(0x1a7c0d9276168ebcc29f2875a0239cffdf2a9cd1c2007c5c77c071db9264df1d_U256);

/// An uncompressed P-256 public key, checked to lie on the curve.
///
/// The check is `y² = x³ − 3x + b mod p` in `U256` (already in the crate): a full on-curve check
/// without the `p256` crate's arithmetic. A key off the curve would install a session no
/// signature can ever satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct P256PublicKey {
    x: U256,
    y: U256,
}

impl P256PublicKey {
    /// From affine coordinates.
    pub fn from_xy(x: U256, y: U256) -> Result<Self> {
        let bad = |detail: &str| Err(Error::InvalidPublicKey { field: "publicKey", detail: detail.into() });
        if x >= P || y >= P {
            return bad("a coordinate is not below the P-256 field prime");
        }
        // In Montgomery form (a·R mod p): products by `mul_redc`, no general division in the wasm.
        let (xm, ym) = (to_montgomery(x), to_montgomery(y));
        let y2 = ym.mul_redc(ym, P, P_INV);
        let x3 = xm.mul_redc(xm, P, P_INV).mul_redc(xm, P, P_INV);
        let three_x = add_p(add_p(xm, xm), xm);
        let rhs = add_p(sub_p(x3, three_x), to_montgomery(B));
        if y2 != rhs {
            return bad("the point is not on the P-256 curve");
        }
        Ok(Self { x, y })
    }

    /// From 65 bytes SEC1 uncompressed (`0x04 ‖ x ‖ y`, WebCrypto's `raw` export) or 64 bytes `x ‖ y`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let xy = match bytes.len() {
            65 if bytes[0] == 0x04 => &bytes[1..],
            65 => {
                return Err(Error::InvalidPublicKey {
                    field: "publicKey",
                    detail: format!("65 bytes must start with 0x04 (uncompressed), got 0x{:02x}", bytes[0]),
                })
            }
            64 => bytes,
            n => {
                return Err(Error::InvalidPublicKey {
                    field: "publicKey",
                    detail: format!("expected 65 bytes (0x04 ‖ x ‖ y) or 64 bytes (x ‖ y), got {n}"),
                })
            }
        };
        Self::from_xy(U256::from_be_slice(&xy[..32]), U256::from_be_slice(&xy[32..]))
    }

    /// The x coordinate.
    pub fn x(&self) -> U256 {
        self.x
    }

    /// The y coordinate.
    pub fn y(&self) -> U256 {
        self.y
    }

    /// `0x04 ‖ x ‖ y`.
    pub fn to_sec1(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[0] = 0x04;
        out[1..33].copy_from_slice(&self.x.to_be_bytes::<32>());
        out[33..].copy_from_slice(&self.y.to_be_bytes::<32>());
        out
    }

    /// The module's install data: `abi.encode(uint32 entityId, uint256 x, uint256 y)`.
    pub fn install_data(&self, entity_id: u32) -> Bytes {
        (entity_id, self.x, self.y).abi_encode_params().into()
    }
}

/// Everything needed to grant a WebAuthn session key: [`install::SessionInstallRequest`] with a
/// P-256 public key in place of the key's address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebAuthnInstallRequest {
    /// Chain the account lives on.
    #[serde(with = "json::u64")]
    pub chain_id: u64,
    /// The account granting the key.
    pub account: Addr,
    /// The session's P-256 public key: 65 bytes `0x04 ‖ x ‖ y` or 64 bytes `x ‖ y`.
    pub public_key: HexBytes,
    /// The validation entity id, 1 ..= 2147483646.
    #[serde(with = "json::u64")]
    pub entity_id: u64,
    /// Alchemy PermissionBuilder permissions.
    pub permissions: Vec<Permission>,
    /// TimeRange `validUntil`.
    #[serde(default, with = "json::opt::u64")]
    pub expires_at: Option<u64>,
    /// TimeRange `validAfter` (needs `expiresAt`).
    #[serde(default, with = "json::opt::u64")]
    pub valid_after: Option<u64>,
    /// PaymasterGuard paymaster.
    #[serde(default)]
    pub paymaster: Option<Addr>,
}

/// A deferred WebAuthn grant: [`WebAuthnInstallRequest`] plus the deferred action's deadline and
/// nonce (as [`deferred::DeferredInstallRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebAuthnDeferredInstallRequest {
    /// Chain id (EIP-712 domain).
    #[serde(with = "json::u64")]
    pub chain_id: u64,
    /// The account (EIP-712 verifying contract).
    pub account: Addr,
    /// The session's P-256 public key.
    pub public_key: HexBytes,
    /// The session's validation entity id (must be the one `nonce` encodes).
    #[serde(with = "json::u64")]
    pub entity_id: u64,
    /// Alchemy PermissionBuilder permissions.
    pub permissions: Vec<Permission>,
    /// TimeRange `validUntil`.
    #[serde(default, with = "json::opt::u64")]
    pub expires_at: Option<u64>,
    /// TimeRange `validAfter` (needs `expiresAt`).
    #[serde(default, with = "json::opt::u64")]
    pub valid_after: Option<u64>,
    /// PaymasterGuard paymaster.
    #[serde(default)]
    pub paymaster: Option<Addr>,
    /// Last second the owner's authorization may be used; 0 = none.
    #[serde(with = "json::u64")]
    pub deadline: u64,
    /// The full user-op nonce of the operation that will carry the action.
    #[serde(with = "json::u256")]
    pub nonce: U256,
}

impl WebAuthnInstallRequest {
    fn grant(&self) -> Grant<'_> {
        crate::install::lend_grant!(self)
    }
}

impl WebAuthnDeferredInstallRequest {
    fn grant(&self) -> Grant<'_> {
        crate::install::lend_grant!(self)
    }
}

fn validation(key: &HexBytes) -> Result<Validation> {
    P256PublicKey::from_bytes(&key.0).map(Validation::WebAuthn)
}

/// The WebAuthn grant, with its translation and hooks, checked at `now_unix_secs`.
pub fn build_webauthn_install(req: &WebAuthnInstallRequest, now_unix_secs: u64) -> Result<SessionInstall> {
    req.grant().install_validation(&validation(&req.public_key)?, now_unix_secs)
}

/// `installValidation(...)` call data granting the WebAuthn session key.
pub fn encode_webauthn_install(req: &WebAuthnInstallRequest, now_unix_secs: u64) -> Result<Bytes> {
    build_webauthn_install(req, now_unix_secs).map(|i| i.call_data)
}

/// `uninstallValidation(...)` call data revoking a WebAuthn grant (same hooks, same order as
/// [`install::encode_session_uninstall`]; the module's uninstall data is `abi.encode(uint32 entityId)`).
pub fn encode_webauthn_uninstall(req: &SessionUninstallRequest) -> Result<Bytes> {
    install::encode_uninstall_for(&req.grant(), WEBAUTHN_VALIDATION_MODULE)
}

/// The deferred WebAuthn grant at time `now`, checked in the SDK's order as
/// [`deferred::build_deferred_install`].
pub fn build_webauthn_deferred_install(req: &WebAuthnDeferredInstallRequest, now: u64) -> Result<DeferredInstall> {
    let v = validation(&req.public_key)?;
    deferred::deferred_for(&req.grant(), &v, req.chain_id, req.nonce, req.deadline, now)
}

/// What goes into an assertion besides the challenge.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssertionOptions {
    /// Relying-party id hashed into authenticatorData (the module does not check it).
    pub rp_id: String,
    /// The page's origin, as WebAuthn writes it into clientDataJSON.
    pub origin: String,
    /// authenticatorData flags; UP (0x01) is required. Defaults to UP alone: a WebCrypto key
    /// involves no user verification.
    #[serde(default = "default_flags")]
    pub flags: u8,
    /// authenticatorData signature counter.
    #[serde(default)]
    pub sign_count: u32,
}

fn default_flags() -> u8 {
    FLAG_UP
}

impl AssertionOptions {
    /// Refuse what a WebAuthn verifier refuses, or what `JSON.stringify` would write differently.
    fn check(&self) -> Result<()> {
        let bad = |field: &'static str, detail: &str| Err(Error::InvalidAssertion { field, detail: detail.into() });
        if self.rp_id.is_empty() {
            return bad("rpId", "must not be empty");
        }
        if self.origin.is_empty() {
            return bad("origin", "must not be empty");
        }
        // Written into the JSON as is: no character that needs escaping.
        if !self.origin.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
            return bad("origin", "must be printable ASCII without '\"' or '\\'");
        }
        let f = self.flags;
        if f & FLAG_UP == 0 {
            return bad("flags", "the user-present bit (0x01) must be set");
        }
        if f & !(FLAG_UP | FLAG_UV | FLAG_BE | FLAG_BS) != 0 {
            return bad("flags", "only UP (0x01), UV (0x04), BE (0x08) and BS (0x10) may be set");
        }
        if f & FLAG_BS != 0 && f & FLAG_BE == 0 {
            return bad("flags", "backed up (0x10) requires backup eligible (0x08)");
        }
        Ok(())
    }
}

/// A WebAuthn assertion before its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The challenge: for a user operation, the EIP-191 digest of its hash.
    pub challenge: B256,
    /// `sha256(rpId) ‖ flags ‖ signCount`.
    pub authenticator_data: Bytes,
    /// The client data, byte for byte what is hashed.
    pub client_data_json: String,
    /// Offset of `"challenge"` in `client_data_json`.
    pub challenge_index: usize,
    /// Offset of `"type"` in `client_data_json`.
    pub type_index: usize,
}

impl Assertion {
    /// The assertion for any 32-byte challenge.
    pub fn new(challenge: B256, opts: &AssertionOptions) -> Result<Self> {
        opts.check()?;
        let mut auth = Vec::with_capacity(37);
        auth.extend_from_slice(&Sha256::digest(opts.rp_id.as_bytes()));
        auth.push(opts.flags);
        auth.extend_from_slice(&opts.sign_count.to_be_bytes());
        let type_part = r#"{"type":"webauthn.get","#;
        let client_data_json = format!(
            r#"{type_part}"challenge":"{}","origin":"{}","crossOrigin":false}}"#,
            base64url(challenge.as_slice()),
            opts.origin
        );
        Ok(Self {
            challenge,
            authenticator_data: auth.into(),
            challenge_index: type_part.len(),
            type_index: 1,
            client_data_json,
        })
    }

    /// The assertion a user operation needs: its challenge is the EIP-191 digest of the hash.
    pub fn for_user_op(user_op_hash: &B256, opts: &AssertionOptions) -> Result<Self> {
        Self::new(eip191_digest(user_op_hash), opts)
    }

    /// What the P-256 key signs with ECDSA/SHA-256 (WebCrypto hashes it once more itself):
    /// `authenticatorData ‖ sha256(clientDataJSON)`.
    pub fn message(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.authenticator_data.len() + 32);
        out.extend_from_slice(&self.authenticator_data);
        out.extend_from_slice(&Sha256::digest(self.client_data_json.as_bytes()));
        out
    }

    /// `abi.encode(WebAuthnAuth)` with the given signature (used as is: see [`low_s`]).
    fn encode(&self, r: U256, s: U256) -> Vec<u8> {
        WebAuthnAuth {
            authenticatorData: self.authenticator_data.clone(),
            clientDataJSON: self.client_data_json.clone(),
            challengeIndex: U256::from(self.challenge_index),
            typeIndex: U256::from(self.type_index),
            r,
            s,
        }
        .abi_encode()
    }
}

/// A 64-byte IEEE P1363 `r ‖ s` (what WebCrypto's ECDSA returns) as `(r, s)` with `s` made low
/// (`s > n/2` → `n − s`): the module refuses high `s`, and WebCrypto returns either.
pub fn low_s(signature: &[u8]) -> Result<(U256, U256)> {
    let bad = |detail: String| Err(Error::InvalidSignature { field: "signature", detail });
    if signature.len() != 64 {
        return bad(format!("expected a 64-byte P-256 signature r ‖ s, got {} bytes", signature.len()));
    }
    let r = U256::from_be_slice(&signature[..32]);
    let s = U256::from_be_slice(&signature[32..]);
    if r.is_zero() || r >= N || s.is_zero() || s >= N {
        return bad("r and s must be in 1 ..= n − 1 of P-256".into());
    }
    Ok((r, if s > N >> 1 { N - s } else { s }))
}

/// The user-operation signature: a pending deferred action's bytes (the on-chain prefix of
/// [`deferred::split_deferred_action`]), then `0xFF ‖ abi.encode(WebAuthnAuth)`.
///
/// The deferred action goes first because the account reads it before the segments; the SDK's
/// WebAuthn signer writes `0xFF` before it, a layout the account does not parse.
pub fn user_op_signature(assertion: &Assertion, signature: &[u8], deferred_prefix: Option<&[u8]>) -> Result<Bytes> {
    let (r, s) = low_s(signature)?;
    Ok(pack(deferred_prefix, &assertion.encode(r, s)))
}

/// The gas-estimation signature: the SDK dummy's challenge, r and s with this session's rpId,
/// origin and flags, so it has the size of the real one; a pending deferred action goes in front
/// as in [`user_op_signature`] (its install runs during validation).
pub fn dummy_user_op_signature(opts: &AssertionOptions, deferred_prefix: Option<&[u8]>) -> Result<Bytes> {
    let a = Assertion::new(DUMMY_CHALLENGE, opts)?;
    Ok(pack(deferred_prefix, &a.encode(DUMMY_R, DUMMY_S)))
}

fn pack(deferred_prefix: Option<&[u8]>, auth: &[u8]) -> Bytes {
    let prefix = deferred_prefix.unwrap_or_default();
    let mut out = Vec::with_capacity(prefix.len() + 1 + auth.len());
    out.extend_from_slice(prefix);
    out.push(VALIDATION_SEGMENT);
    out.extend_from_slice(auth);
    out.into()
}

/// Base64url without padding (RFC 4648 §5), as WebAuthn writes the challenge.
fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;
    use alloy_sol_types::SolCall;
    use serde_json::json;

    const NOW: u64 = 1_764_000_000;

    /// The P-256 generator: a point known to be on the curve.
    const G: [u8; 65] = hex!(
        "04"
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
    );

    fn opts(rp_id: &str, origin: &str, flags: u8, sign_count: u32) -> AssertionOptions {
        AssertionOptions { rp_id: rp_id.into(), origin: origin.into(), flags, sign_count }
    }

    #[test]
    fn public_key_checks() {
        let k = P256PublicKey::from_bytes(&G).unwrap();
        assert_eq!(k.to_sec1(), G);
        assert_eq!(P256PublicKey::from_bytes(&G[1..]).unwrap(), k);
        let data = k.install_data(7);
        assert_eq!(data.len(), 96);
        assert_eq!(&data[..32], U256::from(7).to_be_bytes::<32>());
        assert_eq!(&data[32..], &G[1..]);

        let mut off = G;
        off[64] ^= 1;
        let mut compressed = G;
        compressed[0] = 0x02;
        let mut big_x = G;
        big_x[1..33].copy_from_slice(&P.to_be_bytes::<32>());
        for bad in [&off[..], &compressed[..], &big_x[..], &G[..33], &[][..], &[0u8; 64][..]] {
            let e = P256PublicKey::from_bytes(bad).unwrap_err();
            assert_eq!((e.code(), e.field().as_deref()), ("INVALID_PUBLIC_KEY", Some("publicKey")));
        }
    }

    #[test]
    fn montgomery_constants_and_field_ops() {
        let r_mod_p = (U256::MAX % P) + U256::from(1);
        assert_eq!(R2, r_mod_p.mul_mod(r_mod_p, P));
        assert_eq!(P.as_limbs()[0].wrapping_mul(P_INV), u64::MAX, "p · inv ≡ −1 mod 2^64");
        let (a, b) = (P - U256::from(5), U256::from(9));
        assert_eq!(add_p(a, b), a.add_mod(b, P));
        assert_eq!(sub_p(b, a), U256::from(14));
        assert_eq!(to_montgomery(U256::from(1)), r_mod_p);
        // G and 2G are on the curve, with y changed they are not, and the check agrees with the
        // plain formula `y² = x³ − 3x + b` over arbitrary coordinates.
        let on_curve = |x: U256, y: U256| {
            y.mul_mod(y, P) == x.mul_mod(x, P).mul_mod(x, P).add_mod(B, P).add_mod(P - x.mul_mod(U256::from(3), P), P)
        };
        let two_g = hex!(
            "04"
            "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978"
            "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1"
        );
        for point in [G, two_g] {
            let k = P256PublicKey::from_bytes(&point).unwrap();
            assert!(on_curve(k.x(), k.y()));
            let mut off = point;
            off[64] ^= 1;
            assert!(P256PublicKey::from_bytes(&off).is_err());
        }
        for i in 1u64..200 {
            let seed = alloy_primitives::keccak256(i.to_be_bytes());
            let x = U256::from_be_bytes(seed.0) % P;
            let y = U256::from_be_bytes(alloy_primitives::keccak256(seed).0) % P;
            assert_eq!(P256PublicKey::from_xy(x, y).is_ok(), on_curve(x, y));
        }
    }

    #[test]
    fn base64url_matches_rfc4648() {
        for (input, out) in
            [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        {
            assert_eq!(base64url(input.as_bytes()), out);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(DUMMY_CHALLENGE.as_slice()), "sIj9nadGHPYgY3KqV8OzJflrbuPKGOqmYWoMWQhiFws");
    }

    #[test]
    fn assertion_layout() {
        let a = Assertion::new(B256::repeat_byte(0xab), &opts("example.com", "https://example.com", 0x05, 0x01020304))
            .unwrap();
        assert_eq!(a.authenticator_data.len(), 37);
        assert_eq!(&a.authenticator_data[..32], &Sha256::digest(b"example.com")[..]);
        assert_eq!(&a.authenticator_data[32..], hex!("0501020304"));
        assert_eq!(&a.client_data_json[a.type_index..a.type_index + 6], "\"type\"");
        assert_eq!(&a.client_data_json[a.challenge_index..a.challenge_index + 11], "\"challenge\"");
        assert_eq!((a.type_index, a.challenge_index), (1, 23));
        assert!(a.client_data_json.ends_with(r#","origin":"https://example.com","crossOrigin":false}"#));
        let m = a.message();
        assert_eq!(&m[37..], &Sha256::digest(a.client_data_json.as_bytes())[..]);
    }

    #[test]
    fn assertion_refusals() {
        for (o, field) in [
            (opts("", "https://a", 1, 0), "rpId"),
            (opts("a", "", 1, 0), "origin"),
            (opts("a", "https://a\"b", 1, 0), "origin"),
            (opts("a", "https://a\\b", 1, 0), "origin"),
            (opts("a", "https://ä", 1, 0), "origin"),
            (opts("a", "https://a", 0x04, 0), "flags"),
            (opts("a", "https://a", 0x41, 0), "flags"),
            (opts("a", "https://a", 0x11, 0), "flags"),
        ] {
            let e = Assertion::new(B256::ZERO, &o).unwrap_err();
            assert_eq!((e.code(), e.field().as_deref()), ("INVALID_ASSERTION", Some(field)), "{o:?}");
            assert_eq!(dummy_user_op_signature(&o, None).unwrap_err().code(), "INVALID_ASSERTION");
        }
        let o: AssertionOptions = json::from_value(&json!({"rpId": "a", "origin": "https://a"})).unwrap();
        assert_eq!((o.flags, o.sign_count), (FLAG_UP, 0));
    }

    #[test]
    fn low_s_normalises_and_refuses() {
        let half = N >> 1;
        let sig = |r: U256, s: U256| [r.to_be_bytes::<32>(), s.to_be_bytes::<32>()].concat();
        let one = U256::from(1);
        assert_eq!(low_s(&sig(one, half)).unwrap(), (one, half));
        assert_eq!(low_s(&sig(one, half + one)).unwrap(), (one, N - half - one));
        assert_eq!(low_s(&sig(one, N - one)).unwrap(), (one, one));
        for bad in [sig(U256::ZERO, one), sig(one, U256::ZERO), sig(N, one), sig(one, N), sig(one, U256::MAX)] {
            let e = low_s(&bad).unwrap_err();
            assert_eq!((e.code(), e.field().as_deref()), ("INVALID_SIGNATURE", Some("signature")));
        }
        assert_eq!(low_s(&[1u8; 63]).unwrap_err().code(), "INVALID_SIGNATURE");
        assert_eq!(low_s(&[1u8; 65]).unwrap_err().code(), "INVALID_SIGNATURE");
    }

    #[test]
    fn signature_layout_and_deferred_prefix() {
        let o = opts("localhost", "http://localhost:5173", FLAG_UP, 0);
        let a = Assertion::for_user_op(&B256::repeat_byte(1), &o).unwrap();
        assert_eq!(a.challenge, eip191_digest(&B256::repeat_byte(1)));
        let rs = [[0x11u8; 32], [0x22u8; 32]].concat();
        let plain = user_op_signature(&a, &rs, None).unwrap();
        assert_eq!(plain[0], 0xFF);
        let auth = WebAuthnAuth::abi_decode(&plain[1..]).unwrap();
        assert_eq!(auth.clientDataJSON, a.client_data_json);
        assert_eq!((auth.challengeIndex, auth.typeIndex), (U256::from(23), U256::from(1)));
        assert_eq!(auth.r, U256::from_be_slice(&[0x11; 32]));
        let with = user_op_signature(&a, &rs, Some(&[9, 9, 9])).unwrap();
        assert_eq!(&with[..3], [9, 9, 9]);
        assert_eq!(&with[3..], &plain[..]);
        let dummy = dummy_user_op_signature(&o, None).unwrap();
        assert_eq!(dummy.len(), plain.len());
    }

    #[test]
    fn install_uses_the_webauthn_module_and_the_permission_hooks() {
        let base = json!({
            "chainId": 11155111,
            "account": "0x65b5DE0251f553B2208762a4724303E750294D96",
            "entityId": 1,
            "permissions": [
                {"type": "native-token-transfer", "data": {"allowance": "0xde0b6b3a7640000"}},
                {"type": "contract-access", "data": {"address": "0x000000000000000000000000000000000000dEaD"}}
            ]
        });
        let mut w = base.clone();
        w["publicKey"] = json!(json::hex(G));
        let mut s = base.clone();
        s["sessionKey"] = json!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        let ours = build_webauthn_install(&json::from_value(&w).unwrap(), NOW).unwrap();
        let single =
            install::build_session_install(&install::SessionInstallRequest::from_json(&s, "grant").unwrap(), NOW)
                .unwrap();
        assert_eq!(ours.hooks, single.hooks);
        assert_eq!(ours.has_execution_hooks, single.has_execution_hooks);
        let call = crate::abi::IModularAccount::installValidationCall::abi_decode(&ours.call_data).unwrap();
        assert_eq!(json::hex(call.validationConfig), "0x0000000000001d9d34e07d9834274df9ae5752170000000101");
        assert_eq!(call.installData, P256PublicKey::from_bytes(&G).unwrap().install_data(1));

        let mut bad = w.clone();
        bad["publicKey"] = json!(json::hex(&G[..33]));
        let e = encode_webauthn_install(&json::from_value(&bad).unwrap(), NOW).unwrap_err();
        assert_eq!(e.code(), "INVALID_PUBLIC_KEY");
        let mut d = w.clone();
        d["deadline"] = json!(1000);
        d["nonce"] = json!("0x1020000000000000000");
        let e = build_webauthn_deferred_install(&json::from_value(&d).unwrap(), NOW).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("EXPIRED", Some("deadline")));
    }
}
