//! Variable-time inversion modulo the secp256k1 group order, for values whose timing says nothing
//! secret: public inputs (a signature's `r`) and masked nonces (`k·m` with a fresh random `m`).
//!
//! k256's own `invert_vartime` runs Stein's algorithm on its scalar type, whose every halving and
//! subtraction is a constant-time modular operation over 32-bit limbs on wasm32: a sixth of a
//! signature's time there. Kaliski's almost-inverse needs no modular reduction inside its loop
//! (plain shifts, additions and subtractions of 64-bit limbs, which wasm has natively) and ends
//! with a Montgomery-style division by a power of two.

use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::subtle::CtOption;
use k256::Scalar;

/// The group order n, little-endian 64-bit limbs.
const ORDER: [u64; 4] = [0xBFD2_5E8C_D036_4141, 0xBAAE_DCE6_AF48_A03B, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_FFFF_FFFF];

/// `-n⁻¹ mod 2⁶⁴`: the multiple of n that clears a low limb (Montgomery reduction). Newton's
/// iteration doubles the correct low bits of `n₀⁻¹` from one bit.
const NEG_INV: u64 = {
    let mut inv = 1u64;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(ORDER[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `a⁻¹ mod n`, or none for zero. Takes time that depends on `a`.
pub fn invert_vartime(a: &Scalar) -> CtOption<Scalar> {
    let bytes = a.to_repr();
    let mut v = [0u64; 4];
    for (i, limb) in v.iter_mut().enumerate() {
        let at = 32 - 8 * (i + 1);
        *limb = u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    }
    if v == [0; 4] {
        return CtOption::new(Scalar::ZERO, 0.into());
    }
    let (r, mut k) = almost_inverse(v);
    // Divide by 2ᵏ: add the multiple of n that clears the low bits, then shift them out (at most
    // 64 at a time). From r < n, r + m·n < 2³²⁰ fits five limbs and the quotient is below 2n.
    let n5 = [ORDER[0], ORDER[1], ORDER[2], ORDER[3], 0];
    let mut r = [r[0], r[1], r[2], r[3], 0];
    loop {
        if !greater(&n5, &r) {
            sub(&mut r, &n5);
        }
        if k == 0 {
            break;
        }
        let t = k.min(64);
        let m = r[0].wrapping_mul(NEG_INV) & (u64::MAX >> (64 - t));
        let mut carry = 0u128;
        for i in 0..5 {
            let acc = u128::from(r[i]) + u128::from(m) * u128::from(n5[i]) + carry;
            r[i] = acc as u64;
            carry = acc >> 64;
        }
        if t == 64 {
            r = [r[1], r[2], r[3], r[4], 0];
        } else {
            shr(&mut r, t);
        }
        k -= t;
    }
    let mut out = [0u8; 32];
    for (i, limb) in r[..4].iter().enumerate() {
        out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
    }
    // r < n, so the encoding is canonical.
    Scalar::from_repr(out.into())
}

/// Kaliski's phase one for `0 < a < n`: `(a⁻¹·2ᵏ mod n, k)` with 256 ≤ k ≤ 512.
///
/// Invariant `n = u·s + v·r`: `u` and `v` stay below n, `r` and `s` at most 2n (a fifth limb).
fn almost_inverse(a: [u64; 4]) -> ([u64; 4], u32) {
    let (mut u, mut v) = (ORDER, a);
    let (mut r, mut s) = ([0u64; 5], [1u64, 0, 0, 0, 0]);
    let mut k = 0u32;
    while v != [0; 4] {
        if u[0] & 1 == 0 {
            let t = u[0].trailing_zeros().min(63);
            shr(&mut u, t);
            shl(&mut s, t);
            k += t;
        } else if v[0] & 1 == 0 {
            let t = v[0].trailing_zeros().min(63);
            shr(&mut v, t);
            shl(&mut r, t);
            k += t;
        } else if greater(&u, &v) {
            // The difference is even: its halvings are the steps that follow, taken at once.
            sub(&mut u, &v);
            let t = halvings(u[0]);
            shr(&mut u, t);
            add(&mut r, &s);
            shl(&mut s, t);
            k += t;
        } else {
            sub(&mut v, &u);
            let t = halvings(v[0]);
            shr(&mut v, t);
            add(&mut s, &r);
            shl(&mut r, t);
            k += t;
        }
    }
    // r ≤ 2n here; bring it below n, then n − r is a⁻¹·2ᵏ.
    let n5 = [ORDER[0], ORDER[1], ORDER[2], ORDER[3], 0];
    if !greater(&n5, &r) {
        sub(&mut r, &n5);
    }
    let mut out = n5;
    sub(&mut out, &r);
    ([out[0], out[1], out[2], out[3]], k)
}

/// How many halvings of an even number to take at once from its low limb: its trailing zeros,
/// or one when the limb is zero (the number itself may be; otherwise the loop takes the rest).
#[inline(always)]
fn halvings(low: u64) -> u32 {
    if low == 0 {
        1
    } else {
        low.trailing_zeros()
    }
}

/// `x >>= t` for 1 ≤ t ≤ 63.
#[inline(always)]
fn shr<const N: usize>(x: &mut [u64; N], t: u32) {
    for i in 0..N - 1 {
        x[i] = (x[i] >> t) | (x[i + 1] << (64 - t));
    }
    x[N - 1] >>= t;
}

/// `x <<= t` for 1 ≤ t ≤ 63 (the caller's bound keeps the top bits clear).
#[inline(always)]
fn shl<const N: usize>(x: &mut [u64; N], t: u32) {
    for i in (1..N).rev() {
        x[i] = (x[i] << t) | (x[i - 1] >> (64 - t));
    }
    x[0] <<= t;
}

/// `x += y`, no carry out (the caller's bound).
#[inline(always)]
fn add<const N: usize>(x: &mut [u64; N], y: &[u64; N]) {
    let mut carry = false;
    for i in 0..N {
        let (d, c1) = x[i].overflowing_add(y[i]);
        let (d, c2) = d.overflowing_add(u64::from(carry));
        x[i] = d;
        carry = c1 | c2;
    }
}

/// `x -= y` for `x ≥ y`.
#[inline(always)]
fn sub<const N: usize>(x: &mut [u64; N], y: &[u64; N]) {
    let mut borrow = false;
    for i in 0..N {
        let (d, b1) = x[i].overflowing_sub(y[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        x[i] = d;
        borrow = b1 | b2;
    }
}

/// `x > y`.
#[inline(always)]
fn greater<const N: usize>(x: &[u64; N], y: &[u64; N]) -> bool {
    for i in (0..N).rev() {
        if x[i] != y[i] {
            return x[i] > y[i];
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;
    use k256::elliptic_curve::ops::Reduce;
    use k256::elliptic_curve::Curve;
    use k256::{FieldBytes, Secp256k1, U256};

    #[test]
    fn order_is_k256s() {
        let mut bytes = [0u8; 32];
        for (i, limb) in ORDER.iter().enumerate() {
            bytes[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        assert_eq!(U256::from_be_slice(&bytes), Secp256k1::ORDER);
    }

    #[test]
    fn inverts_like_k256() {
        let minus_one = -Scalar::ONE;
        let mut cases = vec![Scalar::ONE, Scalar::from(2u64), Scalar::from(3u64), minus_one, minus_one - Scalar::ONE];
        cases.extend(
            (0u32..2000)
                .map(|i| <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(keccak256(i.to_be_bytes()).0))),
        );
        // Values with long runs of zero bits, low and high.
        cases.extend((0u64..64).map(|i| Scalar::from(1u64 << i)));
        cases.extend((0u64..64).map(|i| Scalar::from(1u64 << i).invert().unwrap()));
        // Whole zero limbs: 2⁶⁴ⁱ, n − 2⁶⁴ⁱ and n − 2⁶⁴ⁱ·3.
        let limb = Scalar::from(u64::MAX) + Scalar::ONE;
        let mut power = Scalar::ONE;
        for _ in 0..4 {
            cases.extend([power, -power, -(power * Scalar::from(3u64))]);
            power *= limb;
        }
        for a in cases {
            let ours = invert_vartime(&a).unwrap();
            assert_eq!(ours, a.invert().unwrap(), "{a:?}");
            assert_eq!(ours * a, Scalar::ONE);
        }
        assert!(bool::from(invert_vartime(&Scalar::ZERO).is_none()));
    }
}
