//! Every error code the library can return is documented in the npm README's table, and no two
//! error kinds share a code (JS callers switch on them).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

fn codes_in(src: &str) -> Vec<String> {
    // Code strings are written as `=> "SOME_CODE"` in the `code()` matches.
    src.split("=> \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_code_is_documented_and_unique() {
    let readme = include_str!("../pkg-template/README.md");
    let sources = [("src/error.rs", include_str!("../src/error.rs")), ("src/rpc/mod.rs", include_str!("../src/rpc/mod.rs"))];
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut missing = Vec::new();
    for (file, src) in sources {
        for code in codes_in(src) {
            if let Some(other) = seen.insert(code.clone(), file) {
                panic!("code {code} is returned in two places ({other}, {file})");
            }
            // AAxx reasons are documented as one range row.
            let documented = readme.contains(&format!("`{code}`")) || (code.starts_with("BUNDLER_AA") && readme.contains("`BUNDLER_AA10` … `BUNDLER_AA96`"));
            if !documented {
                missing.push(code);
            }
        }
    }
    assert!(seen.len() >= 60, "found only {} codes: the scan is broken", seen.len());
    assert!(missing.is_empty(), "codes missing from pkg-template/README.md: {missing:?}");
    println!("{} error codes, all documented", seen.len());
}
