//! Substring search for the few messages the library inspects (serde's, a bundler's).
//!
//! `str::find` with a `&str` pattern brings core's Two-Way searcher (a few KB of wasm); these
//! haystacks are short error messages, where a plain window scan is as good.

/// Byte offset of the first `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len().max(1)).position(|w| w == needle.as_bytes())
}

/// Whether `hay` holds `needle`.
pub fn contains(hay: &str, needle: &str) -> bool {
    needle.is_empty() || find(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_like_str_find() {
        for (hay, needle) in [("abc", "bc"), ("abc", "abc"), ("abc", "abcd"), ("", "a"), ("aab", "ab"), ("é`x", "`x")] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} {needle}");
            assert_eq!(contains(hay, needle), hay.contains(needle), "{hay} {needle}");
        }
        assert!(contains("abc", ""));
    }
}
