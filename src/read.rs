//! One field-path-aware reader of parsed JSON: objects read field by field, one plain function
//! per type instead of serde's derived visitors (less wasm). RPC results, stored session records,
//! the browser's arguments and option objects all go through it; each caller turns a [`Bad`] into
//! its own error once (`BAD_RPC_RESPONSE`, `RECORD_CORRUPT`, an input error naming the field).
//!
//! The rules are a derived `Deserialize`'s: a required field must be there, an optional one may
//! be absent or `null`, unknown fields are ignored unless the object is opened with its known
//! keys ([`strict`]). A failure is named by its path below the value read (`receipt.blockHash`),
//! built while unwinding, as [`crate::de`] names it.
//!
//! Leaf values ([`Leaf`]) are read by plain functions, the library's own in [`crate::json`] (`0x`
//! hex, addresses with their EIP-55 checksum checked when mixed-case, quantities as hex, decimal
//! strings or numbers). Their `Deserialize` impls, which native callers' derived types use, go
//! through the same functions, so there is one parser per kind, and no serde deserializer in the
//! browser's binary.

use alloy_primitives::{Address, Bytes, B256, U256, U64};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::InputRule;
use crate::json::{Addr, HexBytes, HexFixed};

/// Which rule a value broke, decided where it is refused: callers with their own wording
/// (records, inputs) pick it by this, and never read it back from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Its reader refused the value under this input rule; the message says why.
    Input(InputRule),
    /// A required field is absent (the path ends with it).
    Missing,
    /// `null` where a value is required.
    Null,
    /// Not an object where one is required.
    NotObject,
    /// A key the object does not know (the path ends with it).
    Unknown,
}

/// A value of the wrong shape. Boxed: every generic `Read` of a field carries it, and one
/// pointer moves in less code than the failure itself would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad(pub Box<Failure>);

/// What a [`Bad`] holds: where (`a.b[2]`, empty at the top), what, and which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The path below the value read.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The rule broken.
    pub rule: Rule,
}

impl std::ops::Deref for Bad {
    type Target = Failure;
    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl Bad {
    /// A failure at `path` (empty: the value read itself).
    pub(crate) fn new(path: String, message: String, rule: Rule) -> Self {
        Bad(Box::new(Failure { path, message, rule }))
    }
}

/// The result of a read.
pub type Read<T> = std::result::Result<T, Bad>;

/// A failure of a derived `Deserialize`, its rule read from serde's words as
/// [`crate::json::from_value`] reads it.
impl From<crate::de::Error> for Bad {
    fn from(e: crate::de::Error) -> Self {
        match crate::json::classify(e.path(), e.message()) {
            crate::error::Error::InvalidInput { field, rule, detail } => Bad::new(field, detail, Rule::Input(rule)),
            _ => Bad::new(e.path(), e.message().to_string(), Rule::Input(InputRule::Type)),
        }
    }
}

impl Bad {
    /// The same failure one level down, under `key` (an object key, or `[i]` for an array index).
    #[inline(never)]
    pub fn under(mut self, key: &str) -> Self {
        self.0.path = match self.path.as_str() {
            "" => key.to_string(),
            p if p.starts_with('[') => format!("{key}{p}"),
            p => format!("{key}.{p}"),
        };
        self
    }
}

impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Bad {}

/// serde's words for a refusal (`missing field`, `unknown field`, …): a reader that refuses as a
/// derived visitor would says it the same way, and the callers classify it the same way.
impl serde::de::Error for Bad {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Bad::new(String::new(), msg.to_string(), Rule::Input(InputRule::Type))
    }

    fn missing_field(field: &'static str) -> Self {
        missing(field)
    }
}

/// A value read whole by one plain function, with no field of its own to name (a string, a
/// number, an address, hex bytes, an enum by name; lists and options of them).
pub trait Leaf: Sized {
    /// Read the value (the rules and the words of its `Deserialize`, which goes through this).
    fn read(v: &Value) -> Read<Self>;
}

impl<T: Leaf> Leaf for Option<T> {
    fn read(v: &Value) -> Read<Self> {
        nullable(v, T::read)
    }
}

impl<T: Leaf> Leaf for Vec<T> {
    fn read(v: &Value) -> Read<Self> {
        list(v, T::read)
    }
}

/// Any JSON, as it is.
impl Leaf for Value {
    fn read(v: &Value) -> Read<Self> {
        Ok(v.clone())
    }
}

impl Leaf for String {
    fn read(v: &Value) -> Read<Self> {
        v.as_str().map(str::to_string).ok_or_else(|| wrong_type(v, "a string"))
    }
}

impl Leaf for bool {
    fn read(v: &Value) -> Read<Self> {
        bool(v)
    }
}

/// A JSON integer in `min ..= max`, refused in the words of serde's primitive visitor for `what`.
fn integer(v: &Value, what: &str, min: i128, max: i128) -> Read<i128> {
    let n = match v {
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => i128::from(u),
            (None, Some(i)) => i128::from(i),
            (None, None) => return Err(wrong_type(v, what)),
        },
        _ => return Err(wrong_type(v, what)),
    };
    if n < min || n > max {
        return Err(Bad::new(String::new(), format!("invalid value: an integer, expected {what}"), TYPE));
    }
    Ok(n)
}

impl Leaf for u64 {
    fn read(v: &Value) -> Read<Self> {
        integer(v, "u64", 0, u64::MAX.into()).map(|n| n as u64)
    }
}

impl Leaf for u32 {
    fn read(v: &Value) -> Read<Self> {
        integer(v, "u32", 0, u32::MAX.into()).map(|n| n as u32)
    }
}

impl Leaf for i64 {
    fn read(v: &Value) -> Read<Self> {
        integer(v, "i64", i64::MIN.into(), i64::MAX.into()).map(|n| n as i64)
    }
}

/// A leaf value ([`Leaf`]).
pub fn leaf<T: Leaf>(v: &Value) -> Read<T> {
    T::read(v)
}

/// A value through its own `Deserialize` (for results whose type a caller names, as
/// [`crate::rpc::RpcClient::call`] takes them).
pub fn deserialized<T: DeserializeOwned>(v: &Value) -> Read<T> {
    Ok(crate::de::from_value(v)?)
}

/// A quantity of at most 128 bits (hex, decimal string or number), as [`crate::json::u128`] reads it.
pub fn u128(v: &Value) -> Read<u128> {
    crate::json::u128::read(v)
}

/// A quantity of at most 256 bits, as [`crate::json::u256`] reads it.
pub fn u256(v: &Value) -> Read<U256> {
    crate::json::u256::read(v)
}

/// A quantity of at most 64 bits, as [`crate::json::u64`] reads it.
pub fn u64_number(v: &Value) -> Read<u64> {
    crate::json::u64::read(v)
}

/// A quantity of at most 48 bits (a time), as [`crate::json::u48`] reads it.
pub fn u48(v: &Value) -> Read<u64> {
    crate::json::u48::read(v)
}

/// A quantity of at most 32 bits (an entity id), as [`crate::json::u32`] reads it.
pub fn u32(v: &Value) -> Read<u32> {
    crate::json::u32::read(v)
}

/// [`u64_number`] as a `U64`.
pub fn u64(v: &Value) -> Read<U64> {
    u64_number(v).map(U64::from)
}

/// An address ([`Addr`]).
pub fn address(v: &Value) -> Read<Address> {
    leaf::<Addr>(v).map(|a| a.0)
}

/// A list of addresses.
pub fn addresses(v: &Value) -> Read<Vec<Address>> {
    list(v, address)
}

/// An array, each element read by `f`; a failure is named by its index (`[2].target`).
pub fn list<T>(v: &Value, f: fn(&Value) -> Read<T>) -> Read<Vec<T>> {
    let Value::Array(items) = v else { return Err(wrong_type(v, "a sequence")) };
    items.iter().enumerate().map(|(i, v)| f(v).map_err(|e| e.under(&format!("[{i}]")))).collect()
}

/// `0x` hex bytes ([`HexBytes`]).
pub fn bytes(v: &Value) -> Read<Bytes> {
    leaf::<HexBytes>(v).map(|b| b.0)
}

/// A 32-byte `0x` hex word ([`HexFixed`]).
pub fn b256(v: &Value) -> Read<B256> {
    leaf::<HexFixed<32>>(v).map(|h| h.0)
}

/// A boolean.
pub fn bool(v: &Value) -> Read<bool> {
    v.as_bool().ok_or_else(|| wrong_type(v, "a boolean"))
}

/// `null` as `None`, anything else read by `f`.
pub fn nullable<T>(v: &Value, f: fn(&Value) -> Read<T>) -> Read<Option<T>> {
    match v {
        Value::Null => Ok(None),
        v => f(v).map(Some),
    }
}

/// The fields of one JSON object.
#[derive(Clone, Copy)]
pub struct Fields<'a>(&'a Map<String, Value>);

/// What an absent field reads as where absent means `null`.
static NULL: Value = Value::Null;

/// `v` as an object whose keys must be among `known` (a `deny_unknown_fields` struct's rule).
pub fn strict<'a>(v: &'a Value, known: &[&str]) -> Read<Fields<'a>> {
    let map = match v {
        Value::Object(map) => map,
        Value::Null => return Err(invalid(v, "an object", Rule::Null)),
        _ => return Err(invalid(v, "an object", Rule::NotObject)),
    };
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => {
            let message = format!("unknown field `{}`", crate::json::shorten(k, 100));
            Err(Bad::new(k.clone(), message, Rule::Unknown))
        }
        None => Ok(Fields(map)),
    }
}

/// `v` as an object (`what` names it in the error, as serde's "expected struct X").
pub fn object<'a>(v: &'a Value, what: &str) -> Read<Fields<'a>> {
    match v {
        Value::Object(map) => Ok(Fields(map)),
        _ => Err(wrong_type(v, what)),
    }
}

/// `v` is not of the kind `what` names (a reader's refusal of a value of the wrong type).
pub fn wrong_type(v: &Value, what: &str) -> Bad {
    invalid(v, what, if v.is_null() { Rule::Null } else { TYPE })
}

/// The rule of a value of the wrong kind.
const TYPE: Rule = Rule::Input(InputRule::Type);

/// `v` is not of the kind expected (named by kind, never quoted).
fn invalid(v: &Value, what: &str, rule: Rule) -> Bad {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Bad::new(String::new(), format!("invalid type: {kind}, expected {what}"), rule)
}

impl<'a> Fields<'a> {
    /// A field as it is, if present.
    pub fn get(self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    /// A required field, read by `f`.
    pub fn req<T>(self, key: &str, f: fn(&Value) -> Read<T>) -> Read<T> {
        match self.0.get(key) {
            Some(v) => f(v).map_err(|e| e.under(key)),
            None => Err(missing(key)),
        }
    }

    /// An optional field: absent or `null` is `None`.
    pub fn opt<T>(self, key: &str, f: fn(&Value) -> Read<T>) -> Read<Option<T>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => f(v).map(Some).map_err(|e| e.under(key)),
        }
    }

    /// A field that may be absent (then `T::default()`); present, it must read.
    pub fn or_default<T: Default>(self, key: &str, f: fn(&Value) -> Read<T>) -> Read<T> {
        match self.0.get(key) {
            None => Ok(T::default()),
            Some(v) => f(v).map_err(|e| e.under(key)),
        }
    }

    /// A leaf field ([`Leaf`]); absent reads as `null` (`None` for an `Option`).
    pub fn value<T: Leaf>(self, key: &str) -> Read<T> {
        self.or_null(key, T::read)
    }

    /// A field read by `f`; `None` when absent (present, even `null`, it must read).
    pub fn present<T>(self, key: &str, f: fn(&Value) -> Read<T>) -> Read<Option<T>> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) => f(v).map(Some).map_err(|e| e.under(key)),
        }
    }

    /// A field read by `f`; absent reads as `null`.
    pub fn or_null<T>(self, key: &str, f: fn(&Value) -> Read<T>) -> Read<T> {
        f(self.0.get(key).unwrap_or(&NULL)).map_err(|e| e.under(key))
    }

    /// Field `key` as an object whose keys must be among `known`, read by `read` (inlined at
    /// its one caller, unlike a reader passed as a function); failures are named under `key`.
    /// Absent is `None`, and so is `null` unless `null_is_absent` is false (then `null` is
    /// refused as not an object).
    pub fn object<T>(
        self,
        key: &str,
        known: &[&str],
        null_is_absent: bool,
        read: impl FnOnce(Fields<'a>) -> Read<T>,
    ) -> Read<Option<T>> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Null) if null_is_absent => Ok(None),
            Some(v) => strict(v, known).and_then(read).map(Some).map_err(|e| e.under(key)),
        }
    }
}

/// A required field that is absent (serde's words).
#[inline(never)]
fn missing(key: &str) -> Bad {
    Bad::new(key.to_string(), format!("missing field `{key}`"), Rule::Missing)
}

/// A key given twice under its two names (serde's words for an alias given beside its field).
pub fn duplicate(key: &str) -> Bad {
    Bad::new(String::new(), format!("duplicate field `{key}`"), TYPE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;
    use serde_json::json;

    #[test]
    fn paths_and_rules_follow_serde() {
        let v = json!({ "a": "0x01", "n": null, "list": [1, "x"] });
        let f = object(&v, "struct T").unwrap();
        assert_eq!(f.opt("n", u128).unwrap(), None);
        assert_eq!(f.opt("absent", u128).unwrap(), None);
        assert_eq!(f.req("a", u128).unwrap(), 1);
        assert_eq!(f.req("absent", u128).unwrap_err().message, "missing field `absent`");
        assert_eq!(f.req("a", leaf::<Addr>).unwrap_err().path, "a");
        assert_eq!(f.req("list", leaf::<Vec<u32>>).unwrap_err().path, "list[1]");
        assert!(!f.or_default("absent", leaf::<bool>).unwrap());
        assert!(f.or_default("n", leaf::<bool>).is_err());
        assert_eq!(object(&json!(1), "struct T").err().unwrap().message, "invalid type: an integer, expected struct T");
        let a = "0x0000000071727De22E5E9d8BAf0edAc6f37da032";
        assert_eq!(addresses(&json!([a])).unwrap(), vec![a.parse::<Address>().unwrap()]);
        assert_eq!(addresses(&json!([a, "0x12"])).unwrap_err().path, "[1]");
        assert_eq!(b256(&json!(format!("0x{}", "ab".repeat(32)))).unwrap(), B256::repeat_byte(0xab));
        assert!(b256(&json!("0xab")).is_err());
        assert_eq!(bytes(&json!("0x")).unwrap(), Bytes::new());
        assert_eq!(u64(&json!("0x7a69")).unwrap(), U64::from(31337));
        assert_eq!(u256(&json!("0x10")).unwrap(), U256::from(16));
        assert_eq!(bool(&json!("true")).unwrap_err().message, "invalid type: a string, expected a boolean");
    }

    /// The primitive leaves refuse in the words of serde's own visitors through [`crate::de`].
    #[test]
    fn primitive_leaves_speak_serdes_words() {
        fn same<T: Leaf + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &Value) {
            let ours = leaf::<T>(v).map_err(|e| e.message.clone());
            let serde = crate::de::from_value::<T>(v).map_err(|e| e.message().to_string());
            assert_eq!(ours, serde, "{v}");
        }
        let values = [
            json!(null),
            json!(true),
            json!(0),
            json!(1),
            json!(-1),
            json!(1.5),
            json!(4294967296u64),
            json!(u64::MAX),
            json!(i64::MIN),
            json!("x"),
            json!([]),
            json!([1, "x"]),
            json!({}),
        ];
        for v in &values {
            same::<String>(v);
            same::<bool>(v);
            same::<u64>(v);
            same::<u32>(v);
            same::<i64>(v);
            same::<Option<u32>>(v);
            same::<Vec<u32>>(v);
            same::<Value>(v);
        }
    }

    #[test]
    fn strict_objects_name_unknown_keys_and_values_by_path() {
        let v = json!({ "a": "0x01", "n": null });
        assert_eq!(strict(&json!(null), &[]).err().unwrap().rule, Rule::Null);
        assert_eq!(strict(&json!([]), &[]).err().unwrap().rule, Rule::NotObject);
        let e = strict(&v, &["a"]).err().unwrap();
        assert_eq!((e.path.as_str(), e.rule), ("n", Rule::Unknown));
        let f = strict(&v, &["a", "n"]).unwrap();
        assert_eq!(f.value::<Option<u32>>("n").unwrap(), None);
        assert_eq!(f.value::<Option<u32>>("absent").unwrap(), None);
        assert_eq!(f.present("absent", bool).unwrap(), None);
        assert_eq!(f.present("n", bool).unwrap_err().path, "n");
        assert_eq!(f.or_null("absent", |v| nullable(v, bool)).unwrap(), None);
        assert_eq!(f.value::<u32>("a").unwrap_err().path, "a");
        assert_eq!(f.or_null("a", u64_number).unwrap(), 1);
        let v = json!({ "o": { "n": "x" }, "z": null });
        let f = object(&v, "struct T").unwrap();
        let unit = |_: Fields<'_>| Ok(());
        assert!(f.object("z", &[], true, unit).unwrap().is_none());
        assert_eq!(f.object("z", &[], false, unit).unwrap_err().path, "z");
        assert_eq!(f.object("o", &[], true, unit).unwrap_err().path, "o.n");
        assert_eq!(f.object("o", &["n"], true, |o| o.value::<u32>("n")).unwrap_err().path, "o.n");
        let e = f.object("o", &["n"], true, |o| o.req("m", u128)).unwrap_err();
        assert_eq!((e.path.as_str(), e.rule), ("o.m", Rule::Missing));
    }
}
