//! JSON out, built by hand: each output type writes its `serde_json::Value` with [`Obj`] and the
//! leaf spellings below (viem's) rather than through a derived `Serialize` per type, so the wasm
//! carries one serializer of `Value` (serde-wasm-bindgen's, to JS) and one text writer ([`text`],
//! RPC requests), not one per type and field.
//!
//! Spellings: quantities `0x1a` ([`quantity`]), bytes and hashes lower-case `0x` hex ([`hex`]),
//! our own `Addr` fields checksummed ([`address`]), alloy `Address` fields lower-case hex (as
//! alloy's serde writes them), `null` for an absent optional field unless the field is left out.

use std::fmt;

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

    /// Add a field. The adders take and give `&mut Self`: a chain on a temporary
    /// (`Obj::new().put(..).put(..).value()`) passes one pointer along rather than the object.
    pub fn put(&mut self, key: &'static str, v: Value) -> &mut Self {
        self.0.push((key, Item::Value(v)));
        self
    }

    /// Add a field when there is a value (a derived `skip_serializing_if = "Option::is_none"`).
    pub fn opt(&mut self, key: &'static str, v: Option<Value>) -> &mut Self {
        match v {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    /// Add a field that is `null` when there is no value.
    #[inline(never)]
    pub fn or_null(&mut self, key: &'static str, v: Option<Value>) -> &mut Self {
        self.put(key, v.unwrap_or(Value::Null))
    }

    /// Add a bytes field ([`hex`]).
    #[inline(never)]
    pub fn hex(&mut self, key: &'static str, b: &[u8]) -> &mut Self {
        self.put(key, hex(b))
    }

    /// Add an address field, checksummed ([`address`]).
    #[inline(never)]
    pub fn address(&mut self, key: &'static str, a: &Address) -> &mut Self {
        self.put(key, address(a))
    }

    /// Add a quantity field ([`quantity`]).
    #[inline(never)]
    pub fn quantity(&mut self, key: &'static str, v: U256) -> &mut Self {
        self.put(key, quantity(v))
    }

    /// Add a number field.
    #[inline(never)]
    pub fn number(&mut self, key: &'static str, n: u64) -> &mut Self {
        self.put(key, Value::from(n))
    }

    /// Add a boolean field.
    #[inline(never)]
    pub fn bool(&mut self, key: &'static str, b: bool) -> &mut Self {
        self.put(key, Value::Bool(b))
    }

    /// Add a string field.
    #[inline(never)]
    pub fn str(&mut self, key: &'static str, s: &str) -> &mut Self {
        self.put(key, Value::from(s))
    }

    /// Add an object field that keeps its field order in text.
    pub fn obj(&mut self, key: &'static str, o: Obj) -> &mut Self {
        self.0.push((key, Item::Obj(o)));
        self
    }

    /// The object, taken out (the end of a chain that keeps it as an `Obj`).
    pub fn take(&mut self) -> Obj {
        Obj(std::mem::take(&mut self.0))
    }

    /// The object as a `Value`, taken out.
    pub fn value(&mut self) -> Value {
        Value::Object(self.take().map())
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
            push_quoted(out, k);
            out.push(':');
            match v {
                Item::Value(v) => push_value(out, v),
                Item::Obj(o) => o.write(out),
            }
        }
        out.push('}');
    }
}

/// A value as compact JSON text, byte for byte as `serde_json::to_string` writes it: keys in the
/// map's order, strings escaped as serde_json escapes them, numbers by `Number`'s `Display`
/// (serde_json's own number writer). Written here rather than by serde_json's serializer, whose
/// `Value` instance is several times this code.
pub fn text(v: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, v);
    out
}

fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = fmt::Write::write_fmt(out, format_args!("{n}"));
        }
        Value::String(s) => push_quoted(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_quoted(out, k);
                out.push(':');
                push_value(out, item);
            }
            out.push('}');
        }
    }
}

/// `s` as a JSON string, escaped as serde_json escapes it: `"`, `\`, the five short control
/// escapes, other control characters as `\u00xx` (lower-case hex), everything else as it is.
pub fn push_quoted(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[c as usize >> 4] as char);
                out.push(HEX[c as usize & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_serde_jsons() {
        let tricky = "q\"b\\s/\u{0}\u{1f}\u{7f}\u{8}\u{c}\n\r\té€😀\u{2028}";
        let v = serde_json::json!({
            "z": [null, true, false, 0, 1, -1, u64::MAX, i64::MIN, 0.5, -1.25e-7, 1e300, 123456789.0, 5e-324],
            "a": {"": "", tricky: tricky, "nested": [[], {}, [{"x": 1}]]},
            "m": "plain",
        });
        assert_eq!(text(&v), serde_json::to_string(&v).unwrap());
        let mut q = String::new();
        push_quoted(&mut q, tricky);
        assert_eq!(q, serde_json::to_string(tricky).unwrap());
    }

    #[test]
    fn obj_text_keeps_field_order() {
        let mut o = Obj::new();
        o.put("b", Value::from(1)).opt("skip", None).obj("a", Obj::new().put("y", Value::Null).str("x", "s").take());
        assert_eq!(o.text(), r#"{"b":1,"a":{"y":null,"x":"s"}}"#);
        assert_eq!(o.value(), serde_json::json!({"a": {"x": "s", "y": null}, "b": 1}));
    }
}
