//! Caller-defined detectors: regular expressions, keyword dictionaries and allowlists.

use super::confirm::Confirm;
use super::starts::Starts;
use super::{context, DetIdx, Sink, Why, Window};
use crate::error::{BuildError, ErrorKind};
use crate::explain::Rejection;
use crate::validate::Validator;
use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::meta::Regex;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

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
    /// The pattern compiled on its own, once (shared by clones).
    compiled: Arc<OnceLock<Compiled>>,
}

/// A custom regex's pattern, parsed and compiled.
#[derive(Debug)]
struct Compiled {
    hir: regex_syntax::hir::Hir,
    /// The whole pattern, compiled when a lane searches with it (at once when the pattern has
    /// no literal starts, so that a check reports what does not compile).
    full: OnceLock<Regex>,
    /// With literal starts: the pattern after its lead, compiled for anchored confirmation (a
    /// lane confirms it at the literals, see [`Starts`]).
    confirm: Option<Arc<Confirm>>,
    shortest: Option<usize>,
    longest: Option<usize>,
    groups: usize,
    /// Where matches can start, when a few literals say so.
    starts: Option<Starts>,
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
            compiled: Arc::default(),
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

    /// What [`check`](Self::check) does.
    fn compile(&self) -> Result<(), BuildError> {
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
        let compiled = self.compiled()?;
        // The part after a lead has the groups and matches the empty string exactly when the
        // whole does (the lead may be empty and holds no group). A pattern whose every match
        // holds a byte cannot match the empty string: asking the engine would make its
        // per-thread scratch space for nothing.
        let may_be_empty = compiled.shortest.is_none_or(|m| m == 0);
        let (captures, empty) = match &compiled.confirm {
            Some(c) => (c.captures_len(), may_be_empty && c.matches_empty()),
            None => {
                let full = self.full_regex()?;
                (full.captures_len(), may_be_empty && full.is_match(""))
            }
        };
        if let Some(g) = self.group {
            if g >= captures {
                return Err(BuildError::new(
                    ErrorKind::InvalidRegex,
                    format!("detector {:?}: group {g} does not exist (the regex has {} groups)", self.id, captures - 1),
                )
                .on("group"));
            }
        }
        if let Some(min) = compiled.shortest.filter(|&m| m > self.max_len) {
            return Err(BuildError::new(
                ErrorKind::InvalidRegex,
                format!(
                    "detector {:?}: regex {:?} can never match within max_len {}: its shortest match is {min} bytes",
                    self.id, self.pattern, self.max_len
                ),
            )
            .on("pattern"));
        }
        if empty {
            return Err(BuildError::new(
                ErrorKind::InvalidRegex,
                format!("detector {:?}: regex {:?} matches the empty string", self.id, self.pattern),
            )
            .on("pattern"));
        }
        Ok(())
    }

    /// The pattern parsed and compiled, once: the pattern never changes after `new`, so a
    /// check's work serves the build (an imported rule set is checked rule by rule, then
    /// built) and clones share it.
    fn compiled(&self) -> Result<&Compiled, BuildError> {
        if let Some(c) = self.compiled.get() {
            return Ok(c);
        }
        let invalid = |e: String| {
            BuildError::new(ErrorKind::InvalidRegex, format!("detector {:?}: invalid regex: {}", self.id, e))
                .on("pattern")
        };
        // Parsed once (the parse, with its Unicode case folding, costs as much as the
        // compilation), with the meta engine's own syntax settings.
        let hir =
            regex_syntax::ParserBuilder::new().build().parse(&self.pattern).map_err(|e| invalid(syntax_error(&e)))?;
        let props = hir.properties();
        let (shortest, longest, groups) = (props.minimum_len(), props.maximum_len(), props.explicit_captures_len());
        let starts = Starts::of(&hir);
        let full = OnceLock::new();
        let confirm = match &starts {
            Some(st) => {
                let target = st.after_lead.as_ref().unwrap_or(&hir);
                Some(Arc::new(Confirm::new(target, NFA_SIZE_LIMIT).map_err(invalid)?))
            }
            None => {
                let _ = full.set(build_hir(&hir).map_err(invalid)?);
                None
            }
        };
        Ok(self.compiled.get_or_init(|| Compiled { hir, full, confirm, shortest, longest, groups, starts }))
    }

    /// The pattern (after its lead) compiled to confirm matches at its literal starts, when it
    /// has them.
    pub(crate) fn confirm(&self) -> Option<Arc<Confirm>> {
        self.compiled().ok()?.confirm.clone()
    }

    /// The whole pattern compiled, for a lane that searches with it (rather than confirming
    /// at literals).
    pub(crate) fn full_regex(&self) -> Result<Regex, BuildError> {
        let c = self.compiled()?;
        if let Some(r) = c.full.get() {
            return Ok(r.clone());
        }
        let r = build_hir(&c.hir).map_err(|e| {
            BuildError::new(ErrorKind::InvalidRegex, format!("detector {:?}: invalid regex: {}", self.id, e))
                .on("pattern")
        })?;
        Ok(c.full.get_or_init(|| r).clone())
    }

    /// The shortest and longest match of the pattern in bytes (`None`: unbounded) and its
    /// number of explicit capture groups, for layers that derive options from the pattern
    /// (an importer bounds `max_len` by the longest match).
    ///
    /// ```
    /// let r = dlpjet::CustomRegex::new("emp", r"EMP-([0-9]{6})");
    /// assert_eq!(r.bounds().unwrap(), (Some(10), Some(10), 1));
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRegex`] when the pattern does not compile.
    pub fn bounds(&self) -> Result<(Option<usize>, Option<usize>, usize), BuildError> {
        self.compiled().map(|c| (c.shortest, c.longest, c.groups))
    }

    /// Where matches can start, when a few literals say so: a lane can confirm matches
    /// there alone.
    pub(crate) fn starts(&self) -> Option<&Starts> {
        self.compiled().ok()?.starts.as_ref()
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
    pub(crate) words: Vec<String>,
    pub(crate) substrings: Vec<String>,
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

    /// Words any of which, as a substring compared ASCII-case-insensitively, allows the value
    /// (gitleaks' `stopwords`). One automaton holds them all, however many.
    ///
    /// ```
    /// use dlpjet::{Allowlist, CustomRegex, Scanner};
    /// let scanner = Scanner::builder()
    ///     .regex(CustomRegex::new("t", r"tok_[a-z]+"))
    ///     .allowlist(Allowlist::new().detectors(["t"]).words(["example", "dummy"]))
    ///     .build()?;
    /// assert!(scanner.scan(b"tok_myexample").is_empty());
    /// assert_eq!(scanner.scan(b"tok_qwzrtplk").len(), 1);
    /// # Ok::<(), dlpjet::BuildError>(())
    /// ```
    pub fn words<I: IntoIterator<Item = S>, S: Into<String>>(mut self, w: I) -> Self {
        self.words = w.into_iter().map(Into::into).collect();
        self
    }

    /// Substrings, in exactly this case, any of which in the value allows it (Betterleaks'
    /// `containsAny`). One automaton holds them all.
    pub fn substrings<I: IntoIterator<Item = S>, S: Into<String>>(mut self, w: I) -> Self {
        self.substrings = w.into_iter().map(Into::into).collect();
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
    builder().build_many(patterns).map_err(|e| regex_error(&e))
}

/// Compiles a parsed pattern as every custom regex is compiled. `Err` is the compiler's
/// explanation (see [`regex_error`]).
fn build_hir(hir: &regex_syntax::hir::Hir) -> Result<Regex, String> {
    builder().build_from_hir(hir).map_err(|e| regex_error(&e))
}

/// The meta engine's builder, with the limits every custom regex and allowlist is compiled
/// under.
fn builder() -> regex_automata::meta::Builder {
    let mut b = Regex::builder();
    b.configure(Regex::config().nfa_size_limit(Some(NFA_SIZE_LIMIT)));
    b
}

/// The parser's own explanation of a regex error (what and where), on one line.
fn regex_error(e: &regex_automata::meta::BuildError) -> String {
    match e.syntax_error() {
        Some(s) => syntax_error(s),
        None => e.to_string(),
    }
}

/// A syntax error's explanation (what and where), on one line.
fn syntax_error(e: &regex_syntax::Error) -> String {
    match e {
        regex_syntax::Error::Parse(p) => format!("{} at column {}", p.kind(), p.span().start.column),
        regex_syntax::Error::Translate(t) => format!("{} at column {}", t.kind(), t.span().start.column),
        other => other.to_string().lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" "),
    }
}

/// A compiled allowlist.
#[derive(Debug)]
pub(crate) struct AllowSet {
    /// `None` applies to every detector.
    pub dets: Option<Vec<DetIdx>>,
    pub values: HashSet<Vec<u8>>,
    pub regex: Option<Regex>,
    pub words: Option<AhoCorasick>,
    pub substrings: Option<AhoCorasick>,
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
        let automaton = |words: &[String], fold: bool| -> Result<Option<AhoCorasick>, BuildError> {
            if words.is_empty() {
                return Ok(None);
            }
            let ac = AhoCorasick::builder().ascii_case_insensitive(fold).build(words).map_err(|e| {
                BuildError::new(ErrorKind::TooLarge, format!("allowlist {n}: words do not compile: {e}"))
            })?;
            Ok(Some(ac))
        };
        Ok(AllowSet {
            dets,
            values: a.values.iter().map(|v| v.as_bytes().to_vec()).collect(),
            regex,
            words: automaton(&a.words, true)?,
            substrings: automaton(&a.substrings, false)?,
        })
    }

    pub fn allows(&self, det: DetIdx, value: &[u8]) -> bool {
        if let Some(d) = &self.dets {
            if !d.contains(&det) {
                return false;
            }
        }
        self.values.contains(value)
            || self.words.as_ref().is_some_and(|w| w.is_match(value))
            || self.substrings.as_ref().is_some_and(|w| w.is_match(value))
            || self.regex.as_ref().is_some_and(|r| r.is_match(value))
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
    pub longest: usize,
}

impl Keywords {
    pub fn compile(words: &[String]) -> Result<Option<Keywords>, BuildError> {
        if words.is_empty() {
            return Ok(None);
        }
        // Searched only over the small window around a match: the automaton that is quickest
        // to build (an imported rule set builds hundreds of them).
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
            .prefilter(false)
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
