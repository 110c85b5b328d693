//! Phone numbers: US/NANP in their written forms and E.164 international numbers.
//!
//! A phone number must have a phone's *shape*: separators in the places people put them, or a
//! leading `+`. Bare digit runs, dates (4-2-2), versions and timestamps have no such shape.

use super::catalog::Builtin;
use super::units::{left_free, right_free, skip_ignorable, unit_at, Unit};
use super::{context, Sink, Why, Window};
use crate::explain::Rejection;

const CONTEXT: &[&str] = &[
    "phone",
    "tel",
    "telephone",
    "mobile",
    "cell",
    "call",
    "fax",
    "contact",
    "whatsapp",
    "sms",
    "text",
    "number",
];

const MAX_GROUPS: usize = 6;

struct Parsed {
    digits: [u8; 20],
    nd: usize,
    /// (first digit index, digit count) per group.
    groups: [(u8, u8); MAX_GROUPS],
    ng: usize,
    /// Delimiter bytes between group k and k+1 (up to 3).
    delims: [[u8; 3]; MAX_GROUPS],
    end: usize,
}

impl Parsed {
    fn sizes(&self) -> [u8; MAX_GROUPS] {
        let mut s = [0; MAX_GROUPS];
        for (k, g) in self.groups[..self.ng].iter().enumerate() {
            s[k] = g.1;
        }
        s
    }

    fn delim(&self, k: usize) -> &[u8] {
        let d = &self.delims[k];
        &d[..d.iter().position(|&b| b == 0).unwrap_or(3)]
    }

    fn first_digit(&self, k: usize) -> u8 {
        self.digits[self.groups[k].0 as usize]
    }
}

fn parse(w: &Window, p: usize) -> Option<Parsed> {
    let hay = w.hay;
    let mut t = Parsed {
        digits: [0; 20],
        nd: 0,
        groups: [(0, 0); MAX_GROUPS],
        ng: 0,
        delims: [[0; 3]; MAX_GROUPS],
        end: p,
    };
    let mut i = p;
    loop {
        let first = t.nd as u8;
        let mut count = 0u8;
        loop {
            match unit_at(hay, i) {
                Unit::Digit(d, n) => {
                    if t.nd == t.digits.len() {
                        return None;
                    }
                    t.digits[t.nd] = d;
                    t.nd += 1;
                    count += 1;
                    i += n;
                    t.end = i;
                }
                Unit::Ignorable(n) => i += n,
                _ => break,
            }
        }
        if t.ng == MAX_GROUPS {
            return None;
        }
        t.groups[t.ng] = (first, count);
        t.ng += 1;
        // A delimiter: up to three of ' ', '-', '.', '(', ')'.
        let mut j = t.end;
        let mut d = [0u8; 3];
        let mut dn = 0;
        while let Some(&b) = hay.get(j) {
            if !matches!(b, b' ' | b'-' | b'.' | b'(' | b')') {
                let k = skip_ignorable(hay, j);
                if k > j {
                    j = k;
                    continue;
                }
                break;
            }
            if dn == 3 {
                return None;
            }
            d[dn] = b;
            dn += 1;
            j += 1;
        }
        if dn == 0 || !matches!(unit_at(hay, j), Unit::Digit(..)) {
            break;
        }
        t.delims[t.ng - 1] = d;
        i = j;
    }
    if w.cut_at(i) {
        return None;
    }
    Some(t)
}

fn nanp_ok(t: &Parsed, area_group: usize) -> bool {
    t.first_digit(area_group) >= 2 && t.first_digit(area_group + 1) >= 2
}

/// `p` is the first digit; `+` or `(` may stand right before it.
pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let hay = w.hay;
    let prefix = match p.checked_sub(1).map(|i| hay[i]) {
        Some(b @ (b'+' | b'(')) => b,
        _ => 0,
    };
    let s = if matches!(prefix, b'+' | b'(') {
        p - 1
    } else {
        p
    };
    if !left_free(hay, s) || (s < p && s > 0 && matches!(hay[s - 1], b'+' | b'(')) {
        return;
    }
    let Some(t) = parse(w, p) else { return };
    if t.ng == 1 && prefix != b'+' {
        return;
    }
    if !right_free(w, t.end) {
        return;
    }
    let g = t.sizes();
    let d = |k| t.delim(k);
    let plain = |x: &[u8]| matches!(x, b" " | b"-" | b".");
    let close = |x: &[u8]| matches!(x, b")" | b") " | b")-");
    let open = |x: &[u8]| matches!(x, b"(" | b" (" | b"-(");
    let country_one = t.first_digit(0) == 1 && g[0] == 1;
    let shape = match (prefix, t.ng, &g[..t.ng]) {
        (0, 3, [3, 3, 4]) if plain(d(0)) && d(0) == d(1) => Some((0.75, nanp_ok(&t, 0))),
        (b'(', 3, [3, 3, 4]) if close(d(0)) && plain(d(1)) => Some((0.8, nanp_ok(&t, 0))),
        (0 | b'+', 4, [1, 3, 3, 4])
            if country_one && plain(d(0)) && plain(d(1)) && d(1) == d(2) =>
        {
            if prefix == 0 && d(0) != d(1) {
                None
            } else {
                Some((0.85, nanp_ok(&t, 1)))
            }
        }
        (0 | b'+', 4, [1, 3, 3, 4]) if country_one && open(d(0)) && close(d(1)) && plain(d(2)) => {
            Some((0.85, nanp_ok(&t, 1)))
        }
        (b'+', 1, [11]) if t.digits[0] == 1 => Some((0.85, t.digits[1] >= 2 && t.digits[4] >= 2)),
        (b'+', _, _) if (8..=15).contains(&t.nd) && t.digits[0] != 0 => {
            let spaced = (0..t.ng - 1).all(|k| matches!(d(k), b" " | b"-"));
            if spaced {
                Some((0.8, true))
            } else {
                None
            }
        }
        _ => None,
    };
    let Some((base, valid)) = shape else { return };
    let det = Builtin::Phone.index();
    if !valid {
        out.reject(det, s, t.end, Rejection::Validation("nanp area/exchange"));
        return;
    }
    let ctx = context::around(hay, s, t.end, CONTEXT);
    let conf = if ctx.is_some() {
        (base + 0.14f32).min(0.99)
    } else {
        base
    };
    out.found(
        w,
        det,
        s,
        t.end,
        conf,
        Why {
            validator: Some("phone shape"),
            context: out.abs(ctx),
            base,
        },
    );
}
