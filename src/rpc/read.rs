//! Typed results read field by field out of a parsed JSON-RPC answer: one plain function per
//! result type instead of serde's derived visitors (less wasm), with the same rules (a required
//! field must be there, an optional one may be absent or `null`, unknown fields are ignored) and
//! a failure named by its path (`receipt.blockHash`), as [`crate::de`] names it.
//!
//! Leaf values (addresses, hashes, quantities) still go through `crate::de` and the types' own
//! `Deserialize`, so they are read exactly as before.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A value of the wrong shape: where (`a.b[2]`, empty at the top) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// The path below the value read.
    pub path: String,
    /// What was wrong.
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
pub fn u256(v: &Value) -> Read<alloy_primitives::U256> {
    Ok(crate::json::u256::deserialize(crate::de::ValueDe(v))?)
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
        _ => {
            let kind = match v {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                _ => "an array",
            };
            Err(Bad { path: String::new(), message: format!("invalid type: {kind}, expected {what}") })
        }
    }
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
        assert_eq!(f.or_default("absent", leaf::<bool>).unwrap(), false);
        assert!(f.or_default("n", leaf::<bool>).is_err());
        assert_eq!(object(&json!(1), "struct T").err().unwrap().message, "invalid type: a number, expected struct T");
    }
}
