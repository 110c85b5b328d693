//! The invariants every fuzz input must satisfy. An input is `[config, split_a, split_b, data…]`:
//! the first byte picks one of several scanner configurations (built-ins, subsets, custom
//! regexes, dictionaries, allowlists, a confidence floor), the next two pick chunk sizes.

use dlpjet::{Allowlist, CustomRegex, Dictionary, Redactor, Scanner, Style, Validator};
use std::io::Write;
use std::sync::OnceLock;

const CONFIGS: usize = 6;

fn scanner(i: u8) -> &'static Scanner {
    static S: OnceLock<Vec<Scanner>> = OnceLock::new();
    let all = S.get_or_init(|| {
        vec![
            Scanner::new(),
            Scanner::builder().only(["credit_card", "us_ssn", "phone", "ipv4", "iban"]).build().unwrap(),
            Scanner::builder()
                .exclude(["credit_card", "us_ssn", "phone", "email", "ipv4", "ipv6", "iban"])
                .build()
                .unwrap(),
            Scanner::builder()
                .regex(CustomRegex::new("ticket", r"\bT-[0-9]{4,8}\b").context(["ticket"]))
                .regex(CustomRegex::new("digits", r"[0-9]{12,19}").validator(Validator::Luhn).max_len(40))
                .regex(CustomRegex::new("keyval", r"key=([A-Za-z0-9]{8,})").group(1))
                .dictionary(Dictionary::new("words", ["alpha", "beta", "gamma delta"]).case_insensitive(true))
                .allowlist(Allowlist::new().values(["4111111111111111"]).regexes([r"example\.com$"]))
                .build()
                .unwrap(),
            Scanner::builder().min_confidence(0.9).build().unwrap(),
            Scanner::builder().only(["email", "ipv6", "private_key", "jwt"]).build().unwrap(),
        ]
    });
    &all[i as usize % CONFIGS]
}

fn split(input: &[u8]) -> Option<(&'static Scanner, usize, usize, &[u8])> {
    let [cfg, a, b, data @ ..] = input else { return None };
    Some((scanner(*cfg), *a as usize % 97 + 1, *b as usize % 4096 + 1, data))
}

fn check_findings(data: &[u8], found: &[dlpjet::Finding]) {
    let mut last = 0;
    for f in found {
        assert!(f.start < f.end && f.end <= data.len(), "span out of bounds: {f:?}");
        assert!(f.start >= last, "overlapping or unordered findings");
        assert!((0.0..=1.0).contains(&f.confidence));
        last = f.end;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for f in found {
            assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end), "span splits a character: {f:?}");
        }
    }
}

/// One-shot scan and explanation: never panic, spans valid, explain agrees with scan.
pub fn scan(input: &[u8]) {
    let Some((s, _, _, data)) = split(input) else { return };
    let found = s.scan(data);
    check_findings(data, &found);
    let reported: Vec<_> = s
        .explain(data)
        .into_iter()
        .filter(|e| e.outcome == dlpjet::Outcome::Reported)
        .map(|e| (e.detector, e.start, e.end))
        .collect();
    let plain: Vec<_> = found.into_iter().map(|f| (f.detector, f.start, f.end)).collect();
    assert_eq!(reported, plain, "explain disagrees with scan");
}

/// Streaming in two alternating chunk sizes gives the one-shot findings, within the holdback bound.
pub fn stream(input: &[u8]) {
    let Some((s, a, b, data)) = split(input) else { return };
    let whole = s.scan(data);
    let mut st = s.stream();
    let mut got = Vec::new();
    let (mut at, mut flip) = (0, false);
    while at < data.len() {
        let n = if flip { b } else { a }.min(data.len() - at);
        got.extend(st.push(&data[at..at + n]));
        assert!(st.buffered() <= s.max_holdback() + n + 8192, "stream buffer {} over bound", st.buffered());
        at += n;
        flip = !flip;
    }
    got.extend(st.finish());
    assert_eq!(got, whole, "stream differs from one-shot");
}

/// Streaming redaction equals one-shot redaction; its output is only ever a prefix of it.
pub fn redact(input: &[u8]) {
    let Some((s, a, _, data)) = split(input) else { return };
    let style = match input[0] / CONFIGS as u8 % 4 {
        0 => Style::Label,
        1 => Style::Mask,
        2 => Style::Partial { keep_last: 4 },
        _ => Style::Pseudonym,
    };
    let r = Redactor::builder(s.clone()).default_style(style).pseudonym_key(b"fuzzing-key-0123456789").build().unwrap();
    let want = r.redact(data);
    let mut w = r.writer(Vec::new());
    let mut out = Vec::new();
    for c in data.chunks(a) {
        w.write_all(c).unwrap();
        out.extend(std::mem::take(w.get_mut()));
        assert!(want.starts_with(&out), "streaming redaction emitted bytes that are not final");
    }
    out.extend(w.finish().unwrap());
    assert_eq!(out, want, "streaming redaction differs from one-shot");
}
