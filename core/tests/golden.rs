//! Golden tests: the hand-checked cases in `corpus/golden/cases.json` and the committed corpus
//! samples, run through every path — one-shot, streaming at chunk sizes 1, 2, 3, 7 and
//! 64 KiB, one-shot and streaming redaction — and the streaming redactor's promise that no
//! byte of a finding ever reaches the output before the finding is decided.

use dlpjet::{Redactor, Scanner};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Case {
    name: String,
    text: String,
    findings: Vec<(String, String)>,
    redacted: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cases() -> Vec<Case> {
    let path = root().join("corpus/golden/cases.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const CHUNKS: [usize; 5] = [1, 2, 3, 7, 64 * 1024];

fn stream(scanner: &Scanner, data: &[u8], size: usize) -> Vec<dlpjet::Finding> {
    let mut s = scanner.stream();
    let mut out = Vec::new();
    for c in data.chunks(size) {
        out.extend(s.push(c));
    }
    out.extend(s.finish());
    out
}

fn redact_stream(r: &Redactor, data: &[u8], size: usize) -> Vec<u8> {
    let mut w = r.writer(Vec::new());
    for c in data.chunks(size) {
        w.write_all(c).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn golden_cases_on_every_path() {
    let scanner = Scanner::new();
    let redactor = Redactor::builder(scanner.clone()).build().unwrap();
    for case in cases() {
        let text = case.text.as_bytes();
        let found = scanner.scan(text);
        let mut at = 0;
        let mut want = Vec::new();
        for (det, m) in &case.findings {
            let start =
                at + case.text[at..].find(m.as_str()).unwrap_or_else(|| panic!("{}: {m:?} not in text", case.name));
            want.push((det.clone(), start, start + m.len()));
            at = start + m.len();
        }
        let got: Vec<_> = found.iter().map(|f| (f.detector.to_string(), f.start, f.end)).collect();
        assert_eq!(got, want, "{}", case.name);
        for size in CHUNKS {
            assert_eq!(stream(&scanner, text, size), found, "{}: stream at chunk size {size}", case.name);
        }
        assert_eq!(String::from_utf8_lossy(&redactor.redact(text)), case.redacted, "{}: redaction", case.name);
        for size in CHUNKS {
            assert_eq!(
                redact_stream(&redactor, text, size),
                case.redacted.as_bytes(),
                "{}: streaming redaction at {size}",
                case.name
            );
        }
    }
}

/// Feeds `data` one byte at a time; after every byte, what the redactor has written must be a
/// prefix of the final output. So a finding's bytes (or any prefix of them) never go out
/// raw, whatever offset the stream is split at.
fn assert_never_leaks(r: &Redactor, data: &[u8], name: &str) {
    let want = r.redact(data);
    let mut w = r.writer(Vec::new());
    let mut written = Vec::new();
    for (i, b) in data.iter().enumerate() {
        w.write_all(std::slice::from_ref(b)).unwrap();
        written.extend(std::mem::take(w.get_mut()));
        assert!(want.starts_with(&written), "{name}: after byte {i} emitted {:?}", String::from_utf8_lossy(&written));
    }
    written.extend(w.finish().unwrap());
    assert_eq!(written, want, "{name}");
}

#[test]
fn streaming_redaction_never_emits_undecided_bytes() {
    let scanner = Scanner::new();
    let redactor = Redactor::builder(scanner.clone()).build().unwrap();
    for case in cases() {
        assert_never_leaks(&redactor, case.text.as_bytes(), &case.name);
        // Split at every offset into two writes: the output after the first write must be a
        // prefix of the final output, so no prefix of a value leaked.
        let text = case.text.as_bytes();
        let want = redactor.redact(text);
        for k in 0..=text.len() {
            let mut w = redactor.writer(Vec::new());
            w.write_all(&text[..k]).unwrap();
            let partial = std::mem::take(w.get_mut());
            assert!(
                want.starts_with(&partial),
                "{}: split at {k} emitted {:?}",
                case.name,
                String::from_utf8_lossy(&partial)
            );
            w.write_all(&text[k..]).unwrap();
            let mut full = partial;
            full.extend(w.finish().unwrap());
            assert_eq!(full, want, "{}: split at {k}", case.name);
        }
    }
}

#[test]
fn committed_samples_stream_like_one_shot() {
    let scanner = Scanner::new();
    let redactor = Redactor::builder(scanner.clone()).build().unwrap();
    let dir = root().join("corpus/samples");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() == "truth.jsonl" {
            continue;
        }
        let data = std::fs::read(&p).unwrap();
        let found = scanner.scan(&data);
        for size in CHUNKS {
            assert_eq!(stream(&scanner, &data, size), found, "{} at {size}", p.display());
            assert_eq!(redact_stream(&redactor, &data, size), redactor.redact(&data), "{} at {size}", p.display());
        }
        assert_never_leaks(&redactor, &data, &p.display().to_string());
        n += 1;
    }
    assert!(n >= 100, "expected the committed samples, found {n} files");
}

#[test]
fn pushes_after_the_end_are_ignored() {
    let scanner = Scanner::new();
    let mut s = scanner.stream();
    let mut seen = Vec::new();
    s.push_events(b"card 4111 1111 ", |_| {});
    s.finish_events(|e| {
        if let dlpjet::Event::Finding(f, _) = e {
            seen.push(f.clone());
        }
    });
    assert!(seen.is_empty());
    s.push_events(b"1111 1111", |e| panic!("event after the end: {e:?}"));
    s.finish_events(|e| panic!("event after the end: {e:?}"));
    assert_eq!(s.offset(), 15);
}

#[test]
fn regexes_that_could_split_characters_are_refused() {
    // A byte-level pattern could cut a UTF-8 character (and so a `str` offset); it is refused
    // when the scanner is built, with the parser's explanation.
    let err = Scanner::builder().regex(dlpjet::CustomRegex::new("half", r"(?-u:\xE2\x80)")).build().unwrap_err();
    assert_eq!(err.kind(), dlpjet::ErrorKind::InvalidRegex);
    assert!(err.to_string().contains("detector \"half\""), "{err}");
    assert!(err.to_string().contains("invalid UTF-8"), "{err}");
    let err = Scanner::builder().regex(dlpjet::CustomRegex::new("paren", "(unclosed")).build().unwrap_err();
    assert_eq!(err.to_string(), "detector \"paren\": invalid regex: unclosed group at column 1");
}
