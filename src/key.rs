//! The session key: a secp256k1 signing key that lives in Rust memory.
//!
//! It is generated from the platform's CSPRNG (`getrandom`: `crypto.getRandomValues` in a
//! browser), never printed (`Debug` shows the address only), and its bytes are zeroized when it
//! is dropped (`k256::SecretKey` zeroizes its scalar). The only ways out are
//! [`SessionKey::export_secret`], which returns a `Zeroizing` buffer the caller asked for by name,
//! and [`SessionKey::sign_hash`].

use std::sync::OnceLock;

use alloy_primitives::{keccak256, Address, B256};
use k256::ecdsa::hazmat::SignPrimitive;
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use k256::elliptic_curve::ops::{Invert, LinearCombination, MulByGenerator, Reduce};
use k256::elliptic_curve::point::{AffineCoordinates, DecompressPoint};
use k256::elliptic_curve::scalar::IsHigh;
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq, CtOption};
use k256::elliptic_curve::{Field, PrimeField};
use k256::{AffinePoint, FieldBytes, FieldElement, ProjectivePoint, Scalar, SecretKey, U256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// A secp256k1 private key held for a session.
#[derive(Clone)]
pub struct SessionKey {
    secret: SecretKey,
    /// Derived on first use: signing needs only the scalar, and deriving the public key is a
    /// second scalar multiplication that would double the cost of a one-off signature.
    address: OnceLock<Address>,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKey")
            .field("address", &format_args!("{}", self.address().to_checksum(None)))
            .finish_non_exhaustive()
    }
}

impl SessionKey {
    /// Generate a fresh key from the platform CSPRNG.
    pub fn generate() -> Result<Self> {
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut()).map_err(Error::random)?;
            // Out-of-range scalars (probability ~2^-128) are simply drawn again.
            if let Ok(key) = Self::from_bytes(bytes.as_ref(), "privateKey") {
                return Ok(key);
            }
        }
    }

    /// Import a key from its 32 secret bytes. `field` names the input for error messages.
    pub fn from_bytes(bytes: &[u8], field: &'static str) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::InvalidPrivateKey { field });
        }
        let secret = SecretKey::from_slice(bytes).map_err(|_| Error::InvalidPrivateKey { field })?;
        Ok(Self { secret, address: OnceLock::new() })
    }

    /// The Ethereum address of the key.
    pub fn address(&self) -> Address {
        // k·G by the precomputed tables signing already uses, not `public_key()`'s generic multiply.
        *self.address.get_or_init(|| {
            address_of(&ProjectivePoint::mul_by_generator(self.secret.to_nonzero_scalar().as_ref()).to_affine())
        })
    }

    /// The 32 secret bytes, in a buffer that is wiped when dropped. Callers must not log it.
    pub fn export_secret(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.secret.to_bytes());
        out
    }

    /// Sign a 32-byte digest: RFC 6979 deterministic, low-s, 65 bytes `r ‖ s ‖ v` with v ∈ {27, 28}.
    pub fn sign_hash(&self, digest: &B256) -> Result<[u8; 65]> {
        // What `SigningKey::sign_prehash_recoverable` does, minus building the verifying key, and
        // with the nonce inverted through a random mask (see `MaskedNonce`).
        let bad = |detail: String| Error::InvalidSignature { field: "digest", detail };
        let scalar = Zeroizing::new(*self.secret.to_nonzero_scalar());
        let z = FieldBytes::from(digest.0);
        let k = MaskedNonce::new(&scalar, &z)?;
        let (sig, recid) =
            scalar.try_sign_prehashed(k, &z).map_err(|_| bad("r or s is zero for this digest".into()))?;
        let recid: RecoveryId = recid.ok_or_else(|| bad("no recovery id".into()))?;
        let sig: Signature = sig;
        // k256 already normalizes s to the low half; normalize again defensively and flip v with it.
        let (sig, recid) = match sig.normalize_s() {
            Some(low) => (low, RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced())),
            None => (sig, recid),
        };
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + recid.to_byte();
        Ok(out)
    }
}

/// The RFC 6979 nonce `k` with a random multiplicative mask `m` for its inversion.
///
/// k256's constant-time inversion (an addition chain of ~290 scalar multiplications) is the
/// largest single cost of a signature on wasm32. `(k·m)⁻¹·m` inverts with a variable-time
/// algorithm instead ([`crate::inverse`]): `k·m` is uniformly random and independent of `k`, so
/// its timing says nothing about the nonce. This is `elliptic_curve::scalar::BlindedScalar`'s method; that type
/// draws its mask from an RNG that panics when the platform has none, so the mask is drawn here
/// with `getrandom`'s error. The signature is unchanged: it depends on `k` alone.
struct MaskedNonce {
    k: Scalar,
    mask: Scalar,
}

impl MaskedNonce {
    fn new(secret: &Scalar, z: &FieldBytes) -> Result<Self> {
        let k = crate::rfc6979::generate_k(&secret.to_repr(), z);
        loop {
            let mut bytes = Zeroizing::new(FieldBytes::default());
            draw_mask(&mut bytes)?;
            let mask = <Scalar as Reduce<U256>>::reduce_bytes(&bytes);
            if !bool::from(mask.is_zero()) {
                return Ok(Self { k, mask });
            }
        }
    }
}

/// Bytes in the mask pool: in a browser each `getrandom` call is a `crypto.getRandomValues`
/// crossing (about a microsecond), so one call there serves 32 signatures. Natively the pool
/// holds one mask, drawn at each signature, so a process that forks shares none.
const MASK_POOL: usize = if cfg!(target_arch = "wasm32") { 32 * 32 } else { 32 };

thread_local! {
    /// CSPRNG bytes for the masks and how many of them are unused (at the end). Each mask is
    /// wiped from the pool as it is taken, so none is handed out twice.
    static MASKS: std::cell::RefCell<([u8; MASK_POOL], usize)> = const { std::cell::RefCell::new(([0; MASK_POOL], 0)) };
}

/// Fill `out` with the pool's next unused bytes, refilling the pool from the CSPRNG when empty.
fn draw_mask(out: &mut FieldBytes) -> Result<()> {
    MASKS.with_borrow_mut(|(pool, left)| {
        if *left == 0 {
            getrandom::fill(pool).map_err(Error::random)?;
            *left = MASK_POOL;
        }
        let next = &mut pool[MASK_POOL - *left..][..32];
        out.copy_from_slice(next);
        next.zeroize();
        *left -= 32;
        Ok(())
    })
}

impl AsRef<Scalar> for MaskedNonce {
    fn as_ref(&self) -> &Scalar {
        &self.k
    }
}

impl Invert for MaskedNonce {
    type Output = CtOption<Scalar>;

    fn invert(&self) -> CtOption<Scalar> {
        crate::inverse::invert_vartime(&(self.k * self.mask)).map(|inv| inv * self.mask)
    }
}

impl Drop for MaskedNonce {
    fn drop(&mut self) {
        self.k.zeroize();
        self.mask.zeroize();
    }
}

/// `(p + 1) / 4` as little-endian limbs: as p ≡ 3 (mod 4), `a^((p+1)/4)` is a square root of
/// any square `a` (the core build's root in [`y_for_x`]).
const SQRT_EXP: [u64; 4] = [0xffff_ffff_bfff_ff0c, u64::MAX, u64::MAX, 0x3fff_ffff_ffff_ffff];

/// The `y` of the curve point with x-coordinate `x` and y-parity `odd`, if there is one.
///
/// With the session service, `recover` links k256's `sqrt` (an addition chain, through point
/// decompression), so it serves here too. Without it (the core build) the root is a square-and-
/// multiply over field operations signing already links, ~700 B less wasm gzip; the points are
/// public (a session's key), so variable time is fine. Either root is checked, as k256's is.
fn y_for_x(x: &FieldBytes, odd: Choice) -> Option<FieldElement> {
    let x = Option::<FieldElement>::from(FieldElement::from_bytes(x))?;
    let rhs = (x * x * x + FieldElement::from_u64(7)).normalize();
    let beta =
        if cfg!(feature = "service") { Option::from(rhs.sqrt())? } else { rhs.pow_vartime(SQRT_EXP) }.normalize();
    if !bool::from(beta.square().normalize().ct_eq(&rhs)) {
        return None;
    }
    Some(FieldElement::conditional_select(&beta.negate(1).normalize(), &beta, beta.is_odd().ct_eq(&odd)))
}

/// The Ethereum address of a public key (a point of the curve, not the identity): last 20 bytes
/// of keccak256 of the uncompressed point `x ‖ y`. `y` comes from `x` and its parity by the curve
/// equation: k256 hands out `y` only inside a sec1 `EncodedPoint`, whose byte view re-checks its
/// tag with an `expect` that links sec1's and der's error formatting into the module.
pub fn address_of(point: &AffinePoint) -> Address {
    let x = point.x();
    // A point of the curve: its `x` always has this root.
    let y = y_for_x(&x, point.y_is_odd()).unwrap_or(FieldElement::ZERO);
    let mut xy = [0u8; 64];
    xy[..32].copy_from_slice(&x);
    xy[32..].copy_from_slice(&y.to_bytes());
    Address::from_slice(&keccak256(xy)[12..])
}

/// Recover the signer address of a 65-byte `r ‖ s ‖ v` signature over `digest` (v = 27/28 or 0/1).
///
/// `Q = r⁻¹·(s·R − z·G)`, with `R` the point of x-coordinate `r` and y-parity `v`. The inputs are
/// public, so `r⁻¹` is the variable-time inverse, and the recovered key is not verified a second
/// time (ecdsa's `recover_from_prehash` does both, and inlines two constant-time inversions); a
/// high `s` is refused, as k256's verification refuses it.
pub fn recover(digest: &B256, sig: &[u8]) -> Result<Address> {
    let bad = |detail: &str| Error::InvalidSignature { field: "signature", detail: detail.into() };
    if sig.len() != 65 {
        return Err(bad("expected 65 bytes r ‖ s ‖ v"));
    }
    let v = match sig[64] {
        27 | 28 => sig[64] - 27,
        0 | 1 => sig[64],
        _ => return Err(bad("v must be 27, 28, 0 or 1")),
    };
    // r and s in [1, n): r < n < p, so R's x-coordinate is r itself.
    let signature = Signature::from_slice(&sig[..64]).map_err(|_| bad("r or s out of range"))?;
    let (r, s) = signature.split_scalars();
    // EIP-2: a signature with s in the upper half is the malleable twin; accounts and EIP-7702 refuse it.
    if bool::from(s.is_high()) {
        return Err(bad("s is in the upper half of the curve order (not canonical, EIP-2)"));
    }
    let none = || bad("no key recovers from this signature");
    let big_r = Option::<AffinePoint>::from(AffinePoint::decompress(&r.to_repr(), Choice::from(v))).ok_or_else(none)?;
    let r_inv = Option::<Scalar>::from(crate::inverse::invert_vartime(r.as_ref())).ok_or_else(none)?;
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(digest.0));
    let q = ProjectivePoint::lincomb(&ProjectivePoint::GENERATOR, &-(r_inv * z), &big_r.into(), &(r_inv * *s));
    let key = VerifyingKey::from_affine(q.to_affine()).map_err(|_| none())?;
    Ok(address_of(key.as_affine()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, hex};

    // anvil's first two dev keys (public test keys, shared/mav2-spec.md §9.2).
    const OWNER: [u8; 32] = hex!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    const SESSION: [u8; 32] = hex!("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    #[test]
    fn address_of_is_the_uncompressed_points_hash() {
        let mut parities = [false; 2];
        for i in 0u32..64 {
            let Ok(k) = SecretKey::from_slice(keccak256(i.to_be_bytes()).as_slice()) else { continue };
            let vk = VerifyingKey::from(k.public_key());
            let point = vk.to_encoded_point(false);
            parities[usize::from(point.as_bytes()[64] & 1)] = true;
            let expected = Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..]);
            assert_eq!(address_of(vk.as_affine()), expected);
            // The session key's own k·G (precomputed tables) against k256's `public_key()`.
            assert_eq!(SessionKey::from_bytes(&k.to_bytes(), "k").unwrap().address(), expected);
        }
        assert_eq!(parities, [true, true]);
    }

    #[test]
    fn square_and_multiply_root_is_k256s_sqrt() {
        // The core build's root (`pow_vartime(SQRT_EXP)`) against k256's addition chain, on
        // squares and non-squares.
        let (mut squares, mut others) = (0, 0);
        for i in 0u32..200 {
            let a = FieldElement::from_bytes(&keccak256(i.to_be_bytes()).0.into()).unwrap().normalize();
            let pow = a.pow_vartime(SQRT_EXP).normalize();
            match Option::<FieldElement>::from(a.sqrt()) {
                Some(root) => {
                    squares += 1;
                    let root = root.normalize();
                    assert!(bool::from(pow.ct_eq(&root) | pow.ct_eq(&root.negate(1).normalize())));
                }
                None => {
                    others += 1;
                    assert!(!bool::from(pow.square().normalize().ct_eq(&a)));
                }
            }
        }
        assert!(squares > 50 && others > 50);
    }

    #[test]
    fn address_of_known_keys() {
        let k = SessionKey::from_bytes(&OWNER, "k").unwrap();
        assert_eq!(k.address(), address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        let k = SessionKey::from_bytes(&SESSION, "k").unwrap();
        assert_eq!(k.address(), address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"));
    }

    #[test]
    fn masked_nonce_signs_like_k256s_own_signer() {
        // The masked inversion must not change a single signature: k256's SigningKey (constant-time
        // inversion, no mask) over 300 keys and digests spread by keccak.
        for i in 0u32..300 {
            let seed = keccak256(i.to_be_bytes());
            let Ok(k) = SessionKey::from_bytes(seed.as_slice(), "k") else { continue };
            let digest = keccak256(seed);
            let ours = k.sign_hash(&digest).unwrap();
            let theirs = k256::ecdsa::SigningKey::from_slice(seed.as_slice()).unwrap();
            let (sig, recid) = theirs.sign_prehash_recoverable(digest.as_slice()).unwrap();
            assert_eq!(ours[..64], sig.to_bytes()[..], "case {i}");
            assert_eq!(ours[64], 27 + recid.to_byte(), "case {i}");
        }
    }

    #[test]
    fn signs_deterministically_like_viem() {
        // EIP-191 digest and signature from shared/mav2-spec.md §9.3 (computed there with viem).
        let digest = b256!("2c3251b9fa28b7efcc7b3473ff3a88c9229c2253d3a979da2874831b0cf7fd8c");
        let k = SessionKey::from_bytes(&SESSION, "k").unwrap();
        let sig = k.sign_hash(&digest).unwrap();
        assert_eq!(
            hex::encode(sig),
            "442e62337e6ff5a544b9d465af15fcd67444fbe0dd9335b9fd38af100cf56d3952106860a6ffcd95a48057b654c521c98d22165030adefacfb2d1382e93744971b"
        );
        assert_eq!(recover(&digest, &sig).unwrap(), k.address());
    }

    #[test]
    fn rejects_bad_keys_and_hides_secrets() {
        assert_eq!(SessionKey::from_bytes(&[0u8; 32], "privateKey").unwrap_err().code(), "INVALID_PRIVATE_KEY");
        assert_eq!(SessionKey::from_bytes(&[1u8; 31], "privateKey").unwrap_err().code(), "INVALID_PRIVATE_KEY");
        assert_eq!(SessionKey::from_bytes(&[0xffu8; 32], "privateKey").unwrap_err().code(), "INVALID_PRIVATE_KEY");
        let k = SessionKey::from_bytes(&SESSION, "k").unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.to_lowercase().contains("59c6995e"), "{shown}");
        assert!(shown.contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), "{shown}");
    }

    #[test]
    fn masks_are_fresh_and_wiped_from_the_pool() {
        let (mut a, mut b) = (FieldBytes::default(), FieldBytes::default());
        draw_mask(&mut a).unwrap();
        MASKS.with_borrow(|(pool, left)| assert!(pool[..MASK_POOL - left].iter().all(|&x| x == 0)));
        draw_mask(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, FieldBytes::default());
    }

    #[test]
    fn generated_keys_differ() {
        let a = SessionKey::generate().unwrap();
        let b = SessionKey::generate().unwrap();
        assert_ne!(a.address(), b.address());
        assert_eq!(SessionKey::from_bytes(a.export_secret().as_ref(), "k").unwrap().address(), a.address());
    }
}
