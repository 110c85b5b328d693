//! Property tests for the engine's invariants:
//! * scanning in any chunking gives the findings of scanning whole;
//! * streaming redaction equals one-shot redaction, and never lets a prefix of a finding out
//!   before the finding is decided;
//! * spans lie within the input and on UTF-8 boundaries of UTF-8 input;
//! * redaction is idempotent.

use dlpjet::{CustomRegex, Dictionary, Event, Finding, Redactor, Scanner, Style};
use proptest::prelude::*;
use std::io::Write;
use std::sync::OnceLock;

/// Fragments that build inputs full of near-misses, boundaries and real values.
const FRAGMENTS: &[&str] = &[
    "4111 1111 1111 1111",
    "4111111111111111",
    "4111111111111112",
    "5555-5555-5555-4444",
    "378282246310005",
    "123-45-6789",
    "123456789",
    "ssn",
    "666-12-3456",
    "jane.doe+x@mail.example.com",
    "a@b",
    "@",
    "@@",
    "x@y.io",
    "(212) 555-0147",
    "+1 212 555 0147",
    "+44 20 7946 0958",
    "212-555-0147",
    "2024-01-15",
    "12:30:45",
    "1.2.3",
    "192.168.1.20",
    "10.0.0.1",
    "256.1.1.1",
    "fe80::1",
    "2001:db8::8a2e:370:7334",
    "::",
    ":",
    "::1",
    "AKIAERUWYPB5TD57UJZT",
    "AKIA",
    "ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2Stvp",
    "aws_secret_access_key=",
    "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R",
    "ghp_",
    "xoxb-7151020192-0773263695712-AbCdEfGhIjKlMnOpQrStUvWx",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "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",
    "sk-",
    "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V\n",
    "-----END RSA PRIVATE KEY-----",
    "-----",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
    "eyJ",
    "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000",
    "GB82",
    "password = \"S3cure!Pass#2024\"",
    "password=",
    "token: q8Zr2LmX0vTn5Ke7",
    "\"api_key\": \"",
    "EMP-004211",
    "Bluebird",
    "employee",
    " ",
    " ",
    "\n",
    "-",
    ".",
    ",",
    "\"",
    "=",
    ":",
    "(",
    ")",
    "+",
    "0",
    "7",
    "\u{200b}",
    "\u{feff}",
    "１",
    "９",
    "é",
    "日本",
    "😀",
    "\u{2014}",
    "abc",
    "the",
    "x",
    // Encoded values and pieces of escapes (the decoding lanes).
    "jane%40example.com",
    "078%2D05%2D1120",
    "%40",
    "%2D",
    "%2",
    "%",
    "\\u0040",
    "\\u00",
    "\\\\u0034",
    "\\",
    "&#64;",
    "&#x40",
    "&commat;",
    "&",
    "&#",
    "=40",
    "=3D",
    "=\n",
    "=C3=A9",
    "\u{ff20}",
    "\u{fe6b}",
    "ｊａｎｅ",
    "amFuZUBleGFtcGxlLmNvbQ==",
    "NDExMSAxMTExIDExMTEgMTExMQ==",
    "c3NuIDA3OC0wNS0xMTIw",
    "QUJDREVGR0hJSktMTU5P",
];

fn text_strategy() -> impl Strategy<Value = Vec<u8>> {
    let frag = prop_oneof![
        8 => proptest::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..6),
    ];
    proptest::collection::vec(frag, 0..40).prop_map(|v| v.concat())
}

fn utf8_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.concat())
}

/// Values separated the way text separates them (spaces, punctuation, new lines). Idempotence
/// is a property of such text: when two values are glued together (`x@y.io(212) 555-0147`),
/// the first one's replacement can give the second the boundary it lacked.
///
/// Styles that shorten values (labels, pseudonyms) can also pull a context word within
/// [`dlpjet::CONTEXT_WINDOW`] of a value that needs one (a bare 9-digit SSN), so for them the
/// text has no context words; length-preserving styles get the full fragment set.
fn separated_strategy(with_context_words: bool) -> impl Strategy<Value = String> {
    let frags: Vec<&'static str> = FRAGMENTS
        .iter()
        .copied()
        .filter(|f| with_context_words || !matches!(*f, "ssn" | "employee" | "aws_secret_access_key="))
        .collect();
    let sep = proptest::sample::select(&[" ", ", ", "\n", "; ", " - ", "\t"][..]);
    proptest::collection::vec((proptest::sample::select(frags), sep), 0..30)
        .prop_map(|v| v.into_iter().flat_map(|(f, s)| [f, s]).collect())
}

fn scanners() -> &'static [Scanner] {
    static S: OnceLock<Vec<Scanner>> = OnceLock::new();
    S.get_or_init(|| {
        vec![
            Scanner::new(),
            Scanner::builder()
                .regex(CustomRegex::new("employee_id", r"\bEMP-[0-9]{6}\b").context(["employee"]))
                .regex(CustomRegex::new("luhn_digits", r"[0-9]{13,16}").validator(dlpjet::Validator::Luhn).max_len(32))
                // Keyword lanes skip to their keywords; the skip must not depend on chunking.
                .regex(
                    CustomRegex::new("kw_token", r"token[:= ]+([A-Za-z0-9]{8,24})")
                        .group(1)
                        .keywords(["TOKEN"])
                        .max_len(64),
                )
                .regex(CustomRegex::new("kw_near", r"[0-9]{6}").keywords(["employee", "emp"]).max_len(16))
                .dictionary(Dictionary::new("codeword", ["Bluebird", "Nightjar", "blue"]).case_insensitive(true))
                .build()
                .unwrap(),
        ]
    })
}

/// Splits `data` at the given cut points (taken modulo its length).
fn chunks<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| if data.is_empty() { 0 } else { c % (data.len() + 1) }).collect();
    points.push(0);
    points.push(data.len());
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

fn stream_scan(scanner: &Scanner, parts: &[&[u8]]) -> Vec<Finding> {
    let mut s = scanner.stream();
    let mut out = Vec::new();
    for p in parts {
        out.extend(s.push(p));
        assert!(s.buffered() <= scanner.max_holdback() + p.len() + 8192, "holdback grew to {}", s.buffered());
    }
    out.extend(s.finish());
    out
}

fn redactor(scanner: &Scanner, style: Style) -> Redactor {
    Redactor::builder(scanner.clone()).default_style(style).pseudonym_key(b"0123456789abcdef-test-key").build().unwrap()
}

/// A keyword lane that waits for the rest of a match's window must not skip differently when
/// it resumes: here the digits before the second `EMP` are matched in six-digit steps whose
/// phase depends on where the lane stood when the first `EMP` fell out of reach (found by
/// `streaming_redaction_equals_one_shot`).
#[test]
fn keyword_lane_resumes_where_the_whole_scan_stands() {
    let data: &[u8] = b"-----+44 20 7946 0958EMP-004211sk-abcdefghij0123456789T3BlbkFJabcdefghij\
        01234567894111111111111111ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2StvpEMP-004211\
        jane.doe+x@mail.example.com4111 1111 1111 1111@41111111111111112001:db8::8a2e:370:7334666-12-3456";
    let scanner = &scanners()[1];
    let whole = scanner.scan(data);
    assert!(whole.iter().filter(|f| &*f.detector == "kw_near").count() >= 3, "{whole:?}");
    let r = redactor(scanner, Style::Label);
    let one_shot = r.redact(data);
    for cut in 0..=data.len() {
        let parts = [&data[..cut], &data[cut..]];
        assert_eq!(stream_scan(scanner, &parts), whole, "split at {cut}");
        let mut w = r.writer(Vec::new());
        parts.iter().for_each(|p| w.write_all(p).unwrap());
        assert_eq!(w.finish().unwrap(), one_shot, "split at {cut}");
    }
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(stream_scan(scanner, &bytes), whole);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn chunked_equals_whole(data in text_strategy(), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        for scanner in scanners() {
            let whole = scanner.scan(&data);
            let parts = chunks(&data, &cuts);
            prop_assert_eq!(&stream_scan(scanner, &parts), &whole);
        }
    }

    #[test]
    fn byte_at_a_time_equals_whole(data in text_strategy()) {
        let parts: Vec<&[u8]> = data.chunks(1).collect();
        for scanner in scanners() {
            prop_assert_eq!(stream_scan(scanner, &parts), scanner.scan(&data));
        }
    }

    #[test]
    fn spans_are_in_bounds_ordered_and_on_char_boundaries(text in utf8_strategy()) {
        for scanner in scanners() {
            let found = scanner.scan(text.as_bytes());
            let mut last_end = 0;
            for f in &found {
                prop_assert!(f.start < f.end && f.end <= text.len());
                prop_assert!(f.start >= last_end, "findings overlap: {:?}", found);
                prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end), "{:?} in {:?}", f, text);
                prop_assert!((0.0..=1.0).contains(&f.confidence));
                last_end = f.end;
            }
        }
    }

    #[test]
    fn streaming_redaction_equals_one_shot(data in text_strategy(), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        for scanner in scanners() {
            let r = redactor(scanner, Style::Label);
            let mut w = r.writer(Vec::new());
            for p in chunks(&data, &cuts) {
                w.write_all(p).unwrap();
            }
            prop_assert_eq!(w.finish().unwrap(), r.redact(&data));
        }
    }

    #[test]
    fn redaction_is_idempotent(text in separated_strategy(false), full in separated_strategy(true)) {
        let cases = [(Style::Label, &text), (Style::Pseudonym, &text), (Style::Mask, &full), (Style::Partial { keep_last: 4 }, &full)];
        for (style, text) in cases {
            let r = redactor(&scanners()[0], style);
            let once = r.redact(text.as_bytes());
            let twice = r.redact(&once);
            prop_assert_eq!(String::from_utf8_lossy(&twice), String::from_utf8_lossy(&once), "style {:?}", style);
        }
    }

    #[test]
    fn redaction_touches_only_matched_bytes(data in text_strategy()) {
        let scanner = &scanners()[0];
        let r = redactor(scanner, Style::Label);
        let found = scanner.scan(&data);
        let out = r.redact(&data);
        // Rebuild the output from the findings and the untouched bytes between them.
        let mut expect = Vec::new();
        let mut at = 0;
        for f in &found {
            expect.extend_from_slice(&data[at..f.start]);
            expect.extend_from_slice(format!("[{}]", f.detector.to_uppercase()).as_bytes());
            at = f.end;
        }
        expect.extend_from_slice(&data[at..]);
        prop_assert_eq!(out, expect);
    }

    #[test]
    fn events_cover_the_stream_in_order(data in text_strategy(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let scanner = &scanners()[0];
        let mut s = scanner.stream();
        let mut rebuilt = Vec::new();
        let mut findings = Vec::new();
        let mut on_event = |e: Event<'_>| match e {
            Event::Bytes(b) => rebuilt.extend_from_slice(b),
            Event::Finding(f, v) => {
                assert_eq!(rebuilt.len(), f.start);
                rebuilt.extend_from_slice(v);
                findings.push(f.clone());
            }
        };
        for p in chunks(&data, &cuts) {
            s.push_events(p, &mut on_event);
        }
        s.finish_events(&mut on_event);
        prop_assert_eq!(&rebuilt, &data);
        prop_assert_eq!(findings, scanner.scan(&data));
    }
}
