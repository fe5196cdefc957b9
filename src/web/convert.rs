//! JsValue ⇄ core types. The only place that crosses the JS boundary with serde.
//!
//! JS arguments are first turned into a `serde_json::Value` and then read by their types' field
//! readers ([`crate::read`]), which native callers share and whose rules the native tests pin to
//! the derived `Deserialize` ones, including `deny_unknown_fields` (serde-wasm-bindgen reads
//! declared fields only).
//! On the way: `bigint` becomes a `0x…` string, `undefined` properties are dropped (absent),
//! and values JSON cannot hold (NaN, functions, symbols, cycles) are refused with a typed error.
//!
//! Plain data takes one boundary crossing: `JSON.stringify` with a replacer that writes bigints
//! as hex and gives up on anything else JSON would silently change (see `plainJson` below); the
//! property-by-property walk, which names the offending field, runs only when it gives up. (The
//! walk cost two JS calls per property and grew with every permission of a grant.)

use js_sys::{Array, BigInt, Object, Reflect};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, InputRule};
use crate::json;
use crate::read;

/// Deepest nesting accepted from JS (guards against cyclic or hostile objects).
const MAX_DEPTH: usize = 32;

#[wasm_bindgen(inline_js = r#"
const GIVE_UP = Symbol("walk");
// Called for every value with the holder as `this`; `raw` is the value before any toJSON.
function replacer(key, value) {
  const raw = this[key];
  switch (typeof raw) {
    case "string": case "boolean": case "undefined":
      if (value !== raw) throw GIVE_UP;
      return raw;
    case "number":
      if (value !== raw || !Number.isSafeInteger(raw)) throw GIVE_UP;
      return raw;
    case "bigint":
      if (value !== raw) throw GIVE_UP;
      return raw < 0n ? "-0x" + (-raw).toString(16) : "0x" + raw.toString(16);
    case "object": {
      if (raw === null) return null;
      if (value !== raw) throw GIVE_UP;
      if (!Array.isArray(raw)) {
        const proto = Object.getPrototypeOf(raw);
        if (proto !== Object.prototype && proto !== null) throw GIVE_UP;
      }
      // JSON.stringify would call a child's toJSON before showing it to us: look first.
      for (const child of Object.values(raw)) {
        if (typeof child === "object" && child !== null && typeof child.toJSON === "function") throw GIVE_UP;
      }
      return raw;
    }
    default:
      throw GIVE_UP;
  }
}
// The JSON text of plain data, or undefined when the value needs the field-by-field walk.
const PRIMITIVES = [BigInt, Number, String, Boolean].map((type) => type.prototype);
export function plainJson(value) {
  if (typeof value === "object" && value !== null && typeof value.toJSON === "function") return undefined;
  // A patched primitive (`BigInt.prototype.toJSON` is a common hack) would be called by stringify.
  if (PRIMITIVES.some((proto) => typeof proto.toJSON === "function")) return undefined;
  try {
    return JSON.stringify(value, replacer);
  } catch {
    return undefined;
  }
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = plainJson)]
    fn plain_json(value: &JsValue) -> Option<String>;
}

/// How deeply a JSON value nests (a scalar is 0).
fn nesting(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

fn path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// Convert a JS argument into JSON data; `field` is its path, for errors.
pub fn js_to_json(v: &JsValue, field: &str) -> Result<Value, Error> {
    // A scalar (a key, a chain id) reads the same both ways, and the walk reads it in one crossing.
    if !v.is_object() {
        return walk(v, 0, field);
    }
    if let Some(value) = plain_json(v).and_then(|text| crate::json_text::parse(&text).ok()) {
        if nesting(&value) <= MAX_DEPTH {
            return Ok(value);
        }
    }
    walk(v, 0, field)
}

/// The field-by-field conversion: slower, and names the field it refuses.
fn walk(v: &JsValue, depth: usize, field: &str) -> Result<Value, Error> {
    let here = || if field.is_empty() { "(input)".to_string() } else { field.to_string() };
    if depth > MAX_DEPTH {
        return Err(Error::input(here(), InputRule::Type, "nested too deeply"));
    }
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if let Some(n) = v.as_f64() {
        if !n.is_finite() {
            return Err(Error::input(here(), InputRule::Number, "NaN and Infinity are not finite numbers"));
        }
        let num = if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            if n >= 0.0 {
                Number::from(n as u64)
            } else {
                Number::from(n as i64)
            }
        } else {
            Number::from_f64(n).ok_or_else(|| Error::input(here(), InputRule::Number, "not a number"))?
        };
        return Ok(Value::Number(num));
    }
    if v.is_bigint() {
        let b: BigInt = v.clone().unchecked_into();
        let s: String =
            b.to_string(16).map_err(|_| Error::input(here(), InputRule::Number, "unreadable bigint"))?.into();
        return Ok(Value::String(match s.strip_prefix('-') {
            Some(abs) => format!("-0x{abs}"),
            None => format!("0x{s}"),
        }));
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        let mut out = Vec::with_capacity(arr.length() as usize);
        for (i, item) in arr.iter().enumerate() {
            out.push(walk(&item, depth + 1, &format!("{}[{i}]", field))?);
        }
        return Ok(Value::Array(out));
    }
    if v.is_object() && !v.is_function() {
        let obj: &Object = v.unchecked_ref();
        let mut out = Map::new();
        for key in Object::keys(obj).iter() {
            let name = key.as_string().unwrap_or_default();
            let item = Reflect::get(obj, &key)
                .map_err(|_| Error::input(path(field, &name), InputRule::Type, "unreadable property"))?;
            if item.is_undefined() {
                continue; // `{ x: undefined }` means x is absent, as in JSON.stringify
            }
            out.insert(name.clone(), walk(&item, depth + 1, &path(field, &name))?);
        }
        return Ok(Value::Object(out));
    }
    Err(Error::input(here(), InputRule::Type, "expected plain data (object, array, string, number, bigint, boolean)"))
}

/// Parse a JS argument of a leaf type ([`read::Leaf`]: an address, hex, a quantity); `field`
/// names the argument for error messages.
pub fn from_js<T: read::Leaf>(value: &JsValue, field: &str) -> Result<T, Error> {
    read_js(value, field, T::read)
}

/// Read a JS argument with its type's field reader ([`crate::read`]); `field` names the argument,
/// and a failure is the input error at its path under it (`userOp.sender`, `calls[0].target`).
/// Not generic over the reader's result beyond this call: the path and error work is shared.
pub fn read_js<T>(value: &JsValue, field: &str, read: fn(&Value) -> read::Read<T>) -> Result<T, Error> {
    let data = js_to_json(value, field)?;
    read(&data).map_err(|e| named(e, field))
}

/// A failed read of argument `field` as the input error at its path under the argument.
#[inline(never)]
fn named(e: read::Bad, field: &str) -> Error {
    prefix(json::read_error(e, ""), field)
}

/// The JSON value of an options or request object. The one field-path rule of every export: a path starts at
/// the argument. Inside an object argument it is the property path (`chainId`,
/// `permissions[2].data.allowance`, `userOp.sender`); a positional argument that is not an
/// object is named by its parameter (`id`, `calls[0].target`, `signature`: see [`from_js`]);
/// an object argument that is not an object at all is named `name`. Gives the JSON value, which
/// its type's field reader takes (not generic: one copy serves every type).
pub fn options_value(value: &JsValue, name: &str) -> Result<Value, Error> {
    js_to_json(value, "").map_err(|e| whole(e, name))
}

/// Name an error about the whole argument (no path of its own) after the argument.
fn whole(e: Error, name: &str) -> Error {
    match e {
        Error::InvalidInput { field, rule, detail } if field.is_empty() || field == "(input)" => {
            Error::InvalidInput { field: name.to_string(), rule, detail }
        }
        other => other,
    }
}

/// The data of an optional options argument: `undefined` and `null` are an empty object.
pub fn opt_options_data(value: &JsValue, name: &str) -> Result<Value, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Object(Map::new()));
    }
    options_value(value, name)
}

/// Read an options object field by field ([`crate::read`]) instead of a derived visitor per type:
/// its keys must be among `known`, as a `deny_unknown_fields` struct's. A failure is the input
/// error at its path (see [`json::read_error`]).
pub fn read_options<'a, T>(
    data: &'a Value,
    name: &str,
    known: &[&str],
    read: impl FnOnce(read::Fields<'a>) -> read::Read<T>,
) -> Result<T, Error> {
    read::strict(data, known).and_then(read).map_err(|e| json::read_error(e, name))
}

/// Put the argument name in front of the field path of an input error.
fn prefix(e: Error, field: &str) -> Error {
    match e {
        Error::InvalidInput { field: inner, rule, detail } if !field.is_empty() => {
            let path = if inner.is_empty() || inner == "(input)" {
                field.to_string()
            } else if inner.starts_with('[') {
                format!("{field}{inner}")
            } else {
                format!("{field}.{inner}")
            };
            Error::InvalidInput { field: path, rule, detail }
        }
        other => other,
    }
}

/// A session id argument (`record.id`): a non-empty string.
pub fn id_arg(v: &JsValue) -> Result<String, Error> {
    match v.as_string() {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(Error::input("id", InputRule::Missing, "is empty")),
        None if v.is_undefined() || v.is_null() => Err(Error::input("id", InputRule::Missing, "is required")),
        None => Err(Error::input("id", InputRule::Type, "expected the session id string (record.id)")),
    }
}

/// Convert a core value, written as a `serde_json::Value` by its `to_json` ([`crate::write`]),
/// into plain JS data (objects, arrays, strings, numbers): serde-wasm-bindgen's serializer is
/// compiled once, for `Value`. An integer beyond 2^53 - 1 is refused, not rounded.
pub fn to_js(v: &Value) -> Result<JsValue, Error> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|_| refused_output("an integer beyond 2^53 - 1 cannot be a JS number"))
}

fn refused_output(detail: &str) -> Error {
    Error::input("(output)", InputRule::Type, detail)
}
