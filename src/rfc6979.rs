//! RFC 6979 deterministic nonces for secp256k1: HMAC-DRBG over SHA-256 (§3.2), written on
//! SHA-256's compression function.
//!
//! Every HMAC key of the DRBG is 32 bytes, so its two padded key blocks are compressed once when
//! the key is set and each MAC then costs the message's blocks plus one: 18 compressions a nonce.
//! The `rfc6979` crate's `SimpleHmac` compresses the key blocks again for every MAC and runs the
//! DRBG's update step after the output too (30 compressions, each through `digest`'s buffering),
//! about a tenth of a signature on wasm32. The nonces are the same bytes: the tests here compare
//! them with the crate's, and `key`'s tests the signatures with k256's own signer.

use k256::elliptic_curve::ff::PrimeField;
use k256::{FieldBytes, Scalar};
use sha2::compress256;
use zeroize::{Zeroize, Zeroizing};

/// SHA-256's initial state.
const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// HMAC-SHA256 under a 32-byte key: the hash states after its inner and outer padded key blocks.
struct Hmac {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Hmac {
    fn new(key: &[u8; 32]) -> Self {
        let mut block = Zeroizing::new([0x36u8; 64]);
        for (b, k) in block.iter_mut().zip(key) {
            *b ^= k;
        }
        let mut inner = IV;
        compress(&mut inner, &block);
        for b in block.iter_mut() {
            *b ^= 0x36 ^ 0x5c;
        }
        let mut outer = IV;
        compress(&mut outer, &block);
        Self { inner, outer }
    }

    /// The MAC of the concatenated `parts` (at most 119 bytes in all).
    fn mac(&self, parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
        let inner = finish(self.inner, parts);
        finish(self.outer, &[&inner[..]])
    }
}

impl Drop for Hmac {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// The SHA-256 digest of one 64-byte block (already in `state`) followed by `parts`.
fn finish(mut state: [u32; 8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut buf = [0u8; 128];
    let mut len = 0;
    for part in parts {
        buf[len..len + part.len()].copy_from_slice(part);
        len += part.len();
    }
    buf[len] = 0x80;
    let end = if len + 9 <= 64 { 64 } else { 128 };
    buf[end - 8..end].copy_from_slice(&(8 * (64 + len as u64)).to_be_bytes());
    let (first, second) = buf.split_at_mut(64);
    for block in [first, second].into_iter().take(end / 64) {
        compress(&mut state, (&*block).try_into().unwrap_or(&[0; 64]));
        block.zeroize();
    }
    let mut out = Zeroizing::new([0u8; 32]);
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    state.zeroize();
    out
}

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    compress256(state, core::slice::from_ref(block.into()));
}

/// The nonce `k` in [1, n) for secret scalar bytes `x` and digest `h` (32 bytes each, as
/// k256's signer passes them: `h` unreduced).
pub fn generate_k(x: &FieldBytes, h: &FieldBytes) -> Scalar {
    let mut v = Zeroizing::new([1u8; 32]);
    let mut key = Hmac::new(&[0; 32]);
    for step in [0u8, 1] {
        key = Hmac::new(&key.mac(&[&v[..], &[step], x, h]));
        v = key.mac(&[&v[..]]);
    }
    loop {
        v = key.mac(&[&v[..]]);
        let k = Option::<Scalar>::from(Scalar::from_repr((*v).into())).filter(|k| !bool::from(k.is_zero()));
        if let Some(k) = k {
            return k;
        }
        // Out of range (probability about 2⁻¹²⁸): §3.2 step h.3, then draw again.
        key = Hmac::new(&key.mac(&[&v[..], &[0]]));
        v = key.mac(&[&v[..]]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;
    use k256::elliptic_curve::{Curve, FieldBytesEncoding};
    use k256::sha2::{Digest, Sha256};
    use k256::Secp256k1;

    #[test]
    fn sha256_of_a_block_and_parts() {
        let key = [7u8; 64];
        for len in [0usize, 1, 32, 55, 56, 63, 64, 97, 119] {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut state = IV;
            compress(&mut state, &key);
            let (a, b) = msg.split_at(len / 3);
            let ours = finish(state, &[a, b]);
            let theirs = Sha256::digest([&key[..], &msg].concat());
            assert_eq!(ours[..], theirs[..], "length {len}");
        }
    }

    #[test]
    fn nonces_match_the_rfc6979_crate() {
        let n = Secp256k1::ORDER.encode_field_bytes();
        for i in 0u32..200 {
            let x = FieldBytes::from(keccak256(i.to_be_bytes()).0);
            let h = FieldBytes::from(keccak256(x).0);
            let theirs = ::rfc6979::generate_k::<Sha256, _>(&x, &n, &h, &[]);
            assert_eq!(generate_k(&x, &h).to_repr(), theirs, "case {i}");
        }
    }
}
