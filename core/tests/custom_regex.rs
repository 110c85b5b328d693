//! Custom regexes under their `max_len`: a pattern that can never match within it is refused
//! when the scanner is built, and a match longer than it moves the search past itself instead
//! of one byte at a time (which made a scan quadratic in `max_len`).

use dlpjet::{CustomRegex, Scanner};

fn scanner(pattern: &str, max_len: usize) -> Result<Scanner, dlpjet::BuildError> {
    Scanner::builder().only(["t"]).regex(CustomRegex::new("t", pattern).max_len(max_len)).build()
}

#[test]
fn a_pattern_longer_than_max_len_is_refused() {
    let err = scanner("a{300}", 256).unwrap_err().to_string();
    assert!(err.contains("can never match within max_len 256: its shortest match is 300 bytes"), "{err}");
    let err = scanner("[a-z]{8193}", 8192).unwrap_err().to_string();
    assert!(err.contains("its shortest match is 8193 bytes"), "{err}");
    // Within the limit, or an alternative short enough: accepted.
    assert!(scanner("a{300}", 512).is_ok());
    assert!(scanner("ab|a{300}", 256).is_ok());
}

#[test]
fn a_match_longer_than_max_len_is_passed_over_and_later_ones_found() {
    // `x` + 20 letters is a match of 21 bytes, over max_len 10: not reported; `xaby` after it is.
    let s = scanner("x[a-z]{0,3}y|x[a-z]{20}", 10).unwrap();
    let text = format!("x{} then xaby end", "q".repeat(24));
    let got: Vec<&str> = s.scan(text.as_bytes()).iter().map(|f| &text[f.start..f.end]).collect();
    assert_eq!(got, ["xaby"]);
    // The same in any split of the input.
    for cut in 1..text.len() {
        let mut st = s.stream();
        let mut found = st.push(&text.as_bytes()[..cut]);
        found.extend(st.push(&text.as_bytes()[cut..]));
        found.extend(st.finish());
        let got: Vec<&str> = found.iter().map(|f| &text[f.start..f.end]).collect();
        assert_eq!(got, ["xaby"], "cut at {cut}");
    }
}

/// A run of text where every position starts an over-long match: the scan still ends, and
/// finds the value after it.
#[test]
fn a_long_run_of_over_long_matches_ends() {
    let s = scanner("ab{0,5}c|a[a-z]{300}", 256).unwrap();
    let text = format!("{} abbc", "a".repeat(200_000));
    let got: Vec<&str> = s.scan(text.as_bytes()).iter().map(|f| &text[f.start..f.end]).collect();
    assert_eq!(got, ["abbc"]);
}
