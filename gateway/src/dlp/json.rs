//! A strict JSON reader that keeps the byte span of every value, so the gateway can rewrite
//! one string of a request or response and forward every other byte unchanged.
//!
//! Strict means: what a provider might read differently from us is refused, so the bytes we
//! scan are the bytes we forward. Duplicate object keys (some parsers keep the first, some the
//! last), `\u` escapes that leave a lone surrogate, invalid UTF-8, nesting deeper than a limit,
//! and anything RFC 8259 does not allow (trailing commas, comments, leading zeros, bare
//! control characters in strings, text after the value) are errors that name the offset.

use std::ops::Range;

/// A parsed value and the bytes it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is in the input, from its first byte to just past its last.
    pub span: Range<usize>,
}

/// A JSON value. Numbers are kept as their text (the gateway never does arithmetic on
/// what it forwards, and re-printing a number could change it).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object's members in their order (keys are unique).
    Object(Vec<(String, Node)>),
}

/// Why a body is not JSON the gateway will forward.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not valid UTF-8.
    #[error("invalid UTF-8 at byte {at}")]
    Utf8 {
        /// Offset of the first invalid byte.
        at: usize,
    },
    /// Not JSON.
    #[error("invalid JSON at byte {at}: {what}")]
    Syntax {
        /// Offset of the problem.
        at: usize,
        /// What was expected or found.
        what: &'static str,
    },
    /// The same key twice in one object.
    #[error("duplicate key {key:?} at byte {at}")]
    DuplicateKey {
        /// Offset of the second occurrence.
        at: usize,
        /// The key.
        key: String,
    },
    /// A `\u` escape that is half of a surrogate pair without its other half.
    #[error("lone surrogate escape at byte {at}")]
    LoneSurrogate {
        /// Offset of the escape.
        at: usize,
    },
    /// A number too large for a double: readers disagree on it (infinity, an error, a big
    /// integer).
    #[error("number out of range at byte {at}")]
    NumberOutOfRange {
        /// Offset of the number.
        at: usize,
    },
    /// Arrays and objects nested deeper than the limit.
    #[error("nesting deeper than {limit} at byte {at}")]
    TooDeep {
        /// Offset of the array or object that went too deep.
        at: usize,
        /// The limit.
        limit: usize,
    },
}

impl JsonError {
    /// A stable code for error bodies and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            JsonError::Utf8 { .. } => "invalid_utf8",
            JsonError::Syntax { .. } => "invalid_json",
            JsonError::DuplicateKey { .. } => "duplicate_key",
            JsonError::LoneSurrogate { .. } => "lone_surrogate",
            JsonError::NumberOutOfRange { .. } => "number_out_of_range",
            JsonError::TooDeep { .. } => "too_deep",
        }
    }
}

/// Parses `input` as one JSON value (surrounded by optional whitespace), nesting at most
/// `max_depth` arrays and objects.
///
/// ```
/// use dlpjet_gateway::dlp::json::{parse, Value};
/// let body = br#"{"model": "m", "messages": [{"role": "user", "content": "hi"}]}"#;
/// let doc = parse(body, 64)?;
/// let content = &doc.get("messages").unwrap().items()[0].get("content").unwrap();
/// assert_eq!(content.as_str(), Some("hi"));
/// assert_eq!(&body[content.span.clone()], br#""hi""#);
/// assert!(parse(br#"{"a": 1, "a": 2}"#, 64).is_err());
/// # Ok::<(), dlpjet_gateway::dlp::json::JsonError>(())
/// ```
pub fn parse(input: &[u8], max_depth: usize) -> Result<Node, JsonError> {
    if let Err(e) = std::str::from_utf8(input) {
        return Err(JsonError::Utf8 { at: e.valid_up_to() });
    }
    let mut p = Parser { s: input, i: 0, depth: 0, max_depth };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i != input.len() {
        return Err(p.err("text after the value"));
    }
    Ok(v)
}

impl Node {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items of an array (none for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Array(a) => a,
            _ => &[],
        }
    }

    /// The number as an unsigned integer, when it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The number as a float, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// `true` or `false`, when it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        self.value == Value::Null
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> JsonError {
        JsonError::Syntax { at: self.i, what }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Node, JsonError> {
        let start = self.i;
        let value = match self.s.get(self.i) {
            None => return Err(self.err("a value")),
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.word(b"true", Value::Bool(true))?,
            Some(b'f') => self.word(b"false", Value::Bool(false))?,
            Some(b'n') => self.word(b"null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.err("a value")),
        };
        Ok(Node { value, span: start..self.i })
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, JsonError>) -> Result<Value, JsonError> {
        if self.depth == self.max_depth {
            return Err(JsonError::TooDeep { at: self.i, limit: self.max_depth });
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &[u8], v: Value) -> Result<Value, JsonError> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - from
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => {
                self.i += 1;
                if self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                    return Err(self.err("no leading zeros"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("a digit")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("a digit in the exponent"));
            }
        }
        // The input was checked to be UTF-8 and these bytes are ASCII.
        let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        if !text.parse::<f64>().is_ok_and(f64::is_finite) {
            return Err(JsonError::NumberOutOfRange { at: start });
        }
        Ok(Value::Number(text))
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let Some(h) = self.s.get(self.i..self.i + 4) else { return Err(self.err("four hex digits")) };
        let mut v = 0u16;
        for &b in h {
            let d = (b as char).to_digit(16).ok_or_else(|| self.err("four hex digits"))?;
            v = v * 16 + d as u16;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character at once.
            let run = self.s[self.i..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(n) = run else {
                self.i = self.s.len();
                return Err(self.err("the end of the string"));
            };
            // The input is UTF-8 and the run stops only at ASCII bytes, so it is UTF-8 too.
            out.push_str(std::str::from_utf8(&self.s[self.i..self.i + n]).unwrap_or_default());
            self.i += n;
            match self.s[self.i] {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let at = self.i;
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else { return Err(self.err("an escape")) };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = match hi {
                                0xD800..=0xDBFF => {
                                    if !self.s[self.i..].starts_with(b"\\u") {
                                        return Err(JsonError::LoneSurrogate { at });
                                    }
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return Err(JsonError::LoneSurrogate { at });
                                    }
                                    0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return Err(JsonError::LoneSurrogate { at }),
                                c => u32::from(c),
                            };
                            out.push(char::from_u32(c).ok_or(JsonError::LoneSurrogate { at })?);
                        }
                        _ => {
                            self.i = at;
                            return Err(self.err("a valid escape"));
                        }
                    }
                }
                _ => return Err(self.err("no control characters in strings")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err("',' or ']'")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        self.i += 1;
        let mut members: Vec<(String, Node)> = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("a key"));
            }
            let at = self.i;
            let key = self.string()?;
            // Objects in API bodies are small; a linear check beats hashing them.
            if members.iter().any(|(k, _)| *k == key) {
                return Err(JsonError::DuplicateKey { at, key });
            }
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err("':'"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            members.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.err("',' or '}'")),
            }
        }
    }
}

/// Appends `s` as a JSON string literal (quotes included). Non-ASCII text stays UTF-8;
/// quotes, backslashes and control characters are escaped.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let b = s.as_bytes();
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&b[from..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        from = i + 1;
    }
    out.extend_from_slice(&b[from..]);
    out.push(b'"');
}

/// `s` as a JSON string literal.
pub fn quote(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

/// Replaces byte ranges of `input` (sorted, not overlapping) with new bytes.
pub fn splice(input: &[u8], edits: &[(Range<usize>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + 64);
    let mut at = 0;
    for (r, with) in edits {
        debug_assert!(r.start >= at, "edits are sorted and do not overlap");
        out.extend_from_slice(&input[at..r.start]);
        out.extend_from_slice(with);
        at = r.end;
    }
    out.extend_from_slice(&input[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> Node {
        parse(s.as_bytes(), 64).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn spans_cover_each_value() {
        let s = r#" {"a": [1, -2.5e3, "x\"y"], "b": {"c": null}, "d": true} "#;
        let n = ok(s);
        assert_eq!(&s[n.span.clone()], s.trim());
        let a = n.get("a").unwrap();
        assert_eq!(&s[a.items()[1].span.clone()], "-2.5e3");
        assert_eq!(a.items()[2].as_str(), Some("x\"y"));
        assert_eq!(&s[a.items()[2].span.clone()], r#""x\"y""#);
        assert!(n.get("b").unwrap().get("c").unwrap().is_null());
        assert_eq!(n.get("d").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn escapes_and_pairs() {
        assert_eq!(ok(r#""\u00e9\ud83d\ude00\n\/""#).as_str(), Some("é😀\n/"));
    }

    #[test]
    fn refuses_what_parsers_read_differently() {
        let err = |s: &str| parse(s.as_bytes(), 4).unwrap_err();
        assert_eq!(err(r#"{"a":1,"a":2}"#), JsonError::DuplicateKey { at: 7, key: "a".into() });
        assert_eq!(err(r#"{"a":1,"\u0061":2}"#).code(), "duplicate_key");
        assert_eq!(err(r#""\ud800""#), JsonError::LoneSurrogate { at: 1 });
        assert_eq!(err(r#""\udc00\ud800""#).code(), "lone_surrogate");
        assert_eq!(err(r#""\ud800\u0041""#).code(), "lone_surrogate");
        assert_eq!(err("[1, 5e999]"), JsonError::NumberOutOfRange { at: 4 });
        assert_eq!(err("-1e400").code(), "number_out_of_range");
        assert_eq!(err("[[[[[1]]]]]"), JsonError::TooDeep { at: 4, limit: 4 });
        assert_eq!(parse(b"\"\xff\"", 4).unwrap_err(), JsonError::Utf8 { at: 1 });
        for bad in ["", "[1,]", "{\"a\":1,}", "01", "1.", "-", "[1] x", "\"a\nb\"", "'a'", "{a:1}", "nul", "\"\\x\""] {
            assert_eq!(err(bad).code(), "invalid_json", "{bad:?}");
        }
    }

    #[test]
    fn quoting() {
        let mut out = Vec::new();
        write_str(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"b\\c\nd\u0001é""#);
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            "\\PC{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z\u{e9}\"]{0,4}", inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn to_serde(n: &Node) -> serde_json::Value {
        match &n.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(s) => serde_json::from_str(s).unwrap(),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(to_serde).collect()),
            Value::Object(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_serde(v))).collect()),
        }
    }

    proptest! {
        /// Whatever serde_json writes (compact or pretty) reads back as the same value, and
        /// every string's span holds its literal.
        #[test]
        fn reads_what_serde_writes(v in arb_json(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
            let n = parse(text.as_bytes(), 64).unwrap();
            prop_assert_eq!(to_serde(&n), v);
        }

        /// Rewriting one string by splicing leaves a document whose only change is that string.
        #[test]
        fn splicing_a_string(s in "\\PC{0,20}", with in "\\PC{0,20}") {
            let doc = serde_json::json!({"a": [1, {"b": s}], "c": "d"}).to_string();
            let n = parse(doc.as_bytes(), 64).unwrap();
            let b = n.get("a").unwrap().items()[1].get("b").unwrap();
            let out = splice(doc.as_bytes(), &[(b.span.clone(), quote(&with))]);
            let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
            prop_assert_eq!(back, serde_json::json!({"a": [1, {"b": with}], "c": "d"}));
        }

        /// Arbitrary bytes never panic the reader.
        #[test]
        fn never_panics(b in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&b, 8);
        }
    }
}
