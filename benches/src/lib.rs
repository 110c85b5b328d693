//! Shared inputs and baselines for dlpjet's benchmarks.

use regex::bytes::{Regex, RegexSet};

/// Patterns equivalent to the built-in detectors, without validation, for the baseline.
/// ASCII mode (`(?-u)`) so that the regex crate can use its DFAs, as a tuned user would.
pub const BASELINE_PATTERNS: &[&str] = &[
    r"(?-u)\b(?:4\d{12}(?:\d{3})?(?:\d{3})?|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|6(?:011|5\d\d)\d{12}|35\d{14}|3[0689]\d{12}|62\d{14})\b",
    r"(?-u)\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}\b",
    r"(?-u)\b\d{3}[- ]\d{2}[- ]\d{4}\b",
    r"(?-u)[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    r"(?-u)(?:\+1[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]\d{3}[ .-]\d{4}\b|\+\d{1,3}(?:[ -]\d{1,4}){2,4}\b",
    r"(?-u)\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
    r"(?-u)(?i:aws)[A-Za-z_]{0,20}['\x22]?\s*[:=]\s*['\x22]?[A-Za-z0-9/+]{40}",
    r"(?-u)\bgh[pousr]_[A-Za-z0-9]{36}\b|github_pat_\w{82}",
    r"(?-u)xox[abeoprs]-[0-9A-Za-z-]{20,}|hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{30,}",
    r"(?-u)\b[rs]k_live_[A-Za-z0-9]{20,247}\b",
    r"(?-u)\bsk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}",
    r"(?-u)\bAIza[0-9A-Za-z_-]{35}\b",
    r"(?-u)-----BEGIN[ A-Z0-9]{0,64}PRIVATE KEY-----",
    r"(?-u)\beyJ[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+",
    r"(?-u)\b(?:\d{1,3}\.){3}\d{1,3}\b",
    r"(?-u)\b(?:[0-9a-fA-F]{1,4}:){2,7}:?[0-9a-fA-F]{1,4}\b",
    r"(?-u)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
    r"(?-u)(?i:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)[A-Za-z0-9_.-]*['\x22]?\s*[:=]\s*['\x22]?[^\s'\x22,;]{8,}",
];

/// A `RegexSet` scanner: the set says which patterns occur, then each of those patterns
/// locates its matches (a set alone cannot report positions).
#[derive(Debug)]
pub struct RegexSetBaseline {
    set: RegexSet,
    each: Vec<Regex>,
}

impl Default for RegexSetBaseline {
    fn default() -> Self {
        RegexSetBaseline {
            set: RegexSet::new(BASELINE_PATTERNS).expect("baseline patterns compile"),
            each: BASELINE_PATTERNS.iter().map(|p| Regex::new(p).expect("baseline pattern compiles")).collect(),
        }
    }
}

impl RegexSetBaseline {
    /// Number of matches of all patterns in `hay`.
    pub fn count(&self, hay: &[u8]) -> usize {
        self.set.matches(hay).iter().map(|i| self.each[i].find_iter(hay).count()).sum()
    }
}

/// The mixed corpus (prose, config, logs, chat JSON at a realistic density) as one buffer of
/// `bytes` bytes.
pub fn mixed(bytes: usize) -> Vec<u8> {
    dlpjet_corpus::mixed_text(1, bytes)
}

/// The mixed corpus with its values encoded the way web forms and JSON encoders write them:
/// every `@` percent-encoded (`%40`) and every `-` as a JSON escape (`\u002d`). The decoding
/// lanes' heavy case.
pub fn encoded(bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + bytes / 4);
    for &b in &mixed(bytes) {
        match b {
            b'@' => out.extend_from_slice(b"%40"),
            b'-' => out.extend_from_slice(b"\\u002d"),
            _ => out.push(b),
        }
    }
    out
}

/// The densely planted evaluation corpus (a value every ~120 bytes) as one buffer.
pub fn dense(bytes: usize) -> Vec<u8> {
    dlpjet_corpus::dense_text(1, bytes)
}

/// Adversarial inputs of `bytes` bytes, by name.
pub fn adversarial(bytes: usize) -> Vec<(&'static str, Vec<u8>)> {
    let pattern = |p: &[u8]| p.iter().copied().cycle().take(bytes).collect::<Vec<u8>>();
    let mut one_line = mixed(bytes);
    for b in &mut one_line {
        if *b == b'\n' {
            *b = b' ';
        }
    }
    vec![
        ("all_digits", pattern(b"0123456789")),
        ("one_letter", vec![b'a'; bytes]),
        ("dense_at", pattern(b"a@b@")),
        ("dense_dash", pattern(b"1-2-")),
        ("dense_colon", pattern(b"a1:")),
        ("one_line", one_line),
    ]
}

/// Text with about one planted card per `every` bytes (0: none), over prose filler.
pub fn density(bytes: usize, every: usize) -> Vec<u8> {
    let filler = b"the quarterly report shows that our team shipped a new release of the service and ";
    let mut out = Vec::with_capacity(bytes + 128);
    let mut next = every;
    while out.len() < bytes {
        if every > 0 && out.len() >= next {
            out.extend_from_slice(b" 4111 1111 1111 1111 ");
            next += every;
        } else {
            out.extend_from_slice(filler);
        }
    }
    out.truncate(bytes);
    out
}

/// `n` dictionary terms (made-up customer code names).
pub fn dictionary_terms(n: usize) -> Vec<String> {
    let syll = ["ka", "lo", "mi", "ner", "tu", "vax", "zen", "qui", "ros", "bel", "dor", "fin"];
    (0..n)
        .map(|i| {
            let mut s = String::from("proj");
            let mut k = i;
            for _ in 0..4 {
                s.push_str(syll[k % syll.len()]);
                k /= syll.len();
            }
            s.push_str(&(i % 97).to_string());
            s
        })
        .collect()
}

/// The same unvalidated pattern set compiled for Vectorscan (block mode, end offsets only:
/// Vectorscan's fastest mode). Built only with the `vectorscan` feature.
#[cfg(feature = "vectorscan")]
pub mod vectorscan {
    use hyperscan::prelude::*;

    /// A compiled Vectorscan database and its scratch space.
    #[allow(missing_debug_implementations)] // the binding's types have no Debug
    pub struct VectorscanBaseline {
        db: BlockDatabase,
        scratch: Scratch,
    }

    impl Default for VectorscanBaseline {
        fn default() -> Self {
            let patterns: Patterns = super::BASELINE_PATTERNS
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut pat = Pattern::new(p.trim_start_matches("(?-u)")).expect("pattern");
                    pat.id = Some(i);
                    pat
                })
                .collect();
            let db: BlockDatabase = patterns.build().expect("Vectorscan compiles the baseline patterns");
            let scratch = db.alloc_scratch().expect("scratch");
            VectorscanBaseline { db, scratch }
        }
    }

    impl VectorscanBaseline {
        /// Number of match events in `hay`.
        pub fn count(&self, hay: &[u8]) -> usize {
            let mut n = 0;
            self.db
                .scan(hay, &self.scratch, |_, _, _, _| {
                    n += 1;
                    Matching::Continue
                })
                .expect("scan");
            n
        }
    }
}
