// Shared by every target (pulled in with `include!`): what a refusal must look like.

/// Every refusal is a typed error: a stable upper-case code, and for input errors the path of the
/// field it is about. The message must be bounded (no echo of a whole hostile input).
#[allow(dead_code)]
fn check_refusal(e: &mav2_session_keys::Error, input_len: usize) {
    let code = e.code();
    assert!(
        !code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        "bad code {code:?} for {e:?}"
    );
    if let mav2_session_keys::Error::InvalidInput { field, .. } = e {
        assert!(!field.is_empty(), "input error without a field: {e:?}");
    }
    let shown = e.to_string();
    // Messages quote user strings through a preview of at most 80 characters (and paths, which
    // can repeat a key per level); anything close to the whole input is an unbounded echo.
    assert!(shown.len() <= 2_000 + input_len / 4, "message of {} bytes for {input_len} bytes of input", shown.len());
}

/// The input as JSON, if it is JSON at all.
#[allow(dead_code)]
fn json_of(data: &[u8]) -> Option<serde_json::Value> {
    serde_json::from_slice(data).ok()
}
