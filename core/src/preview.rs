//! Masked previews: enough of a value to recognise it, never enough to use it.

/// A masked preview of a matched value: of values of 12 or more characters the last four stay
/// visible, everything else is `*`; control characters become spaces, zero-width characters
/// are dropped, and the preview is at most 20 characters long.
///
/// ```
/// assert_eq!(dlpjet::preview(b"4111111111111111"), "************1111");
/// assert_eq!(dlpjet::preview(b"a@b.io"), "******");
/// ```
pub fn preview(v: &[u8]) -> String {
    let mut out = String::with_capacity(24);
    preview_into(v, &mut out);
    out
}

/// [`preview`] written into `out` (cleared first).
pub fn preview_into(v: &[u8], out: &mut String) {
    out.clear();
    let shown = |c: char| if c.is_control() { ' ' } else { c };
    const STARS: &str = "********************";
    if v.is_ascii() {
        // Every byte is one visible character: no decoding needed.
        let n = v.len();
        let keep = if n >= 12 { 4 } else { 0 };
        out.push_str(&STARS[..(n - keep).min(20 - keep)]);
        out.extend(v[n - keep..].iter().map(|&b| shown(b as char)));
        return;
    }
    let s = String::from_utf8_lossy(v);
    let visible = |c: &char| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
    let n = s.chars().filter(visible).count();
    let keep = if n >= 12 { 4 } else { 0 };
    out.push_str(&STARS[..(n - keep).min(20 - keep)]);
    out.extend(s.chars().filter(visible).skip(n - keep).map(shown));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_hide_values() {
        assert_eq!(preview(b"4111111111111111"), "************1111");
        assert_eq!(preview(b"a@b.io"), "******");
        assert_eq!(preview(b"-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----").chars().count(), 20);
        assert_eq!(preview("4111\u{200b}1111\u{200b}1111\u{200b}1111".as_bytes()), "************1111");
    }
}
