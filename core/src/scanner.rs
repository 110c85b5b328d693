//! The compiled [`Scanner`] and its [`ScannerBuilder`].

use crate::detect::catalog::Builtin;
use crate::detect::custom::{check_id, AllowSet, Allowlist, CustomRegex, Dictionary};
use crate::detect::dict_lane::DictLane;
use crate::detect::keyed_lane::KeyedLane;
use crate::detect::regex_lane::RegexLane;
use crate::detect::LOOKBACK;
use crate::detect::{Candidate, DetIdx, Gate, Rejected, Sink};
use crate::engine::resolve::{beaten_by, sort_dedup};
use crate::engine::{Cursors, DecodeConfig, Engine};
use crate::error::{BuildError, ErrorKind};
use crate::explain::{Explanation, Outcome};
use crate::finding::Finding;
use std::sync::Arc;

/// Configures and compiles a [`Scanner`].
///
/// ```
/// use dlpjet::{Dictionary, Scanner};
/// let scanner = Scanner::builder()
///     .only(["email", "project"])
///     .dictionary(Dictionary::new("project", ["Bluebird", "Nightjar"]).case_insensitive(true))
///     .build()?;
/// let found = scanner.scan(b"nightjar launch: mail jo@corp.example.org");
/// let ids: Vec<&str> = found.iter().map(|f| &*f.detector).collect();
/// assert_eq!(ids, ["project", "email"]);
/// # Ok::<(), dlpjet::BuildError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ScannerBuilder {
    only: Option<Vec<String>>,
    exclude: Vec<String>,
    regexes: Vec<CustomRegex>,
    dictionaries: Vec<Dictionary>,
    allowlists: Vec<Allowlist>,
    min_confidence: f32,
    /// Built-in detectors whose documented examples are reported rather than dropped.
    report_examples: Vec<String>,
    /// Levels of encoding undone; `None` is the default, one.
    decode_depth: Option<u8>,
    /// Base64 characters decoded as one block; `None` is the default.
    decode_block: Option<usize>,
}

/// Levels of encoding a scanner undoes unless told otherwise.
pub const DEFAULT_DECODE_DEPTH: u8 = 1;
/// The most levels of encoding a scanner can be told to undo.
pub const MAX_DECODE_DEPTH: u8 = 4;
/// Base64 characters decoded as one block unless told otherwise (3 KiB of text).
pub const DEFAULT_DECODE_BLOCK: usize = 4096;

impl ScannerBuilder {
    /// Run only these detectors (built-in or custom ids). By default every detector runs.
    pub fn only<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.only = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Do not run these detectors.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.exclude.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Adds a regex detector.
    pub fn regex(mut self, r: CustomRegex) -> Self {
        self.regexes.push(r);
        self
    }

    /// Adds a dictionary detector.
    pub fn dictionary(mut self, d: Dictionary) -> Self {
        self.dictionaries.push(d);
        self
    }

    /// Adds an allowlist.
    pub fn allowlist(mut self, a: Allowlist) -> Self {
        self.allowlists.push(a);
        self
    }

    /// Report the documented example and filler values of these built-in detectors
    /// (`AKIAERUWYPB5TD57UJZT`, `ghp_xxxx…`) instead of dropping them. By default the
    /// credential detectors drop them, and `explain` says by which rule.
    ///
    /// ```
    /// let s = dlpjet::Scanner::builder().report_examples(["aws_access_key_id"]).build().unwrap();
    /// assert_eq!(s.scan(b"key AKIAIOSFODNN7EXAMPLE").len(), 1);
    /// assert!(dlpjet::Scanner::new().scan(b"key AKIAIOSFODNN7EXAMPLE").is_empty());
    /// ```
    pub fn report_examples<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.report_examples.extend(ids.into_iter().map(Into::into));
        self
    }

    /// How many levels of encoding to undo (default [`DEFAULT_DECODE_DEPTH`], at most
    /// [`MAX_DECODE_DEPTH`]; 0 turns decoding off). Values hidden by percent-encoding, JSON/JS
    /// `\u`/`\x` escapes, HTML character references, quoted-printable, full-width forms or a
    /// base64 block that decodes to text are found and reported with the span of their
    /// encoded bytes, so redaction replaces the encoded text. At depth 2, text decoded once is
    /// decoded again (`%2540`, base64 inside base64).
    ///
    /// ```
    /// let text = b"?to=jane.doe%40example.org&ssn=078%2D05%2D1120";
    /// let found = dlpjet::Scanner::new().scan(text);
    /// let values: Vec<&[u8]> = found.iter().map(|f| f.bytes(text)).collect();
    /// assert_eq!(values, [&b"jane.doe%40example.org"[..], b"078%2D05%2D1120"]);
    /// assert!(dlpjet::Scanner::builder().decode_depth(0).build().unwrap().scan(text).is_empty());
    /// ```
    pub fn decode_depth(mut self, depth: u8) -> Self {
        self.decode_depth = Some(depth);
        self
    }

    /// The most base64 characters decoded as one block (default [`DEFAULT_DECODE_BLOCK`];
    /// rounded down to a multiple of 4, at least 16). A longer run is decoded block by block,
    /// and a value that straddles two blocks is not seen decoded.
    pub fn decode_block(mut self, chars: usize) -> Self {
        self.decode_block = Some(chars);
        self
    }

    /// Drop findings below this confidence (0 to 1; default 0).
    pub fn min_confidence(mut self, c: f32) -> Self {
        self.min_confidence = c;
        self
    }

    /// Compiles the scanner.
    ///
    /// # Errors
    /// A [`BuildError`] for an unknown or duplicate detector id, a regex that does not compile
    /// (or matches the empty string), an empty dictionary, or an option out of range.
    pub fn build(self) -> Result<Scanner, BuildError> {
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                format!("min_confidence {} is outside 0..=1", self.min_confidence),
            ));
        }
        let mut names: Vec<Arc<str>> = Builtin::ALL.iter().map(|b| Arc::from(b.id())).collect();
        let mut ranks: Vec<u8> = Builtin::ALL.iter().map(|b| b.rank()).collect();
        let mut add_custom = |id: &str, rank: u8, conf: f32| -> Result<DetIdx, BuildError> {
            check_id(id).map_err(|m| BuildError::new(ErrorKind::InvalidOption, m))?;
            if names.iter().any(|n| &**n == id) {
                return Err(BuildError::new(
                    ErrorKind::DuplicateDetector,
                    format!("detector id {id:?} is defined twice"),
                ));
            }
            if !(0.0..=1.0).contains(&conf) {
                return Err(BuildError::new(
                    ErrorKind::InvalidOption,
                    format!("detector {id:?}: confidence {conf} is outside 0..=1"),
                ));
            }
            names.push(Arc::from(id));
            ranks.push(rank);
            Ok((names.len() - 1) as DetIdx)
        };
        let mut regex_defs = Vec::new();
        for r in &self.regexes {
            regex_defs.push((add_custom(&r.id, r.rank, r.confidence)?, r));
        }
        let mut dict_defs = Vec::new();
        for d in &self.dictionaries {
            dict_defs.push((add_custom(&d.id, d.rank, d.confidence)?, d));
        }
        let index_of = |id: &str| names.iter().position(|n| &**n == id).map(|i| i as DetIdx);
        let mut selected: Vec<bool> = vec![self.only.is_none(); names.len()];
        if let Some(only) = &self.only {
            for id in only {
                let i = index_of(id).ok_or_else(|| unknown(id))?;
                selected[i as usize] = true;
            }
        }
        for id in &self.exclude {
            let i = index_of(id).ok_or_else(|| unknown(id))?;
            selected[i as usize] = false;
        }
        let mut examples = 0u32;
        for b in crate::detect::examples::DEFAULT {
            examples |= 1 << b.index();
        }
        for id in &self.report_examples {
            let b = Builtin::from_id(id).ok_or_else(|| unknown(id))?;
            examples &= !(1 << b.index());
        }
        let mut enabled = 0u32;
        for b in Builtin::ALL {
            if selected[b.index() as usize] {
                enabled |= 1 << b.index();
            }
        }
        regex_defs.retain(|(i, _)| selected[*i as usize]);
        dict_defs.retain(|(i, _)| selected[*i as usize]);
        // Regexes with keywords, and those whose matches all start with a few literals, share
        // one keyword pass, and each runs only where its keywords (or literals) occur; the
        // others, with no literal to look for, share one automaton.
        let (keyed, plain): (Vec<_>, Vec<_>) =
            regex_defs.iter().partition(|(_, r)| !r.keywords.is_empty() || r.starts().is_some());
        let mut regexes = Vec::new();
        if !plain.is_empty() {
            regexes.push(RegexLane::compile(&plain, false)?);
        }
        let keyed = if keyed.is_empty() { None } else { Some(KeyedLane::compile(&keyed)?) };
        let mut dicts = Vec::new();
        for ci in [false, true] {
            let group: Vec<_> = dict_defs.iter().filter(|(_, d)| d.case_insensitive == ci).copied().collect();
            if !group.is_empty() {
                dicts.push(DictLane::compile(&group, ci)?);
            }
        }
        let mut allow = Vec::new();
        for (n, a) in self.allowlists.iter().enumerate() {
            let dets = if a.detectors.is_empty() {
                None
            } else {
                Some(
                    a.detectors
                        .iter()
                        .map(|id| index_of(id).ok_or_else(|| unknown(id)))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            allow.push(AllowSet::compile(a, dets, n + 1)?);
        }
        let depth = self.decode_depth.unwrap_or(DEFAULT_DECODE_DEPTH);
        if depth > MAX_DECODE_DEPTH {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                format!("decode depth {depth} is above the maximum of {MAX_DECODE_DEPTH}"),
            ));
        }
        let block = self.decode_block.unwrap_or(DEFAULT_DECODE_BLOCK);
        if !(16..=1 << 20).contains(&block) {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                format!("decode block of {block} base64 characters is outside 16..=1048576"),
            ));
        }
        let decode = DecodeConfig { depth, b64_block: block / 4 * 4 };
        let engine = Engine::new(enabled, regexes, keyed, dicts, decode);
        let active = names.iter().enumerate().filter(|(i, _)| selected[*i]).map(|(_, n)| n.clone()).collect();
        Ok(Scanner {
            inner: Arc::new(Inner {
                engine,
                names,
                ranks,
                active,
                filter: Gate { allow, min_confidence: self.min_confidence, examples },
            }),
        })
    }
}

fn unknown(id: &str) -> BuildError {
    let ids: Vec<&str> = Builtin::ALL.iter().map(|b| b.id()).collect();
    BuildError::new(
        ErrorKind::UnknownDetector,
        format!("unknown detector id {id:?}; the built-in ids are {}", ids.join(", ")),
    )
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub engine: Engine,
    pub names: Vec<Arc<str>>,
    pub ranks: Vec<u8>,
    active: Vec<Arc<str>>,
    pub filter: Gate,
}

/// A compiled set of detectors. Immutable, `Send + Sync`, and cheap to clone and share
/// across threads (clones share the compiled automata).
///
/// ```
/// let scanner = dlpjet::Scanner::new();
/// let text = b"card 4111-1111-1111-1111, ssn 123-45-6789";
/// let found = scanner.scan(text);
/// assert_eq!(&*found[0].detector, "credit_card");
/// assert_eq!(found[0].bytes(text), b"4111-1111-1111-1111");
/// assert_eq!(&*found[1].detector, "us_ssn");
/// ```
#[derive(Clone, Debug)]
pub struct Scanner {
    pub(crate) inner: Arc<Inner>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

impl Scanner {
    /// A scanner with every built-in detector.
    pub fn new() -> Scanner {
        ScannerBuilder::default().build().expect("the default configuration is valid")
    }

    /// A builder to choose detectors and add custom ones.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// The ids of the detectors this scanner runs.
    pub fn detectors(&self) -> impl Iterator<Item = &str> {
        self.inner.active.iter().map(|s| &**s)
    }

    /// Scans `hay` (any bytes; UTF-8 or not) and returns its findings in order.
    pub fn scan(&self, hay: &[u8]) -> Vec<Finding> {
        let mut cands = Vec::new();
        self.candidates(hay, &mut cands, None);
        self.survivors(cands, None)
    }

    /// Like [`scan`](Self::scan), but also explains every candidate: why each finding was
    /// reported, and why suppressed candidates (failed validation, allowlisted, outranked)
    /// were not. Normal scans are unaffected.
    pub fn explain(&self, hay: &[u8]) -> Vec<Explanation> {
        let mut cands = Vec::new();
        let mut rejected = Vec::new();
        self.candidates(hay, &mut cands, Some(&mut rejected));
        let mut out = Vec::new();
        self.survivors(cands, Some(&mut out));
        for r in rejected {
            out.push(self.explain_rejected(&r));
        }
        out.sort_by_key(|e| (e.start, e.end));
        out
    }

    /// The most bytes a [`StreamScanner`](crate::StreamScanner) keeps buffered beyond the chunk being pushed.
    /// It depends on the detectors, never on the input.
    pub fn max_holdback(&self) -> usize {
        2 * self.inner.engine.max_reach() + 2 * LOOKBACK
    }

    pub(crate) fn candidates(&self, hay: &[u8], cands: &mut Vec<Candidate>, rejected: Option<&mut Vec<Rejected>>) {
        let inner = &*self.inner;
        let mut sink = Sink { base: 0, cands, rejected, gate: &inner.filter, enabled: inner.engine.enabled };
        let mut cur = Cursors::default();
        inner.engine.run(hay, 0, true, &mut cur, &mut sink);
    }

    fn survivors(&self, mut cands: Vec<Candidate>, explain: Option<&mut Vec<Explanation>>) -> Vec<Finding> {
        sort_dedup(&mut cands);
        let mut beaten = Vec::new();
        beaten_by(&cands, &self.inner.ranks, &mut beaten);
        let mut out = Vec::with_capacity(cands.len());
        let mut ex = explain;
        for (c, b) in cands.iter().zip(&beaten) {
            if let Some(e) = ex.as_deref_mut() {
                e.push(self.explain_candidate(c, b.map(|k| cands[k as usize].det)));
            }
            if b.is_none() {
                out.push(self.finding(c));
            }
        }
        out
    }

    pub(crate) fn finding(&self, c: &Candidate) -> Finding {
        Finding {
            detector: self.inner.names[c.det as usize].clone(),
            start: c.start,
            end: c.end,
            confidence: c.confidence,
        }
    }

    pub(crate) fn explain_candidate(&self, c: &Candidate, by: Option<DetIdx>) -> Explanation {
        Explanation {
            detector: self.inner.names[c.det as usize].clone(),
            start: c.start,
            end: c.end,
            confidence: c.confidence,
            base_confidence: c.why.base,
            validator: c.why.validator,
            context: c.why.context.map(|(s, e)| s..e),
            outcome: match by {
                None => Outcome::Reported,
                Some(d) => Outcome::Outranked { by: self.inner.names[d as usize].clone() },
            },
        }
    }

    pub(crate) fn explain_rejected(&self, r: &Rejected) -> Explanation {
        Explanation {
            detector: self.inner.names[r.det as usize].clone(),
            start: r.start,
            end: r.end,
            confidence: 0.0,
            base_confidence: 0.0,
            validator: None,
            context: None,
            outcome: Outcome::Rejected(r.reason),
        }
    }
}
