//! The JSON-lines record of one finding, written straight into the worker's output buffer.
//!
//! The bytes are exactly what `serde_json` writes for the same record (tested below): the
//! field names are constants, the path is escaped once per input, and strings without anything
//! to escape are copied whole instead of byte by byte.

/// The fields of one JSON line after `path`, borrowed from the scan.
pub struct Line<'a> {
    pub detector: &'a str,
    pub start: u64,
    pub end: u64,
    pub line: u64,
    pub column: u64,
    pub confidence: f32,
    pub action: &'static str,
    pub preview: &'a str,
    pub value: Option<&'a str>,
}

/// Appends `{"path":<path>,"detector":`, the start of every line of one input, to `p`.
pub fn prefix(p: &mut Vec<u8>, path: Option<&str>) {
    p.extend_from_slice(b"{\"path\":");
    match path {
        Some(s) => string(p, s),
        None => p.extend_from_slice(b"null"),
    }
    p.extend_from_slice(b",\"detector\":");
}

/// Appends the line for `l` (and a newline) to `out`, starting with the input's `prefix`.
pub fn write(out: &mut Vec<u8>, prefix: &[u8], l: &Line<'_>) {
    // One reservation for the whole line: the fields' names, numbers and strings.
    out.reserve(prefix.len() + 160 + l.detector.len() + l.preview.len() + l.value.map_or(0, |v| v.len() + 12));
    out.extend_from_slice(prefix);
    string(out, l.detector);
    number(out, b",\"start\":", l.start);
    number(out, b",\"end\":", l.end);
    number(out, b",\"line\":", l.line);
    number(out, b",\"column\":", l.column);
    out.extend_from_slice(b",\"confidence\":");
    // Writing a float to a Vec cannot fail; serde_json picks the shortest form (0.95, 1.0).
    let _ = serde_json::to_writer(&mut *out, &l.confidence);
    out.extend_from_slice(b",\"action\":");
    string(out, l.action);
    out.extend_from_slice(b",\"preview\":");
    string(out, l.preview);
    if let Some(v) = l.value {
        out.extend_from_slice(b",\"value\":");
        string(out, v);
    }
    out.extend_from_slice(b"}\n");
}

fn number(out: &mut Vec<u8>, key: &[u8], n: u64) {
    out.extend_from_slice(key);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `s` as a JSON string.
fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        // Writing a string to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The same record through serde_json's derive.
    #[derive(serde::Serialize)]
    struct Reference<'a> {
        path: Option<&'a str>,
        detector: &'a str,
        start: u64,
        end: u64,
        line: u64,
        column: u64,
        confidence: f32,
        action: &'static str,
        preview: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<&'a str>,
    }

    fn both(path: Option<&str>, l: &Line<'_>) -> (String, String) {
        let (mut ours, mut start) = (Vec::new(), Vec::new());
        prefix(&mut start, path);
        write(&mut ours, &start, l);
        let r = Reference {
            path,
            detector: l.detector,
            start: l.start,
            end: l.end,
            line: l.line,
            column: l.column,
            confidence: l.confidence,
            action: l.action,
            preview: l.preview,
            value: l.value,
        };
        (String::from_utf8(ours).unwrap(), serde_json::to_string(&r).unwrap() + "\n")
    }

    #[test]
    fn a_plain_line() {
        let l = Line {
            detector: "credit_card",
            start: 10,
            end: 26,
            line: 2,
            column: 5,
            confidence: 0.95,
            action: "warn",
            preview: "************1111",
            value: None,
        };
        let (ours, reference) = both(Some("dir/a \"b\".txt"), &l);
        assert_eq!(ours, reference);
        assert_eq!(
            ours,
            "{\"path\":\"dir/a \\\"b\\\".txt\",\"detector\":\"credit_card\",\"start\":10,\"end\":26,\"line\":2,\
             \"column\":5,\"confidence\":0.95,\"action\":\"warn\",\"preview\":\"************1111\"}\n"
        );
    }

    proptest! {
        #[test]
        fn equals_serde_json(
            path in proptest::option::of(".{0,12}"),
            detector in "[a-z_.-]{1,12}",
            preview in ".{0,20}",
            value in proptest::option::of(".{0,30}"),
            nums in proptest::array::uniform4(any::<u64>()),
            confidence in 0.0f32..=1.0,
        ) {
            let confidence = (confidence * 100.0).round() / 100.0;
            let l = Line {
                detector: &detector,
                start: nums[0],
                end: nums[1],
                line: nums[2],
                column: nums[3],
                confidence,
                action: "redact",
                preview: &preview,
                value: value.as_deref(),
            };
            let (ours, reference) = both(path.as_deref(), &l);
            prop_assert_eq!(ours, reference);
        }
    }
}
