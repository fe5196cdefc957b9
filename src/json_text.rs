//! JSON text to a `serde_json::Value`, parsed by hand: serde_json's text deserializer is large
//! generic code, and the library only ever reads text into a `Value` (RPC replies, JSON from
//! JS, its own typed data). The rules are serde_json's (default features) to the bit: the same
//! `Value` for every text it accepts (integers as `u64`, negative ones as `i64`, everything else
//! as `f64` by its algorithm and powers of ten; the last of duplicate keys wins), the same
//! refusals (at most 127 nested arrays/objects, lone surrogates, raw control characters in
//! strings, trailing characters) and the same line and column for a refusal. tests/properties.rs
//! and the `rpc_reply` fuzz target compare the two.

use serde_json::{Map, Number, Value};

/// Where a text stops being JSON, as serde_json reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    /// Line of the failure, from 1.
    pub line: usize,
    /// Bytes into that line up to and including the byte refused.
    pub column: usize,
}

/// Parse `text` as one JSON value, optionally surrounded by whitespace.
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut p = Parser { text, s: text.as_bytes(), i: 0, depth: 128 };
    let v = p.value();
    let v = v.and_then(|v| if p.ws().is_some() { p.ahead() } else { Ok(v) });
    v.map_err(|at| position(p.s, at))
}

/// serde_json's position of byte index `at`: lines counted by `\n`, column bytes into the line.
#[cold]
fn position(s: &[u8], at: usize) -> SyntaxError {
    let (mut line, mut start) = (1, 0);
    for (i, &b) in s[..at].iter().enumerate() {
        if b == b'\n' {
            line += 1;
            start = i + 1;
        }
    }
    SyntaxError { line, column: at - start }
}

/// A step's failure is the byte index its position is computed at.
type Step<T> = Result<T, usize>;

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    /// Nesting still allowed plus one (serde_json's `remaining_depth`).
    depth: u8,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn peek_or_null(&self) -> u8 {
        self.peek().unwrap_or(0)
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += usize::from(c.is_some());
        c
    }

    /// Refused at the byte just consumed (serde_json's `error`).
    fn here<T>(&self) -> Step<T> {
        Err(self.i)
    }

    /// Refused at the byte not yet consumed (serde_json's `peek_error`).
    fn ahead<T>(&self) -> Step<T> {
        Err((self.i + 1).min(self.s.len()))
    }

    /// Skip whitespace; the next byte.
    fn ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }

    fn value(&mut self) -> Step<Value> {
        let Some(c) = self.ws() else { return self.ahead() };
        self.i += 1;
        match c {
            b'n' => self.ident(b"ull", Value::Null),
            b't' => self.ident(b"rue", Value::Bool(true)),
            b'f' => self.ident(b"alse", Value::Bool(false)),
            b'-' => self.number(false),
            b'0'..=b'9' => {
                self.i -= 1;
                self.number(true)
            }
            b'"' => self.string().map(Value::String),
            // `]` and `}` are two past `[` and `{`.
            b'[' | b'{' => {
                self.depth -= 1;
                if self.depth == 0 {
                    return self.here();
                }
                let v = self.container(c + 2);
                self.depth += 1;
                v
            }
            _ => self.here(),
        }
    }

    fn ident(&mut self, rest: &[u8], v: Value) -> Step<Value> {
        for &b in rest {
            if self.next() != Some(b) {
                return self.here();
            }
        }
        Ok(v)
    }

    /// The elements of an array or the entries of an object (`close` is `]` or `}`), whose
    /// opening bracket is consumed.
    fn container(&mut self, close: u8) -> Step<Value> {
        let mut items = Vec::new();
        let mut map = Map::new();
        let mut first = true;
        loop {
            let Some(mut c) = self.ws() else { return self.ahead() };
            if c == close {
                self.i += 1;
                return Ok(if close == b']' { Value::Array(items) } else { Value::Object(map) });
            }
            if !first {
                if c != b',' {
                    return self.ahead();
                }
                self.i += 1;
                match self.ws() {
                    Some(next) if next != close => c = next,
                    _ => return self.ahead(),
                }
            }
            first = false;
            if close == b']' {
                items.push(self.value()?);
                continue;
            }
            if c != b'"' {
                return self.ahead();
            }
            self.i += 1;
            let key = self.string()?;
            if self.ws() != Some(b':') {
                return self.ahead();
            }
            self.i += 1;
            let v = self.value()?;
            map.insert(key, v);
        }
    }

    /// The rest of a string whose opening quote is consumed.
    fn string(&mut self) -> Step<String> {
        let mut out = String::new();
        let mut start = self.i;
        loop {
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // Every byte stopped at is ASCII, so both ends are character boundaries.
            out.push_str(self.text.get(start..self.i).unwrap_or_default());
            match self.next() {
                None => return self.here(),
                Some(b'"') => return Ok(out),
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return self.here(),
            }
            start = self.i;
        }
    }

    /// One escape after its backslash.
    fn escape(&mut self, out: &mut String) -> Step<()> {
        let c = match self.next() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\x08',
            Some(b'f') => '\x0c',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode(out),
            _ => return self.here(),
        };
        out.push(c);
        Ok(())
    }

    /// A `\u` escape after its `u`: a character outside the surrogates, or a leading surrogate
    /// followed by `\u` and a trailing one.
    fn unicode(&mut self, out: &mut String) -> Step<()> {
        let n = self.hex4()?;
        let code = match n {
            0xDC00..=0xDFFF => return self.here(),
            0xD800..=0xDBFF => {
                for want in [b'\\', b'u'] {
                    match self.peek() {
                        None => return self.here(),
                        Some(c) if c != want => {
                            self.i += 1;
                            return self.here();
                        }
                        Some(_) => self.i += 1,
                    }
                }
                let n2 = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&n2) {
                    return self.here();
                }
                (((n - 0xD800) << 10) | (n2 - 0xDC00)) + 0x1_0000
            }
            _ => n,
        };
        // Never a surrogate here, so always a character.
        out.extend(char::from_u32(code));
        Ok(())
    }

    fn hex4(&mut self) -> Step<u32> {
        let Some(digits) = self.s.get(self.i..self.i + 4) else {
            self.i = self.s.len();
            return self.here();
        };
        self.i += 4;
        let mut n = 0;
        for &d in digits {
            match (d as char).to_digit(16) {
                Some(v) => n = n * 16 + v,
                None => return self.here(),
            }
        }
        Ok(n)
    }

    /// A number after its optional `-`: serde_json's `parse_integer` and the parts that follow
    /// it in one pass. The significand keeps the digits that fit a `u64`; past that, an integer
    /// digit only raises the exponent and a fraction digit is dropped.
    fn number(&mut self, positive: bool) -> Step<Value> {
        let mut significand = 0;
        let mut exponent = 0i32;
        let mut full = false;
        match self.next() {
            Some(b'0') => {
                if self.peek_or_null().is_ascii_digit() {
                    return self.ahead();
                }
            }
            Some(c @ b'1'..=b'9') => {
                significand = u64::from(c - b'0');
                while let Some(d) = self.digit() {
                    full = full || overflows(significand, d, u64::MAX);
                    if full {
                        exponent += 1;
                    } else {
                        significand = significand * 10 + d;
                    }
                }
            }
            _ => return self.here(),
        }
        let c = self.peek_or_null();
        if !full && !matches!(c, b'.' | b'e' | b'E') {
            if positive {
                return Ok(Value::Number(significand.into()));
            }
            let neg = (significand as i64).wrapping_neg();
            // `-0` and integers below `i64::MIN` are floats.
            return Ok(if neg >= 0 { float(-(significand as f64)) } else { Value::Number(neg.into()) });
        }
        if c == b'.' {
            self.i += 1;
            let (mut any, mut full) = (false, false);
            while let Some(d) = self.digit() {
                any = true;
                full = full || overflows(significand, d, u64::MAX);
                if !full {
                    significand = significand * 10 + d;
                    exponent -= 1;
                }
            }
            if !any {
                return self.ahead();
            }
        }
        if let b'e' | b'E' = self.peek_or_null() {
            self.i += 1;
            let positive_exp = match self.peek_or_null() {
                b'+' => {
                    self.i += 1;
                    true
                }
                b'-' => {
                    self.i += 1;
                    false
                }
                _ => true,
            };
            let mut exp = match self.next() {
                Some(c @ b'0'..=b'9') => u64::from(c - b'0'),
                _ => return self.here(),
            };
            while let Some(d) = self.digit() {
                if overflows(exp, d, i32::MAX as u64) {
                    // Beyond any float: infinity is refused, zero is zero.
                    if significand != 0 && positive_exp {
                        return self.here();
                    }
                    while self.digit().is_some() {}
                    return Ok(float(if positive { 0.0 } else { -0.0 }));
                }
                exp = exp * 10 + d;
            }
            // At most `i32::MAX`.
            let exp = exp as i32;
            exponent = if positive_exp { exponent.saturating_add(exp) } else { exponent.saturating_sub(exp) };
        }
        self.scaled(positive, significand, exponent).map(float)
    }

    /// The next byte's value if it is a digit, consumed.
    fn digit(&mut self) -> Option<u64> {
        let d = self.peek_or_null().wrapping_sub(b'0');
        (d < 10).then(|| {
            self.i += 1;
            u64::from(d)
        })
    }

    /// serde_json's `f64_from_parts`: the significand scaled by [`pow10`], infinity refused.
    fn scaled(&self, positive: bool, significand: u64, mut exponent: i32) -> Step<f64> {
        let mut f = significand as f64;
        loop {
            let k = exponent.unsigned_abs();
            match (k <= 308).then(|| pow10(k)) {
                Some(pow) => {
                    if exponent >= 0 {
                        f *= pow;
                        if f.is_infinite() {
                            return self.here();
                        }
                    } else {
                        f /= pow;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return self.here();
                    }
                    f /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(if positive { f } else { -f })
    }
}

/// Whether `a * 10 + b` exceeds `max` (serde_json's `overflow!`).
fn overflows(a: u64, b: u64, max: u64) -> bool {
    a >= max / 10 && (a > max / 10 || b > max % 10)
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// `10^k` for `k` ≤ 308, rounded to the nearest `f64`: the values of serde_json's table of
/// literals `1e0`..`1e308`, computed rather than stored (the table is 2.4 KB of wasm). `5^k` is
/// built exactly in 32-bit limbs; its top 64 bits, with a sticky bit standing for any below them,
/// convert to `f64` in one correct rounding, and `2^k` and the dropped bits scale it exactly.
fn pow10(k: u32) -> f64 {
    // 5^308 has 716 bits; one spare limb for the 96-bit window below.
    let mut limbs = [0u32; 24];
    limbs[0] = 1;
    for _ in 0..k {
        let mut carry = 0;
        for l in &mut limbs {
            let v = u64::from(*l) * 5 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
    }
    let top = limbs.iter().rposition(|&l| l != 0).unwrap_or(0);
    let bits = 32 * top as u32 + 32 - limbs[top].leading_zeros();
    let shift = bits.saturating_sub(64);
    let (w, b) = ((shift / 32) as usize, shift % 32);
    let window = limbs[w..w + 3].iter().rev().fold(0u128, |acc, &l| (acc << 32) | u128::from(l));
    let sticky = limbs[..w].iter().any(|&l| l != 0) || limbs[w] & ((1 << b) - 1) != 0;
    let high = (window >> b) as u64 | u64::from(sticky);
    // 2^(shift + k) ≤ 2^960: a normal float, so the product is exact.
    high as f64 * f64::from_bits(u64::from(1023 + shift + k) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse` and serde_json agree on `text`: the same value to the bit (numbers of the same kind,
    /// floats with the same sign and digits), or a refusal at the same line and column.
    fn same(text: &str) {
        match (parse(text), serde_json::from_str::<Value>(text)) {
            (Ok(a), Ok(b)) => assert!(a == b && format!("{a}") == format!("{b}"), "{text:?}: {a} vs {b}"),
            (Err(a), Err(b)) => assert_eq!((a.line, a.column), (b.line(), b.column()), "{text:?}: {b}"),
            (a, b) => panic!("{text:?}: ours {a:?}, serde_json {b:?}"),
        }
    }

    #[test]
    fn powers_of_ten_are_the_nearest_floats() {
        for k in 0..=308 {
            assert_eq!(pow10(k).to_bits(), format!("1e{k}").parse::<f64>().unwrap().to_bits(), "1e{k}");
        }
    }

    #[test]
    fn edge_cases_agree_with_serde_json() {
        #[rustfmt::skip]
        let cases = [
            "", " ", "\n", "null", "nul", "nulx", "true", "tru", "trux", "false", "falsy", "truex", "NaN",
            "Infinity", "+1", ".5", "-", "-a", "--1", "-0", "0", "-0.0", "00", "01", "-01", "0x1", "1.", "1.e5",
            "1.x", "1e", "1e+", "1e-", "1ex", "1E5", "1e-5", "1e+5", "0.1", "1.5.5", "1 x", " 1 ", "1 2", "1,",
            "18446744073709551615", "18446744073709551616", "18446744073709551619", "184467440737095516150",
            "-9223372036854775808", "-9223372036854775809", "-18446744073709551615", "-18446744073709551616",
            "123456789012345678901234567890", "1234567890123456789012.5e3", "1.8446744073709551615",
            "1.18446744073709551616123", "18446744073709551615.5", "1844674407370955161.5",
            "1844674407370955161.6", "18446744073709551615123.45e-7", "1e308", "1e309", "-1e309",
            "1.7976931348623157e308", "1.7976931348623159e308", "2.2250738585072014e-308", "5e-324",
            "4.9e-324", "2e-324", "1e-400", "0e999999999999", "0.0e-999999999999", "1e999999999999",
            "1e-999999999999", "-1e999999999999", "-1e-999999999999", "123e-2147483648", "1e2147483647",
            "1e2147483648", "1e-2147483648", "1e-2147483649", "0.000000000000000000000000000001e330",
            "100000000000000000000000000000000000000e-330", "12345678901234567890e300", "9e-330",
            "[]", "[1,2]", "[1,]", "[,1]", "[", "[1", "[1 2]", "[1,", "[1, ", "[1,\n]", "]", "[]]", "[[]",
            "{}", "{", "}", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}", "{\"a\":1,", "{\"a\" 1}", "{1:2}",
            "{,}", "{\"a\":1 \"b\":2}", "{\"a\":1,\"a\":2}", "{\"b\":1,\"a\":[2,{\"c\":null}]}", "{\"a\":1}}",
            "\"abc\"", "\"a\\u0041\"", "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\ud83d\"",
            "\"\\ud83dx\"", "\"\\ud83d\\x\"", "\"\\ud83d\\u\"", "\"\\ude00\"", "\"\\ud83d\\ud83d\"",
            "\"\\ud83d\\u0041\"", "\"\\ud83d", "\"\\ud83d\\", "\"\\ud83d\\u12", "\"\\u12\"", "\"\\u12",
            "\"\\u12g4\"", "\"\\u00e9\"", "\"\\u0000\"", "\"\\uffff\"", "\"\\q\"", "\"\\", "\"a\nb\"",
            "\"\t\"", "\"\u{1f}\"", "\"\u{7f}\"", "\"é\\n€😀\"", "\"abc", "\"", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
            "\u{feff}1", "\n\n  [1,\n 2,\n x]", "{\"é\":\n\"\\u12x4\"}", "[\"😀\" x]", "\r\n\t 7 \r\n",
        ];
        for text in cases {
            same(text);
        }
        for depth in [126, 127, 128, 129, 300] {
            same(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            same(&format!("{}1{}", "{\"a\":[".repeat(depth / 2), "]}".repeat(depth / 2)));
            same(&"[".repeat(depth));
        }
    }
}
