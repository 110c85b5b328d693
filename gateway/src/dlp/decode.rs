//! Encodings that hide a value from a scan of the raw text but not from whoever reads it:
//! percent-encoding (`jane%40example.com`), HTML character references (`&#64;`, `&commat;`)
//! and JavaScript escapes written into text (`\x40`, `\u0040`).
//!
//! The engine's decoding layer finds one level of these itself, in whole strings and in
//! streamed deltas, and reports the encoded spans. The gateway also reads each whole string
//! decoded once ([`decode`]) and scans that, which catches what a second level hides
//! (`jane%2540example.com`); what only the decoded form shows is decided on it, and a string
//! that must be rewritten for it goes on decoded and rewritten (its meaning kept, its encoding
//! not). Streamed deltas get the engine's one level only (a limit the README states).

/// Named character references decoded (the ones that spell values; others stay as written).
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("commat", '@'),
    ("period", '.'),
    ("colon", ':'),
    ("sol", '/'),
    ("lowbar", '_'),
    ("hyphen", '-'),
    ("dash", '-'),
    ("plus", '+'),
    ("num", '#'),
    ("nbsp", ' '),
];

/// `text` with percent-encoding, HTML character references and `\x`/`\u` escapes decoded, or
/// `None` when it has none (or decodes to something that is not UTF-8).
pub fn decode(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if !b.iter().any(|&c| matches!(c, b'%' | b'&' | b'\\')) {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut changed = false;
    while i < b.len() {
        let (decoded, used) = match b[i] {
            b'%' => (hex(b.get(i + 1..i + 3)).map(|v| vec![v]), 3),
            b'\\' if b.get(i + 1) == Some(&b'x') => (hex(b.get(i + 2..i + 4)).map(|v| vec![v]), 4),
            b'\\' if b.get(i + 1) == Some(&b'u') => (unicode(b.get(i + 2..i + 6)), 6),
            b'&' => match entity(&b[i..]) {
                Some((c, n)) => (Some(c.to_string().into_bytes()), n),
                None => (None, 1),
            },
            _ => (None, 1),
        };
        match decoded {
            Some(d) => {
                out.extend_from_slice(&d);
                changed = true;
                i += used;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

fn hex(h: Option<&[u8]>) -> Option<u8> {
    let h = std::str::from_utf8(h?).ok()?;
    (h.len() == 2 && h.bytes().all(|c| c.is_ascii_hexdigit())).then(|| u8::from_str_radix(h, 16).ok())?
}

fn unicode(h: Option<&[u8]>) -> Option<Vec<u8>> {
    let h = std::str::from_utf8(h?).ok()?;
    if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(h, 16).ok()?)?;
    Some(c.to_string().into_bytes())
}

/// A character reference at the start of `b`: `&#64;`, `&#x40;` or `&commat;`, and its length.
fn entity(b: &[u8]) -> Option<(char, usize)> {
    let end = b.iter().take(12).position(|&c| c == b';')?;
    let body = std::str::from_utf8(&b[1..end]).ok()?;
    let c = if let Some(num) = body.strip_prefix('#') {
        let v = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(v)?
    } else {
        NAMED.iter().find(|(n, _)| *n == body).map(|&(_, c)| c)?
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn encodings_that_hide_values() {
        for (raw, want) in [
            ("jane%40example.com", Some("jane@example.com")),
            ("jane&#64;example.com", Some("jane@example.com")),
            ("jane&#x40;example&period;com", Some("jane@example.com")),
            ("jane&commat;example.com", Some("jane@example.com")),
            ("jane\\x40example.com", Some("jane@example.com")),
            ("jane\\u0040example.com", Some("jane@example.com")),
            ("4111%201111%201111%201111", Some("4111 1111 1111 1111")),
            ("100% sure &unknown; \\q", None),
            ("plain text", None),
            ("%ff%fe", None),
        ] {
            assert_eq!(decode(raw).as_deref(), want, "{raw}");
        }
    }
}
