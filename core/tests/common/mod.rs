//! Helpers shared by the table-driven test files.

use dlpjet::Scanner;

/// (detector, text, expected match or "" for none of that detector)
pub type Case = (&'static str, &'static str, &'static str);

/// Each finding of `text` as (detector, matched text).
pub fn found(scanner: &Scanner, text: &str) -> Vec<(String, String)> {
    scanner
        .scan(text.as_bytes())
        .iter()
        .map(|f| (f.detector.to_string(), String::from_utf8_lossy(f.bytes(text.as_bytes())).into_owned()))
        .collect()
}

/// Checks every case: exactly the expected match of its detector, or none. Lists all failures.
pub fn check_table(scanner: &Scanner, cases: &[Case]) {
    let mut failures = Vec::new();
    for &(det, text, want) in cases {
        let got = found(scanner, text);
        let of_det: Vec<&String> = got.iter().filter(|(d, _)| d == det).map(|(_, v)| v).collect();
        let ok = if want.is_empty() { of_det.is_empty() } else { of_det.len() == 1 && of_det[0] == want };
        if !ok {
            failures.push(format!("{det}: {text:?} -> {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
