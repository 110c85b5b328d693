//! IPv6 addresses, anchored on `:`.

use super::catalog::Builtin;
use super::{is_word, Sink, Why, Window};
use std::net::Ipv6Addr;

/// Longest IPv6 text form (with an embedded IPv4 address).
pub(crate) const MAX_LEN: usize = 45;

pub(crate) fn addr_char(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// `a` is a `:`. Returns the position the lane continues from.
pub(crate) fn eval(w: &Window, a: usize, out: &mut Sink) -> usize {
    let hay = w.hay;
    let near = |i: Option<u8>| i.is_some_and(|b| b.is_ascii_hexdigit() || b == b':');
    if !near(a.checked_sub(1).map(|i| hay[i])) && !near(w.at(a + 1)) {
        return a + 1;
    }
    let mut s = a;
    while s > 0 && a - s <= MAX_LEN && addr_char(hay[s - 1]) && !super::escaped_control_before(hay, s) {
        s -= 1;
    }
    let mut e = a + 1;
    while e < hay.len() && e - s <= MAX_LEN && addr_char(hay[e]) {
        e += 1;
    }
    if e - s > MAX_LEN {
        // Too long to be an address: skip the whole run of address characters.
        while e < hay.len() && addr_char(hay[e]) {
            e += 1;
        }
        return e;
    }
    let next = e;
    if w.cut_at(e) || !w.left_clear(s, is_word) || !w.right_clear(e, is_word) {
        return next;
    }
    while e > s && hay[e - 1] == b'.' {
        e -= 1;
    }
    let text = &hay[s..e];
    let hex = text.iter().filter(|b| b.is_ascii_hexdigit()).count();
    let compressed = text.windows(2).any(|p| p == b"::");
    let groups = text.split(|&b| b == b':').filter(|g| !g.is_empty()).count();
    let plausible = text == b"::1" || (hex >= 4 && (groups == 8 || (compressed && groups >= 2)));
    if !plausible {
        return next;
    }
    let parsed = std::str::from_utf8(text).ok().and_then(|t| t.parse::<Ipv6Addr>().ok());
    if parsed.is_some() {
        out.found(w, Builtin::Ipv6.index(), s, e, 0.85, Why { validator: Some("rfc4291"), context: None, base: 0.85 });
    }
    next
}
