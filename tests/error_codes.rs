//! Every error code the library can return is documented in the npm README's table, and no two
//! error kinds share a code (JS callers switch on them).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

fn codes_in(src: &str) -> Vec<String> {
    // Code strings are written as `=> "SOME_CODE"` in the `code()` matches, or inline as
    // `{ "SOME_CODE" }` where the code depends on a value (the wallet error in src/web/bundler.rs).
    let is_code = |c: &&str| c.len() > 3 && c.contains('_') && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let after = |pat: &str, close: char| -> Vec<String> {
        src.split(pat).skip(1).filter_map(|rest| rest.split(close).next()).filter(is_code).map(str::to_string).collect()
    };
    let mut out = after("=> \"", '"');
    out.extend(after("{ \"", '"'));
    out
}

#[test]
fn every_code_is_documented_and_unique() {
    let readme = include_str!("../pkg-template/README.md");
    let error_rs = include_str!("../src/error.rs");
    // Within `Error::code()` every variant has its own code.
    let mut variants: BTreeMap<String, usize> = BTreeMap::new();
    for code in codes_in(error_rs) {
        *variants.entry(code).or_default() += 1;
    }
    let shared: Vec<_> = variants.iter().filter(|(_, n)| **n > 1).collect();
    assert!(shared.is_empty(), "codes shared by two error kinds in src/error.rs: {shared:?}");

    // Every code any module can hand out is in the npm README's table.
    let mut all: Vec<String> = variants.into_keys().collect();
    all.extend(codes_in(include_str!("../src/rpc/mod.rs")));
    all.extend(codes_in(include_str!("../src/web/bundler.rs")));
    all.sort();
    all.dedup();
    let missing: Vec<_> = all
        .iter()
        .filter(|code| {
            // AAxx reasons are documented as one range row.
            !(readme.contains(&format!("`{code}`"))
                || (code.starts_with("BUNDLER_AA") && readme.contains("`BUNDLER_AA10` … `BUNDLER_AA96`")))
        })
        .collect();
    assert!(all.len() >= 60, "found only {} codes: the scan is broken", all.len());
    assert!(missing.is_empty(), "codes missing from pkg-template/README.md: {missing:?}");
    assert!(all.iter().any(|c| c == "WALLET_REJECTED"), "the inline wallet code was not found: the scan is broken");
    println!("{} error codes, all documented", all.len());
}

#[test]
fn every_revert_code_is_documented() {
    let readme = include_str!("../pkg-template/README.md");
    let codes = mav2_session_keys::revert::codes();
    assert!(codes.len() >= 30, "found only {} revert codes", codes.len());
    let missing: Vec<_> = codes.iter().filter(|c| !readme.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "revert codes missing from pkg-template/README.md: {missing:?}");
    // Codes of Error variants and of decoded reverts are told apart by their suffix.
    assert!(!codes_in(include_str!("../src/error.rs")).iter().any(|c| c.ends_with("_ON_CHAIN")));
}
