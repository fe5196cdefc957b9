//! JSON shapes in and out: viem-style hex strings, parsed with errors that name the field.
//!
//! Inputs are read from a `serde_json::Value` (native callers pass theirs; the browser shell
//! converts JS values into one) by field readers ([`read_value`], [`crate::read`]) or, for types
//! with a derived `Deserialize`, through [`from_value`], whose deserializer ([`crate::de`])
//! records the path; either way a refusal says *where* (`permissions[2].data.allowance`) and
//! *which rule* ([`InputRule`]). The leaf readers live here ([`crate::read::Leaf`] impls and the
//! small modules below, used with `#[serde(with = "…")]`); their `Deserialize` goes through them.

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

use crate::error::{Error, InputRule, Result};
use crate::read::{Bad, Leaf, Read, Rule};

/// Separator between the rule code and the detail inside a custom serde error message.
const TAG: char = '\u{1f}';

/// A refusal by one of our readers under `rule`.
fn tagged(rule: InputRule, detail: impl fmt::Display) -> Bad {
    Bad::new(String::new(), detail.to_string(), Rule::Input(rule))
}

/// A reader's refusal as a `Deserialize` failure: our rules travel tagged in the message, which
/// [`classify`] reads back; serde's words speak for themselves.
fn de_error<E: de::Error>(e: Bad) -> E {
    match e.rule {
        Rule::Input(rule) => E::custom(format_args!("{}{TAG}{}", rule.code(), e.message)),
        _ => E::custom(&e.message),
    }
}

/// Parse from a `serde_json::Value`, turning any failure into [`Error::InvalidInput`] with the
/// path of the field. Native callers pass their JSON; the browser shell converts JS values first.
pub fn from_value<'a, T: Deserialize<'a>>(value: &'a serde_json::Value) -> Result<T> {
    crate::de::from_value(value).map_err(from_de)
}

/// Read `value` with a field reader ([`crate::read`]; the browser reads its arguments so),
/// turning a failure into [`Error::InvalidInput`] with the path of the field, as [`from_value`].
pub fn read_value<T>(value: &serde_json::Value, read: fn(&serde_json::Value) -> crate::read::Read<T>) -> Result<T> {
    read(value).map_err(|e| read_error(e, "(input)"))
}

/// [`classify`] a failure of [`crate::de`] (not generic: one copy serves every type).
#[inline(never)]
fn from_de(e: crate::de::Error) -> Error {
    classify(e.path(), e.message())
}

/// A failed read of an options argument as an input error at its path: an unknown key is
/// `UNKNOWN_FIELD`, an object that is not one is named by its path (`name` for the argument
/// itself), a refused value by its reader's rule.
#[inline(never)]
pub(crate) fn read_error(e: Bad, name: &str) -> Error {
    let e = *e.0;
    let at = if e.path.is_empty() { name.to_string() } else { shorten(&e.path, 200) };
    match e.rule {
        Rule::Input(rule) => Error::input(at, rule, shorten(&e.message, 300)),
        Rule::Missing => Error::input(at, InputRule::Missing, "is required"),
        Rule::Null => Error::input(at, InputRule::Missing, "is required (got null)"),
        Rule::NotObject => Error::input(at, InputRule::Type, "expected an object"),
        Rule::Unknown => Error::input(at, InputRule::UnknownField, shorten(&e.message, 300)),
    }
}

/// The input error for a read that failed at `field`: the rule our field readers tag their
/// messages with, or the one serde's wording names.
pub(crate) fn classify(mut field: String, message: &str) -> Error {
    // Our own field deserializers tag their messages with the rule.
    if let Some((head, detail)) = message.split_once(TAG) {
        let rule = ALL_RULES.iter().copied().find(|r| head.ends_with(r.code())).unwrap_or(InputRule::Type);
        return Error::input(field, rule, detail);
    }
    // serde's built-in messages.
    let (rule, detail) = if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        field = if field.is_empty() { name.to_string() } else { format!("{field}.{name}") };
        (InputRule::Missing, "is required".to_string())
    } else if message.starts_with("unknown field") {
        // (before the search below: the unknown key itself may read "missing field `…")
        (InputRule::UnknownField, message.to_string())
    } else if let Some(i) = crate::text::find(message, "missing field `") {
        let rest = &message[i + "missing field `".len()..];
        let name = rest.split('`').next().unwrap_or_default();
        field = if field.is_empty() { name.to_string() } else { format!("{field}.{name}") };
        (InputRule::Missing, "is required".to_string())
    } else if message.starts_with("invalid type: null") {
        // `null` (and JS `undefined`) where a list or object is required: absent, as for scalars.
        (InputRule::Missing, "is required (got null)".to_string())
    } else if message.starts_with("unknown variant") {
        (InputRule::Variant, message.to_string())
    } else if message.starts_with("invalid length") {
        (InputRule::Length, message.to_string())
    } else {
        (InputRule::Type, message.to_string())
    };
    if field.is_empty() {
        field = "(input)".into();
    }
    Error::input(shorten(&field, 200), rule, shorten(&detail, 300))
}

/// At most `max` bytes (cut on a character boundary, marked with `…`).
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let cut = (0..=max - 3).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    format!("{}…", s.get(..cut).unwrap_or_default())
}

const ALL_RULES: [InputRule; 10] = [
    InputRule::Missing,
    InputRule::Type,
    InputRule::Hex,
    InputRule::Address,
    InputRule::Checksum,
    InputRule::Number,
    InputRule::Range,
    InputRule::Length,
    InputRule::Variant,
    InputRule::UnknownField,
];

/// Decode `0x`-prefixed hex (empty `0x` allowed) into bytes.
fn decode_hex(s: &str) -> Read<Vec<u8>> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| tagged(InputRule::Hex, format_args!("expected 0x-prefixed hex, got {}", preview(s))))?;
    if digits.len() % 2 != 0 {
        return Err(tagged(InputRule::Hex, format_args!("odd number of hex digits in {}", preview(s))));
    }
    alloy_primitives::hex::decode(digits).map_err(|_| tagged(InputRule::Hex, format_args!("not hex: {}", preview(s))))
}

/// Shorten long user strings inside error messages.
fn preview(s: &str) -> String {
    if s.len() <= 80 {
        return quote(s);
    }
    let cut = s.char_indices().nth(77).map(|(i, _)| i).unwrap_or(s.len());
    // `cut` is a char boundary: `get` finds it without `&s[..cut]`'s panic path.
    let mut out = quote(s.get(..cut).unwrap_or(s));
    out.push('…');
    out
}

/// `s` in double quotes for an error message, escaped as `{:?}` escapes a string's quotes,
/// backslashes and control characters; other characters stay as they are (`{:?}` would link
/// Unicode's printability tables into the module).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = fmt::Write::write_fmt(&mut out, format_args!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parse an address; mixed-case input must carry a valid EIP-55 checksum (only then is it
/// hashed: one-case input has no checksum to check).
pub fn parse_address(s: &str) -> Read<Address> {
    let digits = s.strip_prefix("0x").ok_or_else(|| {
        tagged(InputRule::Address, format_args!("expected a 0x-prefixed 20-byte address, got {}", preview(s)))
    })?;
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(tagged(
            InputRule::Address,
            format_args!("expected a 0x-prefixed 20-byte address, got {}", preview(s)),
        ));
    }
    let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
    if has_upper && has_lower {
        return Address::parse_checksummed(s, None)
            .map_err(|_| tagged(InputRule::Checksum, format_args!("{s} has a wrong EIP-55 checksum")));
    }
    let mut out = Address::ZERO;
    alloy_primitives::hex::decode_to_slice(digits, out.as_mut_slice())
        .map_err(|_| tagged(InputRule::Hex, format_args!("not hex: {}", preview(s))))?;
    Ok(out)
}

/// A leaf's text: `null` is missing, another kind the wrong type (`expecting` names the kind).
fn leaf_str<'v>(v: &'v Value, expecting: &str) -> Read<&'v str> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Err(tagged(InputRule::Missing, "is required (got null)")),
        _ => Err(tagged(InputRule::Type, format_args!("expected {expecting}"))),
    }
}

/// A non-negative integer of at most `bits` bits, from a hex string, a decimal string or a
/// number (JS numbers arrive whole and safe, or as fractions, which are refused).
pub fn uint(v: &Value, bits: usize) -> Read<U256> {
    let n = match v {
        Value::String(s) => uint_str(s)?,
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => U256::from(u),
            (None, Some(i)) => return Err(tagged(InputRule::Number, format_args!("{i} is negative"))),
            (None, None) => uint_f64(n.as_f64().unwrap_or(f64::NAN))?,
        },
        Value::Null => return Err(tagged(InputRule::Missing, "is required (got null)")),
        _ => {
            return Err(tagged(
                InputRule::Type,
                "expected a non-negative integer as 0x-hex, decimal string, number or bigint",
            ))
        }
    };
    if n.bit_len() > bits {
        return Err(tagged(InputRule::Range, format_args!("{} does not fit uint{bits}", quantity(n))));
    }
    Ok(n)
}

/// A fractional or unsafe JS number where an integer is expected.
fn uint_f64(v: f64) -> Read<U256> {
    if !v.is_finite() || v.fract() != 0.0 || v < 0.0 {
        return Err(tagged(InputRule::Number, "is not a non-negative whole number"));
    }
    if v > 9_007_199_254_740_991.0 {
        return Err(tagged(InputRule::Number, "is above Number.MAX_SAFE_INTEGER; pass a bigint or a hex string"));
    }
    Ok(U256::from(v as u64))
}

/// An integer as `0x` hex or decimal text.
fn uint_str(s: &str) -> Read<U256> {
    if let Some(digits) = s.strip_prefix("0x") {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(tagged(InputRule::Hex, format_args!("expected a 0x-hex quantity, got {}", preview(s))));
        }
        return U256::from_str_radix(digits, 16)
            .map_err(|_| tagged(InputRule::Range, format_args!("{} does not fit 256 bits", preview(s))));
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(tagged(
            InputRule::Number,
            format_args!("expected a non-negative integer (0x-hex or decimal), got {}", preview(s)),
        ));
    }
    U256::from_str_radix(s, 10)
        .map_err(|_| tagged(InputRule::Range, format_args!("{} does not fit 256 bits", preview(s))))
}

/// `Deserialize` through a leaf reader: the value as JSON, read as the browser reads it, so
/// native callers and the browser share one set of rules. A leaf has no path of its own: the
/// message is all that crosses over.
pub fn de_leaf<'de, D: Deserializer<'de>, T>(
    d: D,
    read: impl FnOnce(&Value) -> Read<T>,
) -> std::result::Result<T, D::Error> {
    let v = Value::deserialize(d)?;
    read(&v).map_err(de_error)
}

/// The index in `names` of a unit variant given by name; one reader for every unit-only enum
/// (see [`by_name`]), worded as serde's derive words it.
pub fn variant(v: &Value, names: &'static [&'static str]) -> Read<usize> {
    match v {
        Value::String(s) => names.iter().position(|n| n == s).ok_or_else(|| {
            tagged(InputRule::Variant, format_args!("unknown variant `{s}`, expected {}", one_of(names)))
        }),
        _ => Err(crate::read::wrong_type(v, "a variant name")),
    }
}

/// The names a refusal expected, as serde lists them (`` `a` ``, `` `a` or `b` ``,
/// `` one of `a`, `b`, `c` ``).
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [a, b] => format!("{a} or {b}"),
        [one] => one.clone(),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

/// [`crate::read::Leaf`] and `Deserialize` for a unit-only enum from its variants' names,
/// through [`variant`] (serde's derive compiles its enum machinery once per enum).
macro_rules! by_name {
    ($ty:ident { $($name:literal => $variant:ident),* $(,)? }) => {
        impl crate::read::Leaf for $ty {
            fn read(v: &serde_json::Value) -> crate::read::Read<Self> {
                const NAMES: &[&str] = &[$($name),*];
                const VARIANTS: &[$ty] = &[$($ty::$variant),*];
                crate::json::variant(v, NAMES).map(|i| VARIANTS[i])
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                crate::json::de_leaf(d, <$ty as crate::read::Leaf>::read)
            }
        }
    };
}
pub(crate) use by_name;

/// Format a quantity the way viem's `toHex` does (`0x0`, `0x1a`).
pub fn quantity(v: impl Into<U256>) -> String {
    // From the 32-byte hex rather than `{:#x}`, which links ruint's formatter.
    let digits = alloy_primitives::hex::encode(v.into().to_be_bytes::<32>());
    let significant = digits.trim_start_matches('0');
    let mut out = String::with_capacity(3 + significant.len());
    out.push_str("0x");
    out.push_str(if significant.is_empty() { "0" } else { significant });
    out
}

/// Format bytes as lower-case `0x` hex.
pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

/// Format an address with its EIP-55 checksum, as viem's `getAddress` does.
pub fn address(a: &Address) -> String {
    a.to_checksum(None)
}

macro_rules! uint_module {
    ($name:ident, $ty:ty, $bits:expr, $doc:literal) => {
        #[doc = $doc]
        pub mod $name {
            use super::*;
            /// Deserialize (see the module doc).
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<$ty, D::Error> {
                de_leaf(d, read)
            }
            /// Read (see the module doc).
            pub fn read(v: &Value) -> Read<$ty> {
                // `uint` refused anything wider than `$bits`, which `$ty` holds: this never
                // saturates (and has no panic path, as `to` does).
                uint(v, $bits).map(|v| v.saturating_to::<$ty>())
            }
            /// Serialize as a viem-style hex quantity.
            pub fn serialize<S: serde::Serializer>(v: &$ty, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&quantity(U256::from(*v)))
            }
        }
    };
}

uint_module!(u256, U256, 256, "uint256 from hex, decimal string or number.");
uint_module!(u192, U256, 192, "uint192 (EntryPoint nonce key) from hex, decimal string or number.");
uint_module!(u128, u128, 128, "uint128 (gas fields) from hex, decimal string or number.");
uint_module!(u64, u64, 64, "uint64 (chain ids, times) from hex, decimal string or number.");
uint_module!(u48, u64, 48, "uint48 (timestamps) from hex, decimal string or number.");
uint_module!(u32, u32, 32, "uint32 (entity ids) from hex, decimal string or number.");

/// Optional variants: absent, `undefined` and `null` all mean "not given".
pub mod opt {
    use super::*;

    macro_rules! opt_uint {
        ($name:ident, $ty:ty) => {
            /// Optional unsigned integer of the named width.
            pub mod $name {
                use super::*;
                /// Deserialize `None` for null/undefined, else the number.
                pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<$ty>, D::Error> {
                    de_leaf(d, |v| crate::read::nullable(v, super::super::$name::read))
                }
                /// Serialize as an optional hex quantity.
                pub fn serialize<S: serde::Serializer>(v: &Option<$ty>, s: S) -> std::result::Result<S::Ok, S::Error> {
                    match v {
                        Some(v) => s.serialize_str(&quantity(U256::from(*v))),
                        None => s.serialize_none(),
                    }
                }
            }
        };
    }

    opt_uint!(u256, U256);
    opt_uint!(u192, U256);
    opt_uint!(u128, u128);
    opt_uint!(u64, u64);
    opt_uint!(u48, u64);
    opt_uint!(u32, u32);
}

/// A 20-byte address; mixed case must be a valid EIP-55 checksum. Serializes checksummed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Addr(pub Address);

impl fmt::Debug for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&address(&self.0))
    }
}

impl Leaf for Addr {
    fn read(v: &Value) -> Read<Self> {
        parse_address(leaf_str(v, "a 0x-prefixed 20-byte address string")?).map(Addr)
    }
}

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_leaf(d, <Addr as Leaf>::read)
    }
}

impl serde::Serialize for Addr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&address(&self.0))
    }
}

/// Arbitrary bytes as `0x` hex (`0x` is empty). Serializes lower-case.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HexBytes(pub Bytes);

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl Leaf for HexBytes {
    fn read(v: &Value) -> Read<Self> {
        decode_hex(leaf_str(v, "a 0x-prefixed hex string")?).map(|b| HexBytes(b.into()))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_leaf(d, <HexBytes as Leaf>::read)
    }
}

impl serde::Serialize for HexBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&hex(&self.0))
    }
}

/// Exactly `N` bytes as `0x` hex (selectors, hashes). Serializes lower-case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HexFixed<const N: usize>(pub FixedBytes<N>);

impl<const N: usize> fmt::Debug for HexFixed<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(self.0))
    }
}

impl<const N: usize> Leaf for HexFixed<N> {
    fn read(v: &Value) -> Read<Self> {
        fixed(v, N).map(|b| HexFixed(FixedBytes::from_slice(&b)))
    }
}

impl<'de, const N: usize> Deserialize<'de> for HexFixed<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_leaf(d, <HexFixed<N> as Leaf>::read)
    }
}

/// Exactly `n` bytes of `0x` hex (one copy serves every width).
fn fixed(v: &Value, n: usize) -> Read<Vec<u8>> {
    let s = leaf_str(v, "a 0x-prefixed hex string")?;
    let b = decode_hex(s)?;
    if b.len() != n {
        return Err(tagged(InputRule::Length, format_args!("expected {n} bytes, got {} in {}", b.len(), preview(s))));
    }
    Ok(b)
}

impl<const N: usize> serde::Serialize for HexFixed<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&hex(self.0))
    }
}

/// A 32-byte secret (a private key) as `0x` hex. Unlike [`HexFixed`], a malformed value is
/// refused without quoting it, `Debug` never prints it, and the text it was read from is wiped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret32(pub FixedBytes<32>);

impl fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret32(<redacted>)")
    }
}

impl Drop for Secret32 {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0 .0);
    }
}

impl Leaf for Secret32 {
    fn read(v: &Value) -> Read<Self> {
        let s = leaf_str(v, "a 0x-prefixed 32-byte hex string")?;
        let mut out = [0u8; 32];
        let decoded = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            None => Err(tagged(InputRule::Hex, "expected 0x-prefixed hex (value not shown)")),
            Some(d) if d.len() % 2 != 0 => Err(tagged(InputRule::Hex, "odd number of hex digits (value not shown)")),
            Some(d) if d.len() != 64 => {
                Err(tagged(InputRule::Length, format_args!("expected 32 bytes, got {} (value not shown)", d.len() / 2)))
            }
            Some(d) => alloy_primitives::hex::decode_to_slice(d, &mut out)
                .map_err(|_| tagged(InputRule::Hex, "not hex (value not shown)")),
        };
        let result = decoded.map(|()| Secret32(FixedBytes(out)));
        zeroize::Zeroize::zeroize(&mut out);
        result
    }
}

impl<'de> Deserialize<'de> for Secret32 {
    /// Read as [`Leaf`] reads it; the key's text is wiped once read.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut v = Value::deserialize(d)?;
        let result = <Secret32 as Leaf>::read(&v).map_err(de_error);
        if let Value::String(s) = &mut v {
            zeroize::Zeroize::zeroize(s);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantity_is_ruints_lower_hex() {
        let mut v = vec![U256::ZERO, U256::from(1), U256::from(0x10), U256::MAX];
        v.extend((0..256).map(|i| U256::from(1) << i));
        for x in v {
            assert_eq!(quantity(x), format!("{x:#x}"));
            assert_eq!(serde_json::Value::from(quantity(x)), serde_json::to_value(x).unwrap());
        }
    }

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Shape {
        #[allow(dead_code)]
        to: Addr,
        #[serde(with = "u48")]
        #[allow(dead_code)]
        expires_at: u64,
        #[serde(default)]
        #[allow(dead_code)]
        list: Vec<HexFixed<4>>,
    }

    fn err(v: serde_json::Value) -> Error {
        from_value::<Shape>(&v).unwrap_err()
    }

    #[test]
    fn errors_name_field_and_rule() {
        let ok = json!({"to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "expiresAt": 5});
        assert!(from_value::<Shape>(&ok).is_ok());

        let e = err(json!({"to": "0x70997970c51812dc3A010C7d01b50e0d17dc79C8", "expiresAt": 5}));
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_ADDRESS_CHECKSUM", Some("to")));

        let e = err(json!({"to": "0x1234", "expiresAt": 5}));
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_ADDRESS", Some("to")));

        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"}));
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("expiresAt")));

        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": "0x1000000000000"}));
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("expiresAt")));

        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": -1}));
        assert_eq!(e.code(), "INVALID_NUMBER");
        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": 1.5}));
        assert_eq!(e.code(), "INVALID_NUMBER");
        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": null}));
        assert_eq!(e.code(), "MISSING_FIELD");

        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": 1, "list": ["0x123"]}));
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_HEX", Some("list[0]")));
        let e = err(
            json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": 1, "list": ["0x12345678", "0x12"]}),
        );
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_LENGTH", Some("list[1]")));

        let e = err(json!({"expiresAt": 1}));
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("to")));

        let e = err(json!({"to": 5, "expiresAt": 1}));
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_TYPE", Some("to")));
        let e = err(json!({"to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "expiresAt": 1, "extra": 1}));
        assert_eq!(e.code(), "UNKNOWN_FIELD");
    }

    #[test]
    fn unknown_variants_are_named_in_serdes_words() {
        for names in [&["a"][..], &["a", "b"], &["a", "b", "c"]] {
            let names: &'static [&'static str] = Box::leak(names.to_vec().into_boxed_slice());
            let ours = variant(&serde_json::json!("x"), names).unwrap_err();
            let serde = <serde::de::value::Error as de::Error>::unknown_variant("x", names);
            assert_eq!(
                (ours.message.as_str(), ours.rule),
                (serde.to_string().as_str(), Rule::Input(InputRule::Variant))
            );
        }
    }

    #[test]
    fn quantities_print_like_viem() {
        assert_eq!(quantity(U256::ZERO), "0x0");
        assert_eq!(quantity(U256::from(26u8)), "0x1a");
        assert_eq!(hex([0xABu8, 0x01]), "0xab01");
    }
}
