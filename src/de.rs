//! A `serde` deserializer over a borrowed `serde_json::Value` that records where it failed.
//!
//! Native callers' types with a derived `Deserialize` are read through this one deserializer
//! ([`crate::json::from_value`]); the browser reads with [`crate::read`] instead. The path of a
//! failure (`permissions[2].data.allowance`) is collected on the way out: a child that fails gets
//! its key or index pushed onto the error.
//! Messages are built from static parts (no float formatting, no quoted input).

use serde::de::{self, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor};
use serde_json::Value;
use std::fmt;

/// One step of a path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A deserialization failure and where it happened. Boxed: every generic `Result` of a read
/// carries it, and one pointer moves in less code than the path and message would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Failure>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    /// Innermost segment first (pushed while unwinding).
    rev_path: Vec<Segment>,
    message: String,
}

impl Error {
    fn new(message: String) -> Self {
        Error(Box::new(Failure { rev_path: Vec::new(), message }))
    }
}

impl Error {
    /// The path in the usual notation (`a.b[2].c`); empty at the top level.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.0.rev_path.iter().rev() {
            match seg {
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
            }
        }
        out
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// Name a child's failure by its key, in place: the generic callers pass `result.as_mut().err()`,
/// so each instance stays small and the result is not moved through a `map_err`.
#[inline(never)]
fn mark_key(error: Option<&mut Error>, key: Option<&str>) {
    if let (Some(e), Some(key)) = (error, key) {
        e.0.rev_path.push(Segment::Key(key.to_string()));
    }
}

/// [`mark_key`] for an array index.
#[inline(never)]
fn mark_index(error: Option<&mut Error>, index: usize) {
    if let Some(e) = error {
        e.0.rev_path.push(Segment::Index(index));
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

/// What a value was, in words that never quote it.
fn unexpected(u: &Unexpected<'_>) -> &'static str {
    match u {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "an integer",
        Unexpected::Float(_) => "a fractional number",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit | Unexpected::Option => "null",
        Unexpected::Seq => "an array",
        Unexpected::Map => "an object",
        _ => "a value of another kind",
    }
}

fn expected_text(exp: &dyn Expected) -> String {
    struct Show<'a>(&'a dyn Expected);
    impl fmt::Display for Show<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(f)
        }
    }
    Show(exp).to_string()
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        let mut message = String::from("invalid type: ");
        message.push_str(unexpected(&unexp));
        message.push_str(", expected ");
        message.push_str(&expected_text(exp));
        Error::new(message)
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        let mut message = String::from("invalid value: ");
        message.push_str(unexpected(&unexp));
        message.push_str(", expected ");
        message.push_str(&expected_text(exp));
        Error::new(message)
    }
}

/// Deserialize `T` from `value`.
pub fn from_value<'a, T: de::Deserialize<'a>>(value: &'a Value) -> Result<T, Error> {
    T::deserialize(ValueDe(value))
}

/// The integer widths other than `i64` take what `deserialize_i64` takes.
macro_rules! integers {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_i64(visitor)
        })*
    };
}

/// The deserializer: one JSON value.
#[derive(Clone, Copy)]
pub struct ValueDe<'a>(pub &'a Value);

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(map) => visitor.visit_map(Obj { entries: map.iter(), value: None, key: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            // Unit variants only (every enum read here has no data), so no `{ "variant": … }` form.
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    // The typed entry points call only the visitor method their type can take, so the derived
    // visitors' other methods (a struct read from an array, a field name from an integer) are
    // never instantiated; the refusal reads as `deserialize_any`'s would.

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Obj { entries: map.iter(), value: None, key: None }),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_borrowed_str(s),
            // As `deserialize_any` would: a visitor that takes no `null` refuses it in the same words.
            Value::Null => visitor.visit_unit(),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(*b),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    integers! { deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(n) => visit_number(n, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        f32 f64 char bytes byte_buf
    }
}

/// A number as the visitor's `u64`, `i64` or (fractional) `f64`.
fn visit_number<'de, V: Visitor<'de>>(n: &serde_json::Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// An array's elements, all of which the visitor must take.
fn visit_array<'de, V: Visitor<'de>>(items: &'de [Value], visitor: V) -> Result<V::Value, Error> {
    let mut seq = Seq { items: items.iter(), index: 0 };
    let out = visitor.visit_seq(&mut seq)?;
    if seq.items.len() != 0 {
        return Err(de::Error::invalid_length(items.len(), &"fewer elements in the array"));
    }
    Ok(out)
}

/// `invalid_type` for a value of the wrong kind, worded as `deserialize_any`'s visitor would.
fn mismatch(value: &Value, exp: &dyn Expected) -> Error {
    let unexp = match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) if n.is_f64() => Unexpected::Float(0.0),
        Value::Number(_) => Unexpected::Unsigned(0),
        Value::String(_) => Unexpected::Str(""),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    };
    de::Error::invalid_type(unexp, exp)
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Value>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(item) = self.items.next() else { return Ok(None) };
        let index = self.index;
        self.index += 1;
        let mut out = seed.deserialize(ValueDe(item));
        mark_index(out.as_mut().err(), index);
        out.map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// What an unpaired value read sees.
static NULL: Value = Value::Null;

struct Obj<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
    key: Option<&'a String>,
}

impl<'a> Obj<'a> {
    /// The value of the key just read, and that key (none if a caller asked out of turn: serde
    /// asks for a value only after its key, and `null` then stands in).
    #[inline(never)]
    fn take_value(&mut self) -> (&'a Value, Option<&'a str>) {
        (self.value.take().unwrap_or(&NULL), self.key.take().map(String::as_str))
    }
}

impl<'de> de::MapAccess<'de> for Obj<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.key = Some(k);
        self.value = Some(v);
        // A refused key (an unknown field) is named by its own path.
        let mut out = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(k));
        mark_key(out.as_mut().err(), Some(k));
        out.map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (value, key) = self.take_value();
        let mut out = seed.deserialize(ValueDe(value));
        mark_key(out.as_mut().err(), key);
        out
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        list: Vec<Inner>,
        opt: Option<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
    }

    #[test]
    fn enums_are_read_by_name() {
        assert_eq!(from_value::<Mode>(&json!("fast")).unwrap(), Mode::Fast);
        assert!(from_value::<Mode>(&json!("slow")).unwrap_err().message().starts_with("unknown variant `slow`"));
        let e = from_value::<Mode>(&json!({"fast": null})).unwrap_err();
        assert_eq!(e.message(), "invalid type: an object, expected enum Mode");
        assert_eq!(
            from_value::<Mode>(&json!(1)).unwrap_err().message(),
            "invalid type: an integer, expected enum Mode"
        );
    }

    #[test]
    fn paths_name_the_failing_field() {
        let e = from_value::<Outer>(&json!({"list": [{"n": 1}, {"n": 300}], "opt": null})).unwrap_err();
        assert_eq!(e.path(), "list[1].n");
        let e = from_value::<Outer>(&json!({"list": [], "opt": {"n": 1, "x": 2}})).unwrap_err();
        assert_eq!(e.path(), "opt.x");
        assert!(e.message().starts_with("unknown field `x`"), "{}", e.message());
        let e = from_value::<Outer>(&json!({"list": [{"n": 1.5}]})).unwrap_err();
        assert_eq!(e.path(), "list[0].n");
        assert_eq!(e.message(), "invalid type: a fractional number, expected u8");
        let e = from_value::<Outer>(&json!({"list": "x"})).unwrap_err();
        assert_eq!(e.message(), "invalid type: a string, expected a sequence");
        let e = from_value::<Outer>(&json!({"opt": null})).unwrap_err();
        assert_eq!((e.path().as_str(), e.message()), ("", "missing field `list`"));
    }
}
