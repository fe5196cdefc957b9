//! Typed results read field by field out of a parsed JSON-RPC answer: one plain function per
//! result type instead of serde's derived visitors (less wasm), with the same rules (a required
//! field must be there, an optional one may be absent or `null`, unknown fields are ignored) and
//! a failure named by its path (`receipt.blockHash`), as [`crate::de`] names it.
//!
//! Leaf values go through `crate::de` with the readers the library's inputs use
//! ([`crate::json`]: `0x` hex, addresses with their EIP-55 checksum checked when mixed-case,
//! quantities as hex, decimal strings or numbers), so the binary carries one parser per kind.

use alloy_primitives::{Address, Bytes, B256, U256, U64};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::json::{Addr, HexBytes, HexFixed};

/// A value of the wrong shape: where (`a.b[2]`, empty at the top) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// The path below the value read.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The result of a read.
pub type Read<T> = std::result::Result<T, Bad>;

impl From<crate::de::Error> for Bad {
    fn from(e: crate::de::Error) -> Self {
        Bad { path: e.path(), message: e.message().to_string() }
    }
}

impl Bad {
    /// The same failure one level down, under `key`.
    fn under(mut self, key: &str) -> Self {
        self.path = match self.path.as_str() {
            "" => key.to_string(),
            p if p.starts_with('[') => format!("{key}{p}"),
            p => format!("{key}.{p}"),
        };
        self
    }
}

/// A leaf value through its own `Deserialize`.
pub fn leaf<T: DeserializeOwned>(v: &Value) -> Read<T> {
    Ok(crate::de::from_value(v)?)
}

/// A quantity of at most 128 bits (hex, decimal string or number), as [`crate::json::u128`] reads it.
pub fn u128(v: &Value) -> Read<u128> {
    Ok(crate::json::u128::deserialize(crate::de::ValueDe(v))?)
}

/// A quantity of at most 256 bits, as [`crate::json::u256`] reads it.
pub fn u256(v: &Value) -> Read<U256> {
    Ok(crate::json::u256::deserialize(crate::de::ValueDe(v))?)
}

/// A quantity of at most 64 bits, as [`crate::json::u64`] reads it.
pub fn u64_number(v: &Value) -> Read<u64> {
    Ok(crate::json::u64::deserialize(crate::de::ValueDe(v))?)
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
    let Value::Array(items) = v else { return Err(invalid(v, "a sequence")) };
    items.iter().enumerate().map(|(i, v)| address(v).map_err(|e| e.under(&format!("[{i}]")))).collect()
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
    v.as_bool().ok_or_else(|| invalid(v, "a boolean"))
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

/// `v` as an object (`what` names it in the error, as serde's "expected struct X").
pub fn object<'a>(v: &'a Value, what: &str) -> Read<Fields<'a>> {
    match v {
        Value::Object(m) => Ok(Fields(m)),
        _ => Err(invalid(v, what)),
    }
}

/// `v` is not of the kind expected (named by kind, never quoted).
fn invalid(v: &Value, what: &str) -> Bad {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Bad { path: String::new(), message: format!("invalid type: {kind}, expected {what}") }
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
            None => Err(Bad { path: String::new(), message: format!("missing field `{key}`") }),
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
        assert_eq!(f.req("a", leaf::<Address>).unwrap_err().path, "a");
        assert_eq!(f.req("list", leaf::<Vec<u8>>).unwrap_err().path, "list[1]");
        assert!(!f.or_default("absent", leaf::<bool>).unwrap());
        assert!(f.or_default("n", leaf::<bool>).is_err());
        assert_eq!(object(&json!(1), "struct T").err().unwrap().message, "invalid type: a number, expected struct T");
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
}
