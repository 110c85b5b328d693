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

/// Rules whose matches all start with a few literals are confirmed at those literals alone
/// (with or without keywords): they must find what a plain search of the text finds, whole or
/// split, and all of them together in one keyword pass likewise.
mod starts {
    use dlpjet::{CustomRegex, Finding, Scanner};
    use proptest::prelude::*;

    const RULES: [(&str, &str, &[&str]); 5] = [
        ("tok", r"\b(tok_[a-z0-9]{8,12})\b", &["tok_"]),
        ("ci", r"(?i)(?:telegr|bittrex)[ \t\w.-]{0,4}[=:][ ]?([a-z0-9]{6})", &["telegr", "bittrex"]),
        ("pair", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,20}", &["sk_live", "sk_test", "rk_live", "rk_test"]),
        ("short", r"ab[0-9]{2}", &["ab"]),
        // Optional case-insensitive words in a row, whose literal starts are read after case
        // folding; `K` (KELVIN SIGN) and `ſ` (LONG S) match `(?i)k` and `(?i)s`.
        (
            "fold",
            r"(?i)\b(?:(?:azure[_\s.-]*)?(?:storage[_\s.-]*)?key)\b[ =:]{1,3}([a-z0-9]{6})",
            &["key", "\u{212A}ey", "storage", "\u{17F}torage"],
        ),
    ];

    fn scanner(keywords: bool) -> Scanner {
        let mut b = Scanner::builder().only(RULES.map(|r| r.0));
        for (id, pattern, words) in RULES {
            let r = CustomRegex::new(id, pattern).max_len(64);
            b = b.regex(if keywords { r.keywords(words.iter().copied()) } else { r });
        }
        b.build().unwrap()
    }

    fn pieces() -> impl Strategy<Value = String> {
        let p = prop::sample::select(vec![
            "tok_abc12345 ",
            "tok_ab ",
            "TOK_abcdefgh1 ",
            "Telegram = a1b2c3 ",
            "bittrex:x9y8z7",
            "sk_live_Abc123",
            "Azure_Storage_KEY = abc123 ",
            "azure key:x1y2z3",
            "\u{212A}ey: zz9988 ",
            "\u{17F}torage KEY=q1w2e3",
            "key",
            "rk_test_",
            "ab12",
            "ab1",
            "xab99 ",
            " ",
            "\n",
            "é",
            "=",
        ]);
        prop::collection::vec(p, 0..24).prop_map(|v| v.concat())
    }

    fn each(s: &Scanner, text: &str, cut: usize) -> Vec<Finding> {
        let cut = cut % (text.len() + 1);
        let mut st = s.stream();
        let mut got = st.push(&text.as_bytes()[..cut]);
        got.extend(st.push(&text.as_bytes()[cut..]));
        got.extend(st.finish());
        got
    }

    /// The leftmost-first matches of `pattern`, non-overlapping (a detector without `group`
    /// reports the whole match).
    fn reference(pattern: &str, text: &str) -> Vec<(usize, usize)> {
        let re = regex_automata::meta::Regex::new(pattern).unwrap();
        re.find_iter(text).map(|m| (m.start(), m.end())).filter(|(a, b)| b > a).collect()
    }

    fn spans(found: &[Finding]) -> Vec<(usize, usize)> {
        found.iter().map(|f| (f.start, f.end)).collect()
    }

    proptest! {
        #[test]
        fn confirming_at_literal_starts_finds_what_a_search_finds(text in pieces(), cut in any::<usize>()) {
            for (id, pattern, words) in RULES {
                let expected = reference(pattern, &text);
                for kw in [true, false] {
                    let r = CustomRegex::new(id, pattern).max_len(64);
                    let r = if kw { r.keywords(words.iter().copied()) } else { r };
                    // The decoding layer is off: the reference knows nothing of encodings.
                    let one = Scanner::builder().only([id]).regex(r).decode_depth(0).build().unwrap();
                    prop_assert_eq!(&spans(&one.scan(text.as_bytes())), &expected, "{} keywords {}", id, kw);
                    prop_assert_eq!(&spans(&each(&one, &text, cut)), &expected, "{} split at {}", id, cut);
                }
            }
            // All of them in one keyword pass, whole and split alike.
            for kw in [true, false] {
                let all = scanner(kw);
                prop_assert_eq!(&each(&all, &text, cut), &all.scan(text.as_bytes()));
            }
        }
    }
}
