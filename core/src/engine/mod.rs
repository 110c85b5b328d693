//! The matching engine: prefilter lanes that find anchors, and evaluators that confirm them.
//!
//! Each lane scans for one kind of anchor with a vectorised search and keeps a cursor:
//!
//! | lane | anchors | search |
//! |---|---|---|
//! | digits | ASCII digits and full-width digits | SSE2 byte-class scan ([`crate::simd`]) |
//! | punctuation | `@` (email) and `:` (IPv6) | `memchr2` |
//! | literals | vendor prefixes and secret keywords | aho-corasick (Teddy) |
//! | custom regexes | caller patterns | regex-automata meta engine |
//! | dictionaries | caller terms | aho-corasick |
//!
//! An anchor at `a` is judged from a window `[a - LOOKBACK, a + reach)`, where `reach` is the
//! lane's (or literal's) bound. The engine judges an anchor only once that window is complete
//! (or the data has ended), so the result never depends on how the data was split. See
//! `core/DESIGN.md` for the argument.

mod decoded;
mod literals;
pub(crate) mod resolve;

use crate::detect::catalog::Builtin;
use crate::detect::dict_lane::DictLane;
use crate::detect::keyed_lane::KeyedLane;
use crate::detect::regex_lane::RegexLane;
use crate::detect::{self, Sink, Window, LOOKBACK};
use crate::simd;
pub(crate) use decoded::DecodeConfig;
pub(crate) use literals::{Group, LiteralLane};

/// How far after a digit-run start the digit detectors look (numbers, separators, evasion
/// characters, and the context window).
const DIGIT_REACH: usize = 256;
/// How far after `@` the email detector looks (a full domain plus a boundary byte).
const AT_REACH: usize = detect::email::MAX_DOMAIN + 2 + detect::context::CONTEXT_WINDOW;
/// How far after `:` the IPv6 detector looks.
const COLON_REACH: usize = 2 * detect::ipv6::MAX_LEN + 2;
/// Bytes past a digit run that [`plan`] may read when the character ending the run is not
/// ASCII: that character (up to four bytes) covers the byte after it as well.
const PLAN_MARGIN: usize = 4;
/// How far before its anchor a digit candidate may start (`+`, `(`, IBAN country code).
const DIGIT_START_BACK: usize = 2;
/// How far before its anchor a punctuation candidate may start (email local part, IPv6).
const PUNCT_START_BACK: usize = detect::email::MAX_LOCAL + 1;

const DIGIT_DETECTORS: [Builtin; 6] =
    [Builtin::CreditCard, Builtin::UsSsn, Builtin::UsItin, Builtin::Phone, Builtin::Ipv4, Builtin::Iban];

/// Where each lane has got to, in absolute stream offsets.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cursors {
    digit: usize,
    /// No digit candidate not yet found can start before this: a `+` or `(` (phone) or two
    /// capitals (IBAN country code) right before the digit cursor.
    digit_start: usize,
    punct: usize,
    /// No punctuation candidate not yet found can start before this: the start of the run of
    /// address characters that ends at the punctuation cursor (an `@` or `:` still to come
    /// can only take those as its local part or address).
    punct_start: usize,
    lit: [literals::LitCursor; 2],
    /// One per regex lane, then one per detector of the keyed lane.
    regex: Vec<usize>,
    /// The keyed lane's keywords found so far.
    keyed: crate::detect::keyed_lane::Hits,
    dict: [usize; 2],
    /// The escape lane's cursor, and the start of the joinable run before it (no escaped
    /// candidate not yet found can start before that).
    esc: usize,
    esc_start: usize,
    /// The base64 lane's cursor: the start of a run that may still grow, or the end.
    b64: usize,
}

/// The compiled lanes of a scanner.
#[derive(Debug)]
pub(crate) struct Engine {
    pub enabled: u32,
    digits: bool,
    punct: Option<(u8, u8)>,
    literals: Vec<LiteralLane>,
    regexes: Vec<RegexLane>,
    /// Custom regexes with keywords, sharing one keyword pass.
    keyed: Option<KeyedLane>,
    dicts: Vec<DictLane>,
    decode: DecodeConfig,
}

impl Engine {
    pub fn new(
        enabled: u32,
        regexes: Vec<RegexLane>,
        keyed: Option<KeyedLane>,
        dicts: Vec<DictLane>,
        decode: DecodeConfig,
    ) -> Engine {
        let on = |b: Builtin| enabled & (1 << b.index()) != 0;
        let digits = DIGIT_DETECTORS.iter().any(|&b| on(b));
        let punct = match (on(Builtin::Email), on(Builtin::Ipv6)) {
            (true, true) => Some((b'@', b':')),
            (true, false) => Some((b'@', b'@')),
            (false, true) => Some((b':', b':')),
            (false, false) => None,
        };
        let literals =
            [Group::Tokens, Group::Keywords].into_iter().filter_map(|g| LiteralLane::new(enabled, g)).collect();
        Engine { enabled, digits, punct, literals, regexes, keyed, dicts, decode }
    }

    /// The most bytes after an anchor any lane needs.
    pub fn max_reach(&self) -> usize {
        let mut r = DIGIT_REACH.max(AT_REACH).max(COLON_REACH);
        for l in &self.literals {
            r = r.max(l.max_reach());
        }
        for x in &self.regexes {
            r = r.max(x.reach());
        }
        if let Some(k) = &self.keyed {
            r = r.max(k.reach());
        }
        for d in &self.dicts {
            r = r.max(d.reach());
        }
        r.max(self.decode.reach())
    }

    /// Runs every lane over `buf` (absolute offsets `[base, base + buf.len())`), from the
    /// cursors on, pushing candidates into `sink`. With `eof` false, anchors whose window is
    /// not complete stay pending at the cursor.
    pub fn run(&self, buf: &[u8], base: usize, eof: bool, cur: &mut Cursors, sink: &mut Sink) {
        self.run_at(buf, base, eof, cur, sink, self.decode.depth);
    }

    /// [`run`](Self::run) with `depth` levels of decoding left (decoded text is scanned at one
    /// level less).
    fn run_at(&self, buf: &[u8], base: usize, eof: bool, cur: &mut Cursors, sink: &mut Sink, depth: u8) {
        if depth > 0 {
            let scan = |bytes: &[u8], sink: &mut Sink, depth: u8| {
                self.run_at(bytes, 0, true, &mut Cursors::default(), sink, depth);
            };
            decoded::escape_lane(buf, base, eof, &mut cur.esc, sink, depth, &scan);
            cur.esc_start = base + decoded::joinable_start(buf, cur.esc - base, 0);
            decoded::base64_lane(buf, base, eof, &mut cur.b64, sink, depth, self.decode.b64_block, &scan);
        } else {
            cur.esc = base + buf.len();
            cur.esc_start = cur.esc;
            cur.b64 = cur.esc;
        }
        if self.digits {
            self.digit_lane(buf, base, eof, &mut cur.digit, sink);
            let before = &buf[..cur.digit - base];
            let lead = |b: &u8| matches!(b, b'+' | b'(') || b.is_ascii_uppercase();
            cur.digit_start = cur.digit - before.iter().rev().take(DIGIT_START_BACK).take_while(|b| lead(b)).count();
        } else {
            cur.digit = base + buf.len();
            cur.digit_start = cur.digit;
        }
        match self.punct {
            Some((x, y)) => {
                self.punct_lane(buf, base, eof, x, y, &mut cur.punct, sink);
                cur.punct_start = punct_start(buf, base, cur.punct);
            }
            None => {
                cur.punct = base + buf.len();
                cur.punct_start = cur.punct;
            }
        }
        for (k, l) in self.literals.iter().enumerate() {
            l.run(buf, base, eof, &mut cur.lit[k], sink);
        }
        let lanes = self.regexes.len() + self.keyed.as_ref().map_or(0, KeyedLane::len);
        if cur.regex.len() != lanes {
            cur.regex = vec![base; lanes];
        }
        let (plain, keyed) = cur.regex.split_at_mut(self.regexes.len());
        for (r, c) in self.regexes.iter().zip(plain) {
            r.run(buf, base, eof, c, sink, None);
        }
        if let Some(k) = &self.keyed {
            k.run(buf, base, eof, keyed, &mut cur.keyed, sink);
        }
        for (k, d) in self.dicts.iter().enumerate() {
            d.run(buf, base, eof, &mut cur.dict[k], sink);
        }
    }

    /// Absolute offset before which no future candidate can start: each lane's earliest
    /// possible candidate start (lanes that are off keep theirs at the end of the data, see
    /// `run`).
    pub fn frontier(&self, cur: &Cursors) -> usize {
        self.lanes_min(cur, [cur.digit_start, cur.punct_start, cur.esc_start, cur.b64], literals::LitCursor::frontier)
    }

    /// Absolute offset of the first byte a later run may still read: every lane's cursor, less
    /// the lookback its windows take.
    pub fn retain_from(&self, cur: &Cursors) -> usize {
        self.lanes_min(cur, [cur.digit, cur.punct, cur.esc, cur.b64], literals::LitCursor::next)
            .saturating_sub(LOOKBACK)
    }

    /// The least of one position per lane: `own` for the digit, punctuation and decoding lanes,
    /// `lit` of each literal lane's cursor, the regex and dictionary lanes' cursors.
    fn lanes_min(&self, cur: &Cursors, own: [usize; 4], lit: fn(&literals::LitCursor) -> usize) -> usize {
        let lits = cur.lit[..self.literals.len()].iter().map(lit);
        own.into_iter()
            .chain(cur.regex.iter().copied())
            .chain(lits)
            .chain(cur.dict[..self.dicts.len()].iter().copied())
            .min()
            .unwrap_or(0)
    }

    fn digit_lane(&self, buf: &[u8], base: usize, eof: bool, cursor: &mut usize, sink: &mut Sink) {
        let end = base + buf.len();
        let mut pos = *cursor;
        while let Some(rel) = simd::find_digit_lead(buf, pos - base) {
            let a = base + rel;
            // 0xEF leads many characters; only full-width digits start numbers.
            if buf[rel] == 0xEF && !matches!(detect::units::unit_at(buf, rel), detect::units::Unit::Digit(..)) {
                if !eof && rel + 3 > buf.len() {
                    *cursor = a;
                    return;
                }
                pos = a + 1;
                continue;
            }
            // A run that continues a number ("1-2", "1.5", "10:30") cannot start a finding:
            // skip it without building a window (dense "1-2-1-2…" stays cheap).
            if rel >= 2 && matches!(buf[rel - 1], b'-' | b'.' | b'/' | b',' | b':') && buf[rel - 2].is_ascii_digit() {
                pos = a + 1 + buf[rel + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
                continue;
            }
            let (w, ws) = Window::around(buf, base, a, DIGIT_REACH);
            let p = w.a;
            let plan = plan(&w, p);
            if !eof && a + DIGIT_REACH > end {
                // The window is not complete yet. The plan reads only the digit run, the
                // character ending it and (unless the run is glued to a word) one byte more:
                // once those are here and rule out every digit detector — most numbers in
                // prose ("step 1", "word2", "in 2024,") — the anchor is settled without waiting
                // for the rest of its window, which keeps a stream's hold-back short.
                let i = plan.run_end;
                let glued = p > 0 && detect::is_word(w.hay[p - 1]) && !detect::escaped_control_before(w.hay, p);
                let need = match w.hay.get(i) {
                    Some(b) if b.is_ascii() => i + if glued { 1 } else { 2 },
                    _ => i + PLAN_MARGIN,
                };
                let settled = need <= w.hay.len() && !plan.any();
                if !settled {
                    *cursor = a;
                    return;
                }
            }
            sink.base = ws;
            if plan.card && sink.on(Builtin::CreditCard) {
                detect::card::eval(&w, p, sink);
            }
            if plan.ssn && (sink.on(Builtin::UsSsn) || sink.on(Builtin::UsItin)) {
                detect::ssn::eval(&w, p, sink);
            }
            if plan.phone && sink.on(Builtin::Phone) {
                detect::phone::eval(&w, p, sink);
            }
            if plan.ipv4 && sink.on(Builtin::Ipv4) {
                detect::ipv4::eval(&w, p, sink);
            }
            if plan.iban && sink.on(Builtin::Iban) {
                detect::iban::eval(&w, p, sink);
            }
            // Continue after this run of digits (bounded by the window).
            pos = ws + plan.run_end.max(p + 1);
        }
        *cursor = end;
    }

    #[allow(clippy::too_many_arguments)]
    fn punct_lane(&self, buf: &[u8], base: usize, eof: bool, x: u8, y: u8, cursor: &mut usize, sink: &mut Sink) {
        let end = base + buf.len();
        let mut pos = *cursor;
        while let Some(rel) = memchr::memchr2(x, y, &buf[pos - base..]).map(|k| k + pos - base) {
            let a = base + rel;
            let at = buf[rel] == b'@';
            let reach = if at { AT_REACH } else { COLON_REACH };
            // An IPv6 candidate ends with the run of address characters after its colon: once a
            // byte that cannot be in an address has arrived, the window holds all the lane will
            // read, so text after `Note:` or `10:30` need not wait for the whole reach.
            let settled = !at && buf[rel + 1..].iter().any(|&b| !detect::ipv6::addr_char(b));
            if !eof && a + reach > end && !settled {
                *cursor = a;
                return;
            }
            let (w, ws) = Window::around(buf, base, a, reach);
            sink.base = ws;
            if at {
                detect::email::eval(&w, w.a, sink);
                pos = a + 1;
            } else {
                pos = ws + detect::ipv6::eval(&w, w.a, sink);
            }
        }
        *cursor = end;
    }
}

/// The start of the run of bytes that an e-mail local part or an IPv6 address could be made of,
/// ending at absolute offset `at`; no further back than `PUNCT_START_BACK`, which no
/// punctuation candidate reaches. When the run reaches the start of the retained buffer, that
/// bound.
fn punct_start(buf: &[u8], base: usize, at: usize) -> usize {
    let floor = at.saturating_sub(PUNCT_START_BACK);
    let mut s = at;
    while s > floor {
        if s == base {
            return floor;
        }
        let b = buf[s - 1 - base];
        if !(detect::email::local_char(b) || detect::ipv6::addr_char(b)) {
            break;
        }
        s -= 1;
    }
    s
}

/// Which digit detectors could possibly accept a number starting at `p`, decided from the
/// length of the first digit run and the bytes around it. Each detector still checks fully;
/// this only spares the ones that cannot match (most digit runs are in hex, base64, dates).
#[derive(Clone, Copy, Debug, Default)]
struct Plan {
    card: bool,
    ssn: bool,
    phone: bool,
    ipv4: bool,
    iban: bool,
    /// Window index just past the run of digit units (and invisible characters) at `p`.
    run_end: usize,
}

impl Plan {
    /// Whether any digit detector could match.
    fn any(&self) -> bool {
        self.card || self.ssn || self.phone || self.ipv4 || self.iban
    }
}

#[inline]
fn plan(w: &Window, p: usize) -> Plan {
    use detect::units::{unit_at, Unit};
    let hay = w.hay;
    let mut i = p;
    let mut run = 0usize;
    let mut evasive = false;
    loop {
        match unit_at(hay, i) {
            Unit::Digit(_, n) => {
                run += 1;
                evasive |= n > 1;
                i += n;
            }
            Unit::Ignorable(n) => {
                evasive = true;
                i += n;
            }
            _ => break,
        }
    }
    // The letter of an escaped line break (`\n4111…` in a JSON string) is no word.
    let prev = if p > 0 && !detect::escaped_control_before(hay, p) { hay[p - 1] } else { b' ' };
    if detect::is_word(prev) {
        // Glued to a word on the left: only an IBAN (country code, then check digits).
        // A registered country code that starts a token, then two check digits at least
        // (`word0`, `word10` are no IBANs, and a stream need not wait for one).
        let iban = run >= 2
            && p >= 2
            && prev.is_ascii_alphabetic()
            && hay[p - 2].is_ascii_alphabetic()
            && (p == 2 || !hay[p - 3].is_ascii_alphanumeric() || detect::escaped_control_before(hay, p - 2))
            && detect::iban::length_for(&[hay[p - 2].to_ascii_uppercase(), prev.to_ascii_uppercase()]).is_some();
        return Plan { iban, run_end: i, ..Plan::default() };
    }
    let next = hay.get(i).copied().unwrap_or(b' ');
    // A separator counts only when a digit (or an opening parenthesis) follows it.
    let then = hay.get(i + 1).copied().unwrap_or(b' ');
    let more = then.is_ascii_digit() || then == 0xEF || then == 0xE2;
    let grouped = matches!(next, b' ' | b'-') && more;
    let phone_delim = matches!(next, b' ' | b'-' | b'.' | b'(' | b')') && (more || then == b'(' || then == b' ');
    Plan {
        card: run >= 13 || (run == 4 && grouped) || evasive,
        ssn: run == 9 || (run == 3 && (grouped || (next == b'.' && more))) || evasive,
        phone: matches!(prev, b'+' | b'(')
            || ((run == 3 || run == 1) && phone_delim)
            || (run == 10 && detect::phone::bare_context_before(hay, p))
            || evasive,
        ipv4: run <= 3 && next == b'.' && then.is_ascii_digit(),
        // A country code, one space, the check digits: `ES 58 0049 …`.
        iban: run == 2
            && matches!(next, b' ' | b'-' | b'.')
            && more
            && prev == b' '
            && p >= 3
            && hay[p - 2].is_ascii_alphabetic()
            && hay[p - 3].is_ascii_alphabetic()
            && (p == 3 || !detect::is_word(hay[p - 4])),
        run_end: i,
    }
}
