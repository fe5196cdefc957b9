//! JsValue ⇄ core types. The only place that calls `serde_wasm_bindgen`.
//!
//! JS callers may pass `bigint` anywhere a number goes; the core's parsers take hex strings, so
//! bigints are rewritten to `0x…` strings first (negative ones keep their sign and are refused by
//! the parser with a clear error).

use js_sys::{Array, BigInt, Object, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, InputRule};
use crate::json;

/// Deepest nesting accepted from JS (guards against cyclic or hostile objects).
const MAX_DEPTH: usize = 32;

fn normalize(v: &JsValue, depth: usize, field: &str) -> Result<JsValue, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::input(field, InputRule::Type, "nested too deeply"));
    }
    if v.is_bigint() {
        let b: BigInt = v.clone().unchecked_into();
        let s = b.to_string(16).map_err(|_| Error::input(field, InputRule::Number, "bad bigint"))?;
        let s: String = s.into();
        return Ok(JsValue::from_str(&match s.strip_prefix('-') {
            Some(abs) => format!("-0x{abs}"),
            None => format!("0x{s}"),
        }));
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        let out = Array::new();
        for (i, item) in arr.iter().enumerate() {
            out.push(&normalize(&item, depth + 1, &format!("{field}[{i}]"))?);
        }
        return Ok(out.into());
    }
    if v.is_object() && !v.is_function() {
        let obj: &Object = v.unchecked_ref();
        let out = Object::new();
        for key in Object::keys(obj).iter() {
            let name = key.as_string().unwrap_or_default();
            let item = Reflect::get(obj, &key).map_err(|_| Error::input(field, InputRule::Type, "unreadable property"))?;
            let path = if field.is_empty() { name.clone() } else { format!("{field}.{name}") };
            let _ = Reflect::set(&out, &key, &normalize(&item, depth + 1, &path)?);
        }
        return Ok(out.into());
    }
    Ok(v.clone())
}

/// Parse a JS argument into a core type; `field` names the argument for error messages.
pub fn from_js<T: DeserializeOwned>(value: &JsValue, field: &str) -> Result<T, Error> {
    let value = normalize(value, 0, field)?;
    json::parse::<T, _>(serde_wasm_bindgen::Deserializer::from(value)).map_err(|e| prefix(e, field))
}

/// Put the argument name in front of the field path of an input error.
fn prefix(e: Error, field: &str) -> Error {
    match e {
        Error::InvalidInput { field: inner, rule, detail } if !field.is_empty() => {
            let path = if inner.is_empty() || inner == "(input)" { field.to_string() } else { inner };
            Error::InvalidInput { field: path, rule, detail }
        }
        other => other,
    }
}

/// Convert a core value into plain JS data (objects, arrays, strings, numbers).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::input("(output)", InputRule::Type, e.to_string()))
}
