//! JSON out, built by hand: each output type writes its `serde_json::Value` with [`Obj`] and the
//! leaf spellings below (viem's), instead of a derived `Serialize` per type. The wasm then carries
//! `Value`'s serializers only (to JSON text for RPC requests, to JS through serde-wasm-bindgen),
//! not one per type and field.
//!
//! Spellings: quantities `0x1a` ([`quantity`]), bytes and hashes lower-case `0x` hex ([`hex`]),
//! addresses checksummed ([`address`]) where a derived `Addr` field was and lower-case where an
//! alloy `Address` was, `null` for an absent optional field unless the field is left out.

use alloy_primitives::{Address, U256};
use serde_json::{Map, Value};

use crate::json;

/// A JSON object under construction, its fields in the order they are put. As a [`Value`]
/// ([`Obj::value`]) its keys are sorted, as in every `serde_json` map; as text ([`Obj::text`], the
/// RPC request body) they stay in this order, a derived struct's field order.
#[derive(Default)]
pub struct Obj(Vec<(&'static str, Item)>);

/// A field's value: plain, or an object that keeps its field order in text.
enum Item {
    Value(Value),
    Obj(Obj),
}

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Obj(Vec::new())
    }

    /// Add a field.
    pub fn put(mut self, key: &'static str, v: Value) -> Self {
        self.0.push((key, Item::Value(v)));
        self
    }

    /// Add a field when there is a value (a derived `skip_serializing_if = "Option::is_none"`).
    pub fn opt(self, key: &'static str, v: Option<Value>) -> Self {
        match v {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    /// Add an object field that keeps its field order in text.
    pub fn obj(mut self, key: &'static str, o: Obj) -> Self {
        self.0.push((key, Item::Obj(o)));
        self
    }

    /// The object as a `Value`.
    pub fn value(self) -> Value {
        Value::Object(self.map())
    }

    fn map(self) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, v) in self.0 {
            let v = match v {
                Item::Value(v) => v,
                Item::Obj(o) => Value::Object(o.map()),
            };
            m.insert(k.to_string(), v);
        }
        m
    }

    /// The object as JSON text, fields in order.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Keys are this crate's own identifiers: nothing to escape.
            out.push('"');
            out.push_str(k);
            out.push_str("\":");
            match v {
                Item::Value(v) => out.push_str(&text(v)),
                Item::Obj(o) => o.write(out),
            }
        }
        out.push('}');
    }
}

/// A value as compact JSON text (`to_string`, not `Display`, which compiles a pretty printer too).
pub fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A quantity as viem's `toHex` writes it (`0x0`, `0x1a`).
pub fn quantity(v: U256) -> Value {
    Value::String(json::quantity(v))
}

/// Bytes as lower-case `0x` hex.
pub fn hex(b: &[u8]) -> Value {
    Value::String(json::hex(b))
}

/// An address with its EIP-55 checksum.
pub fn address(a: &Address) -> Value {
    Value::String(json::address(a))
}

/// An optional value, `null` when absent.
pub fn nullable(v: Option<Value>) -> Value {
    v.unwrap_or(Value::Null)
}

/// A list, each item written by `f`.
pub fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

/// `Serialize` for types with a `to_json(&self) -> Value`, through it: for native callers and
/// tests (the wasm shell calls `to_json` itself, so these are not in the wasm).
macro_rules! serialize_via_to_json {
    ($($ty:ty),* $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.to_json(), s)
            }
        }
    )*};
}
pub(crate) use serialize_via_to_json;
