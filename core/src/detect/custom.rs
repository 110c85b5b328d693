//! Caller-defined detectors: regular expressions, keyword dictionaries and allowlists.

use super::{context, DetIdx, Sink, Why, Window};
use crate::error::{BuildError, ErrorKind};
use crate::explain::Rejection;
use crate::validate::Validator;
use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};
use std::collections::HashSet;

/// Default longest match of a custom regex, in bytes.
pub const DEFAULT_MAX_LEN: usize = 256;
/// Heap limit of the combined custom-regex automaton (a few hundred rule-file regexes fit).
const NFA_SIZE_LIMIT: usize = 64 << 20;
/// Hard ceiling on a custom regex's longest match.
pub const MAX_MAX_LEN: usize = 8192;

/// A detector defined by a regular expression (regex-automata syntax; linear time).
///
/// ```
/// use dlpjet::{CustomRegex, Scanner, Validator};
/// let scanner = Scanner::builder()
///     .only(["employee_id"])
///     .regex(CustomRegex::new("employee_id", r"\bEMP-[0-9]{6}\b").context(["employee", "staff"]))
///     .build()
///     .unwrap();
/// let found = scanner.scan(b"staff member EMP-004211 joined");
/// assert_eq!(&*found[0].detector, "employee_id");
/// assert!(found[0].confidence > 0.8);
/// ```
#[derive(Clone, Debug)]
pub struct CustomRegex {
    pub(crate) id: String,
    pub(crate) pattern: String,
    pub(crate) validator: Option<Validator>,
    pub(crate) group: Option<usize>,
    pub(crate) context: Vec<String>,
    pub(crate) require_context: bool,
    pub(crate) confidence: f32,
    pub(crate) max_len: usize,
    pub(crate) rank: u8,
    pub(crate) keywords: Vec<String>,
}

impl CustomRegex {
    /// A detector `id` matching `pattern`.
    pub fn new(id: impl Into<String>, pattern: impl Into<String>) -> CustomRegex {
        CustomRegex {
            id: id.into(),
            pattern: pattern.into(),
            validator: None,
            group: None,
            context: Vec::new(),
            require_context: false,
            confidence: 0.8,
            max_len: DEFAULT_MAX_LEN,
            rank: 85,
            keywords: Vec::new(),
        }
    }

    /// The detector's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Keywords of which one must occur, as any substring compared ASCII-case-insensitively,
    /// in the match or within [`CONTEXT_WINDOW`](crate::CONTEXT_WINDOW) bytes of it (gitleaks'
    /// `keywords`; unlike context words they need not be whole words).
    pub fn keywords<I: IntoIterator<Item = S>, S: Into<String>>(mut self, words: I) -> Self {
        self.keywords = words.into_iter().map(|w| w.into().to_ascii_lowercase()).collect();
        self
    }

    /// Checks this detector on its own: the regex compiles, does not match the empty string,
    /// has the capture group asked for, and the options are in range. Building a scanner runs
    /// the same checks; this lets callers report a mistake against the detector that made it.
    ///
    /// # Errors
    /// What [`ScannerBuilder::build`](crate::ScannerBuilder::build) would report for it.
    pub fn check(&self) -> Result<(), BuildError> {
        self.compile().map(|_| ())
    }

    /// [`check`](Self::check), returning the detector's regex compiled on its own.
    fn compile(&self) -> Result<Regex, BuildError> {
        if self.max_len == 0 || self.max_len > MAX_MAX_LEN {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                format!("detector {:?}: max_len {} is outside 1..={MAX_MAX_LEN}", self.id, self.max_len),
            )
            .on("max_len"));
        }
        if !(0.0..=1.0).contains(&self.confidence) {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                format!("detector {:?}: confidence {} is outside 0..=1", self.id, self.confidence),
            )
            .on("confidence"));
        }
        if let Some(Validator::Entropy(e)) = self.validator {
            if !(0.0..=8.0).contains(&e) {
                return Err(BuildError::new(
                    ErrorKind::InvalidOption,
                    format!("detector {:?}: entropy {e} is outside 0..=8 bits per byte", self.id),
                )
                .on("entropy"));
            }
        }
        if let Some(i) = self.keywords.iter().position(String::is_empty) {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                format!("detector {:?}: keyword {} is empty", self.id, i + 1),
            )
            .on("keywords"));
        }
        let one = compile_many(&[self.pattern.as_str()]).map_err(|e| {
            BuildError::new(ErrorKind::InvalidRegex, format!("detector {:?}: invalid regex: {}", self.id, e))
                .on("pattern")
        })?;
        if let Some(g) = self.group {
            if g >= one.captures_len() {
                return Err(BuildError::new(
                    ErrorKind::InvalidRegex,
                    format!(
                        "detector {:?}: group {g} does not exist (the regex has {} groups)",
                        self.id,
                        one.captures_len() - 1
                    ),
                )
                .on("group"));
            }
        }
        let shortest = regex_syntax::Parser::new().parse(&self.pattern).ok().and_then(|h| h.properties().minimum_len());
        if let Some(min) = shortest.filter(|&m| m > self.max_len) {
            return Err(BuildError::new(
                ErrorKind::InvalidRegex,
                format!(
                    "detector {:?}: regex {:?} can never match within max_len {}: its shortest match is {min} bytes",
                    self.id, self.pattern, self.max_len
                ),
            )
            .on("pattern"));
        }
        if one.is_match("") {
            return Err(BuildError::new(
                ErrorKind::InvalidRegex,
                format!("detector {:?}: regex {:?} matches the empty string", self.id, self.pattern),
            )
            .on("pattern"));
        }
        Ok(one)
    }

    /// A validator the matched value (or group) must pass.
    pub fn validator(mut self, v: Validator) -> Self {
        self.validator = Some(v);
        self
    }

    /// Report only this capture group's span (like gitleaks' `secretGroup`).
    pub fn group(mut self, g: usize) -> Self {
        self.group = Some(g);
        self
    }

    /// Context words that raise confidence when seen near a match.
    pub fn context<I: IntoIterator<Item = S>, S: Into<String>>(mut self, words: I) -> Self {
        self.context = words.into_iter().map(Into::into).collect();
        self
    }

    /// Report matches only when a context word is nearby.
    pub fn require_context(mut self, yes: bool) -> Self {
        self.require_context = yes;
        self
    }

    /// Confidence of a match without context (default 0.8); context adds up to 0.15.
    pub fn confidence(mut self, c: f32) -> Self {
        self.confidence = c;
        self
    }

    /// Longest match in bytes (default 256, at most 8192). Longer matches are not reported.
    pub fn max_len(mut self, n: usize) -> Self {
        self.max_len = n;
        self
    }

    /// Rank used when this detector's findings overlap another's (default 85; built-ins use
    /// 20 for generic_secret up to 100 for private_key).
    pub fn rank(mut self, r: u8) -> Self {
        self.rank = r;
        self
    }
}

/// A detector that matches a list of literal terms (names, project code words, customer ids).
///
/// Terms match as whole words, leftmost-longest, with aho-corasick; `case_insensitive` folds
/// ASCII letters only.
#[derive(Clone, Debug)]
pub struct Dictionary {
    pub(crate) id: String,
    pub(crate) terms: Vec<String>,
    pub(crate) case_insensitive: bool,
    pub(crate) context: Vec<String>,
    pub(crate) require_context: bool,
    pub(crate) confidence: f32,
    pub(crate) rank: u8,
}

impl Dictionary {
    /// A detector `id` matching any of `terms`.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(id: impl Into<String>, terms: I) -> Dictionary {
        Dictionary {
            id: id.into(),
            terms: terms.into_iter().map(Into::into).collect(),
            case_insensitive: false,
            context: Vec::new(),
            require_context: false,
            confidence: 0.8,
            rank: 85,
        }
    }

    /// Match ASCII letters regardless of case.
    pub fn case_insensitive(mut self, yes: bool) -> Self {
        self.case_insensitive = yes;
        self
    }

    /// Context words that raise confidence when seen near a match.
    pub fn context<I: IntoIterator<Item = S>, S: Into<String>>(mut self, words: I) -> Self {
        self.context = words.into_iter().map(Into::into).collect();
        self
    }

    /// Report matches only when a context word is nearby.
    pub fn require_context(mut self, yes: bool) -> Self {
        self.require_context = yes;
        self
    }

    /// Confidence of a match without context (default 0.8).
    pub fn confidence(mut self, c: f32) -> Self {
        self.confidence = c;
        self
    }

    /// Overlap rank (default 85).
    pub fn rank(mut self, r: u8) -> Self {
        self.rank = r;
        self
    }
}

/// Values that must never be reported: known test data, company domains, documented examples.
///
/// ```
/// use dlpjet::{Allowlist, Scanner};
/// let scanner = Scanner::builder()
///     .allowlist(Allowlist::new().values(["4111 1111 1111 1111"]).regexes([r"@example\.com$"]))
///     .build()
///     .unwrap();
/// assert!(scanner.scan(b"card 4111 1111 1111 1111, mail ops@example.com").is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    pub(crate) detectors: Vec<String>,
    pub(crate) values: Vec<String>,
    pub(crate) regexes: Vec<String>,
}

impl Allowlist {
    /// An empty allowlist that applies to every detector.
    pub fn new() -> Allowlist {
        Allowlist::default()
    }

    /// Apply only to these detector ids.
    pub fn detectors<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.detectors = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Exact values to allow.
    pub fn values<I: IntoIterator<Item = S>, S: Into<String>>(mut self, v: I) -> Self {
        self.values = v.into_iter().map(Into::into).collect();
        self
    }

    /// Regexes searched in the value; a match allows it.
    pub fn regexes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, r: I) -> Self {
        self.regexes = r.into_iter().map(Into::into).collect();
        self
    }
}

/// Checks a detector id: non-empty ASCII letters, digits, `_`, `-` or `.`.
///
/// Layers that define detectors of their own (policy files, imported rule sets) check ids
/// with this before building, so their errors can point at the file.
///
/// ```
/// assert!(dlpjet::check_detector_id("employee_id").is_ok());
/// let e = dlpjet::check_detector_id("bad id").unwrap_err();
/// assert_eq!(e.kind(), dlpjet::ErrorKind::InvalidOption);
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidOption`] naming the id.
pub fn check_detector_id(id: &str) -> Result<(), BuildError> {
    check_id(id).map_err(|m| BuildError::new(ErrorKind::InvalidOption, m))
}

/// Checks that `pattern` compiles as every custom regex and allowlist regex is compiled
/// (regex-automata syntax, the same size limits).
///
/// ```
/// assert!(dlpjet::check_pattern(r"\bEMP-[0-9]{6}\b").is_ok());
/// let e = dlpjet::check_pattern("a(").unwrap_err();
/// assert_eq!(e.kind(), dlpjet::ErrorKind::InvalidRegex);
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidRegex`] with the compiler's explanation of what is wrong and where.
pub fn check_pattern(pattern: &str) -> Result<(), BuildError> {
    compile_many(&[pattern]).map(drop).map_err(|m| BuildError::new(ErrorKind::InvalidRegex, m))
}

/// Checks a custom detector id: non-empty ASCII letters, digits, `_`, `-` or `.`.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return Err(format!("detector id {id:?} must be non-empty ASCII letters, digits, '_', '-' or '.'"));
    }
    Ok(())
}

/// Compiles patterns the way every custom regex and allowlist is compiled, with room for a
/// few hundred rule-file regexes.
/// `Err` is the compiler's explanation (see [`regex_error`]).
pub(crate) fn compile_many<P: AsRef<str>>(patterns: &[P]) -> Result<Regex, String> {
    Regex::builder()
        .configure(Regex::config().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build_many(patterns)
        .map_err(|e| regex_error(&e))
}

/// The parser's own explanation of a regex error (what and where), on one line.
fn regex_error(e: &regex_automata::meta::BuildError) -> String {
    match e.syntax_error() {
        Some(regex_syntax::Error::Parse(p)) => format!("{} at column {}", p.kind(), p.span().start.column),
        Some(regex_syntax::Error::Translate(t)) => format!("{} at column {}", t.kind(), t.span().start.column),
        Some(other) => other.to_string().lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" "),
        None => e.to_string(),
    }
}

/// A compiled allowlist.
#[derive(Debug)]
pub(crate) struct AllowSet {
    /// `None` applies to every detector.
    pub dets: Option<Vec<DetIdx>>,
    pub values: HashSet<Vec<u8>>,
    pub regex: Option<Regex>,
}

impl AllowSet {
    pub fn compile(a: &Allowlist, dets: Option<Vec<DetIdx>>, n: usize) -> Result<AllowSet, BuildError> {
        let regex = if a.regexes.is_empty() {
            None
        } else {
            Some(compile_many(&a.regexes).map_err(|e| {
                BuildError::new(ErrorKind::InvalidRegex, format!("allowlist {n}: invalid regex: {}", e))
            })?)
        };
        Ok(AllowSet { dets, values: a.values.iter().map(|v| v.as_bytes().to_vec()).collect(), regex })
    }

    pub fn allows(&self, det: DetIdx, value: &[u8]) -> bool {
        if let Some(d) = &self.dets {
            if !d.contains(&det) {
                return false;
            }
        }
        self.values.contains(value) || self.regex.as_ref().is_some_and(|r| r.is_match(value))
    }
}

/// Per-pattern settings of a compiled custom detector.
#[derive(Debug)]
pub(crate) struct Spec {
    pub det: DetIdx,
    pub validator: Option<Validator>,
    pub group: Option<usize>,
    pub context: Vec<String>,
    pub require_context: bool,
    /// Keywords (ASCII-case-insensitive automaton and longest keyword length), one of which
    /// must occur in or near a match.
    pub keywords: Option<Keywords>,
    pub confidence: f32,
}

impl Spec {
    /// Judges a match `[s, e)` of window `w` and reports it.
    pub fn judge(&self, w: &Window, s: usize, e: usize, out: &mut Sink) {
        if let Some(v) = &self.validator {
            if !v.check(&w.hay[s..e]) {
                out.reject(self.det, s, e, Rejection::Validation(v.name()));
                return;
            }
        }
        if self.keywords.as_ref().is_some_and(|k| !k.near(w.hay, s, e)) {
            out.reject(self.det, s, e, Rejection::MissingKeyword);
            return;
        }
        let ctx = if self.context.is_empty() { None } else { context::around(w.hay, s, e, &self.context) };
        if self.require_context && ctx.is_none() {
            out.reject(self.det, s, e, Rejection::MissingContext);
            return;
        }
        let base = self.confidence;
        let conf = if ctx.is_some() { (base + 0.15).min(0.99) } else { base };
        let why = Why { validator: self.validator.as_ref().map(Validator::name), context: out.abs(ctx), base };
        out.found(w, self.det, s, e, conf, why);
    }
}

/// A detector's keywords, compiled once.
#[derive(Debug)]
pub(crate) struct Keywords {
    ac: AhoCorasick,
    /// Length of the longest keyword.
    longest: usize,
}

impl Keywords {
    fn compile(words: &[String]) -> Result<Option<Keywords>, BuildError> {
        if words.is_empty() {
            return Ok(None);
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .ascii_case_insensitive(true)
            .build(words)
            .map_err(|e| BuildError::new(ErrorKind::TooLarge, format!("keywords do not compile: {e}")))?;
        Ok(Some(Keywords { ac, longest: words.iter().map(String::len).max().unwrap_or(1) }))
    }

    /// Whether a keyword occurs in `hay` within the context window of `[s, e)`.
    fn near(&self, hay: &[u8], s: usize, e: usize) -> bool {
        let lo = s.saturating_sub(context::CONTEXT_WINDOW);
        let hi = (e + context::CONTEXT_WINDOW).min(hay.len());
        self.ac.find(aho_corasick::Input::new(hay).range(lo..hi)).is_some()
    }
}

/// All custom regexes, searched together.
#[derive(Debug)]
pub(crate) struct RegexLane {
    /// Unanchored search over every pattern at once: finds where a match may start.
    any: Regex,
    specs: Vec<Spec>,
    /// Longest match of any pattern.
    pub max_len: usize,
}

impl RegexLane {
    pub fn compile(defs: &[(DetIdx, &CustomRegex)]) -> Result<RegexLane, BuildError> {
        let mut specs = Vec::new();
        let mut max_len = 1;
        let mut single = None;
        for &(det, d) in defs {
            let one = d.compile()?;
            if defs.len() == 1 {
                single = Some(one);
            }
            max_len = max_len.max(d.max_len);
            specs.push(Spec {
                det,
                validator: d.validator,
                group: d.group,
                context: d.context.clone(),
                require_context: d.require_context,
                keywords: Keywords::compile(&d.keywords)?,
                confidence: d.confidence,
            });
        }
        let patterns: Vec<&str> = defs.iter().map(|(_, d)| d.pattern.as_str()).collect();
        // A lane of one detector searches with the regex its check compiled.
        let any = match single {
            Some(one) => one,
            None => compile_many(&patterns).map_err(|e| {
                BuildError::new(ErrorKind::TooLarge, format!("custom regexes do not compile together: {}", e))
            })?,
        };
        Ok(RegexLane { any, specs, max_len })
    }

    /// Bytes after a match start the lane needs to judge it.
    pub fn reach(&self) -> usize {
        self.max_len + context::CONTEXT_WINDOW + 1
    }

    /// Processes matches from `*cursor` (absolute) in `buf` (which starts at absolute `base`).
    ///
    /// At each step the lane looks for the leftmost position `s >= cursor` where some pattern
    /// has an anchored match no longer than `max_len`, searching a window of `2 * max_len`
    /// bytes so that the outcome never depends on where the data was split.
    pub fn run(&self, buf: &[u8], base: usize, eof: bool, cursor: &mut usize, out: &mut Sink) {
        let l = self.max_len;
        let end = base + buf.len();
        let mut caps = self.any.create_captures();
        while *cursor < end {
            if !self.skip_to_keyword(buf, base, eof, cursor) {
                return;
            }
            let c = *cursor;
            if c >= end {
                return;
            }
            let x = (c + 2 * l).min(end);
            if !eof && c + 2 * l > end {
                return;
            }
            let input = Input::new(buf).range(c - base..x - base);
            let Some(m) = self.any.search(&input) else {
                *cursor = if x == end && eof { end } else { x - l };
                continue;
            };
            let (s, m_end) = (base + m.start(), base + m.end());
            if s + l > x && !(x == end && eof) {
                *cursor = (x - l).max(c + 1);
                continue;
            }
            // A keyword lane that waits at `s` below skips to its keywords again from `s` when
            // more data comes; skipping from `s` now, before judging, makes the scan of the
            // whole the same as that of any split. A match the skip passes has no keyword near.
            if s > c {
                let mut at = s;
                if !self.skip_to_keyword(buf, base, eof, &mut at) {
                    *cursor = at;
                    return;
                }
                if at > s {
                    *cursor = at;
                    continue;
                }
            }
            if !eof && s + self.reach() > end {
                *cursor = s;
                return;
            }
            let (w, ws) = Window::around(buf, base, s, self.reach());
            let rel = w.a;
            let span_end = (rel + l).min(w.hay.len());
            let input = Input::new(w.hay).range(rel..span_end).anchored(Anchored::Yes);
            self.any.search_captures(&input, &mut caps);
            let Some(pid) = caps.pattern() else {
                // The match at `s` is longer than `max_len`: none is reported there, and the
                // search goes on `max_len` bytes before its end, not one byte further (one
                // step per byte made a policy's scan quadratic in `max_len`).
                *cursor = m_end.saturating_sub(l).max(s + 1);
                continue;
            };
            let spec = &self.specs[pid.as_usize()];
            let full = caps.get_match().expect("a pattern matched");
            let (ms, me) = match spec.group {
                Some(g) => match caps.get_group(g) {
                    Some(sp) => (sp.start, sp.end),
                    None => (full.start(), full.end()),
                },
                None => (full.start(), full.end()),
            };
            out.base = ws;
            if me > ms {
                spec.judge(&w, ms, me, out);
            }
            *cursor = (ws + full.end()).max(s + 1);
        }
    }
}

impl RegexLane {
    /// For a lane of one detector with keywords, moves `*cursor` to the first position where
    /// a match could still have a keyword within [`CONTEXT_WINDOW`](context::CONTEXT_WINDOW)
    /// of it: `max_len + CONTEXT_WINDOW` before the next keyword. The move depends only on
    /// the data, never on how it was split. Returns false when the lane must wait for more data.
    fn skip_to_keyword(&self, buf: &[u8], base: usize, eof: bool, cursor: &mut usize) -> bool {
        let [Spec { keywords: Some(Keywords { ac, longest }), .. }] = &self.specs[..] else { return true };
        let end = base + buf.len();
        let back = self.max_len + context::CONTEXT_WINDOW;
        let from = cursor.saturating_sub(context::CONTEXT_WINDOW).max(base);
        let input = aho_corasick::Input::new(buf).range(from - base..buf.len());
        // A keyword that starts before `safe` is complete in `buf` if it is there at all.
        let safe = if eof { end } else { (end + 1).saturating_sub(*longest) };
        match ac.find(input) {
            Some(m) if base + m.start() < safe => {
                *cursor = (*cursor).max((base + m.start()).saturating_sub(back));
                true
            }
            _ => {
                *cursor = (*cursor).max(if eof { end } else { safe.saturating_sub(back) });
                false
            }
        }
    }
}
