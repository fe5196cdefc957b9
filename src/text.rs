//! Small text building blocks that keep core's generic machinery out of the wasm build.
//!
//! `str::find` with a `&str` pattern brings core's Two-Way searcher, and a `U256`'s `Display`
//! brings ruint's spigot and `u128` formatting (a few KB of wasm together). The haystacks here are
//! short error messages, where a plain window scan is as good, and a decimal is nine digits per
//! division by 10^9 over 32-bit halves.

use alloy_primitives::U256;

/// Byte offset of the first `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len().max(1)).position(|w| w == needle.as_bytes())
}

/// Whether `hay` holds `needle`.
pub fn contains(hay: &str, needle: &str) -> bool {
    needle.is_empty() || find(hay, needle).is_some()
}

/// `v` in decimal, as `v.to_string()` writes it.
pub fn decimal(v: &U256) -> String {
    let mut limbs = v.into_limbs();
    // Base-10^9 digits, least significant first (2^256 < 10^78: at most nine of them).
    let mut chunks = [0u32; 9];
    let mut n = 0;
    loop {
        let mut rem = 0u64;
        for limb in limbs.iter_mut().rev() {
            let hi = (rem << 32) | (*limb >> 32);
            let lo = ((hi % 1_000_000_000) << 32) | (*limb & 0xffff_ffff);
            *limb = ((hi / 1_000_000_000) << 32) | (lo / 1_000_000_000);
            rem = lo % 1_000_000_000;
        }
        chunks[n] = rem as u32;
        n += 1;
        if limbs == [0; 4] {
            break;
        }
    }
    let mut out = String::with_capacity(n * 9);
    for (k, &chunk) in chunks[..n].iter().rev().enumerate() {
        let mut digits = [b'0'; 9];
        let mut c = chunk;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (c % 10) as u8;
            c /= 10;
        }
        // The leading chunk drops its zeros (all but the last digit of a zero).
        let skip = if k == 0 { digits[..8].iter().take_while(|d| **d == b'0').count() } else { 0 };
        out.extend(digits[skip..].iter().map(|d| *d as char));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_like_str_find() {
        for (hay, needle) in [("abc", "bc"), ("abc", "abc"), ("abc", "abcd"), ("", "a"), ("aab", "ab"), ("é`x", "`x")]
        {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} {needle}");
            assert_eq!(contains(hay, needle), hay.contains(needle), "{hay} {needle}");
        }
        assert!(contains("abc", ""));
    }

    #[test]
    fn decimal_like_display() {
        let mut v = vec![U256::ZERO, U256::from(1), U256::from(9), U256::from(10), U256::MAX, U256::from(u64::MAX)];
        v.extend((0..256).map(|i| U256::from(1) << i));
        v.extend((1..256).map(|i| (U256::from(1) << i) - U256::from(1)));
        v.extend((0..78).map(|i| U256::from(10).pow(U256::from(i))));
        v.extend((1..78).map(|i| U256::from(10).pow(U256::from(i)) - U256::from(1)));
        for x in v {
            assert_eq!(decimal(&x), x.to_string());
        }
    }
}
