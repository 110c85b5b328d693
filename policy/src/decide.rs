//! Decisions: what a tenant's policy does with one text.

use super::doc::{Action, Direction, OnExceed};
use super::error::PolicyError;
use super::tenant::{Lane, PolicySet, Tenant};
use dlpjet::Finding;
use std::fmt;
use std::sync::Arc;

/// A finding and the action the policy gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct DecidedFinding {
    /// What was found, where, and how sure.
    pub finding: Finding,
    /// What the policy does with it.
    pub action: Action,
}

/// Why a text was blocked. Never holds the sensitive value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockReason {
    /// A detector whose action is `block` found something.
    Detector {
        /// The first blocking detector in the text.
        detector: Arc<str>,
        /// How many of its findings were seen.
        hits: usize,
    },
    /// The input was longer than the policy's `max_input_bytes` and `on_exceed = "block"`.
    InputTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl BlockReason {
    /// A stable machine-readable code: `"detector"` or `"input_too_large"`.
    pub fn code(&self) -> &'static str {
        match self {
            BlockReason::Detector { .. } => "detector",
            BlockReason::InputTooLarge { .. } => "input_too_large",
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockReason::Detector { detector, hits } => {
                write!(f, "{detector} ({hits} hit{})", if *hits == 1 { "" } else { "s" })
            }
            BlockReason::InputTooLarge { limit } => write!(f, "input larger than {limit} bytes"),
        }
    }
}

/// What the policy decided about one text.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The strictest action of the findings (`allow` when there are none), at least `warn`
    /// when the input was truncated, `block` when it was too large to scan.
    pub action: Action,
    /// Every finding that passed its detector's minimum confidence, with its action.
    pub findings: Vec<DecidedFinding>,
    /// The text with the `redact` and `tokenize` findings rewritten, when the action is one
    /// of those.
    pub redacted: Option<Vec<u8>>,
    /// Why, when the action is `block`.
    pub reason: Option<BlockReason>,
    /// Only the first `max_input_bytes` were scanned; the rest passed through unscanned.
    pub truncated: bool,
}

impl Decision {
    /// The text to pass on: `None` when blocked, the redacted text when redacted, the input
    /// otherwise.
    pub fn output<'a>(&'a self, input: &'a [u8]) -> Option<&'a [u8]> {
        match self.action {
            Action::Block => None,
            _ => Some(self.redacted.as_deref().unwrap_or(input)),
        }
    }

    pub(crate) fn from_findings(findings: Vec<DecidedFinding>, truncated: bool) -> Decision {
        let mut action = findings.iter().map(|f| f.action).max().unwrap_or(Action::Allow);
        if truncated {
            action = action.max(Action::Warn);
        }
        let reason = (action == Action::Block).then(|| block_reason(&findings)).flatten();
        Decision { action, findings, redacted: None, reason, truncated }
    }

    pub(crate) fn too_large(limit: usize) -> Decision {
        Decision {
            action: Action::Block,
            findings: Vec::new(),
            redacted: None,
            reason: Some(BlockReason::InputTooLarge { limit }),
            truncated: false,
        }
    }
}

/// The first blocking finding's detector and how many blocking findings it has.
fn block_reason(findings: &[DecidedFinding]) -> Option<BlockReason> {
    let first = findings.iter().find(|f| f.action == Action::Block)?;
    let det = &first.finding.detector;
    let hits = findings.iter().filter(|f| f.action == Action::Block && f.finding.detector == *det).count();
    Some(BlockReason::Detector { detector: det.clone(), hits })
}

/// How a decision's text is scanned: the whole at once, or in interruptible pieces.
pub(crate) type ScanFn<'a, E> = &'a mut dyn FnMut(&dlpjet::Scanner, &[u8]) -> Result<Vec<Finding>, E>;

fn unfailing<T>(r: Result<T, std::convert::Infallible>) -> T {
    match r {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

impl Tenant {
    /// Applies the tenant's policy to `text` travelling `direction`.
    pub fn evaluate(&self, direction: Direction, text: &[u8]) -> Decision {
        let d = self.decide(direction, text);
        self.with_redacted(direction, d, text)
    }

    /// Adds the rewritten text to a decision that rewrites.
    pub(crate) fn with_redacted(&self, direction: Direction, mut d: Decision, text: &[u8]) -> Decision {
        if d.action.rewrites() {
            let mut out = Vec::with_capacity(text.len());
            self.lane(direction).rewrite(&d.findings, text, &mut out);
            d.redacted = Some(out);
        }
        d
    }

    /// Like [`evaluate`](Tenant::evaluate), but appends the text to pass on to `out`: the
    /// redacted text when the action is `redact`, the text as it is for `allow` and `warn`
    /// (including the unscanned rest of a truncated input), nothing when blocked. The
    /// decision's `redacted` is `None`. For callers that collect many outputs in one buffer.
    ///
    /// ```
    /// use dlpjet_policy::{Action, Direction, PolicySet};
    /// let policy = PolicySet::from_toml("version = 1\n[default]\ndefault_action = \"redact\"", None)?;
    /// let tenant = policy.tenant("default")?;
    /// let mut out = Vec::new();
    /// let d = tenant.evaluate_into(Direction::Inbound, b"mail a@b.io", &mut out);
    /// assert_eq!(d.action, Action::Redact);
    /// assert_eq!(out, b"mail [EMAIL]");
    /// # Ok::<(), dlpjet_policy::PolicyError>(())
    /// ```
    pub fn evaluate_into(&self, direction: Direction, text: &[u8], out: &mut Vec<u8>) -> Decision {
        let d = self.decide(direction, text);
        self.pass_on(direction, d, text, out)
    }

    /// Appends what a decision passes on to `out` (see [`evaluate_into`](Tenant::evaluate_into)).
    pub(crate) fn pass_on(&self, direction: Direction, d: Decision, text: &[u8], out: &mut Vec<u8>) -> Decision {
        match d.action {
            Action::Block => {}
            Action::Tokenize | Action::Redact => self.lane(direction).rewrite(&d.findings, text, out),
            _ => out.extend_from_slice(text),
        }
        d
    }

    /// The findings of `text` travelling `direction` with their actions, as a decision would
    /// have them: the size limit applies (over it, `on_exceed = "block"` refuses the text with
    /// its reason, `"truncate"` scans only the first bytes), findings below their detector's
    /// minimum are dropped. For callers that report findings instead of passing text on.
    ///
    /// ```
    /// use dlpjet_policy::{Action, Direction, PolicySet};
    /// let policy = PolicySet::from_toml("version = 1\n[default]\ndefault_action = \"warn\"", None)?;
    /// let found = policy.tenant("default")?.findings(Direction::Inbound, b"mail a@b.io").unwrap();
    /// assert_eq!((&*found[0].finding.detector, found[0].action), ("email", Action::Warn));
    /// # Ok::<(), dlpjet_policy::PolicyError>(())
    /// ```
    pub fn findings(&self, direction: Direction, text: &[u8]) -> Result<Vec<DecidedFinding>, BlockReason> {
        self.scan_limited(direction, text).map(|(f, _)| f).map_err(|limit| BlockReason::InputTooLarge { limit })
    }

    /// The decision without the rewritten text.
    fn decide(&self, direction: Direction, text: &[u8]) -> Decision {
        unfailing(self.decide_by(direction, text, &mut |s, t| Ok(s.scan(t))))
    }

    /// [`decide`](Tenant::decide) with the scan done by `scan` (in pieces, interruptibly).
    pub(crate) fn decide_by<E>(&self, direction: Direction, text: &[u8], scan: ScanFn<'_, E>) -> Result<Decision, E> {
        Ok(match self.scan_limited_by(direction, text, scan)? {
            Ok((findings, truncated)) => Decision::from_findings(findings, truncated),
            Err(limit) => Decision::too_large(limit),
        })
    }

    /// The decided findings and whether the text was truncated, or the limit it is over when
    /// the policy blocks such texts.
    fn scan_limited(&self, direction: Direction, text: &[u8]) -> Result<(Vec<DecidedFinding>, bool), usize> {
        unfailing(self.scan_limited_by(direction, text, &mut |s, t| Ok(s.scan(t))))
    }

    /// [`scan_limited`](Tenant::scan_limited) with the scan done by `scan`.
    pub(crate) fn scan_limited_by<E>(
        &self,
        direction: Direction,
        text: &[u8],
        scan: ScanFn<'_, E>,
    ) -> Result<Result<(Vec<DecidedFinding>, bool), usize>, E> {
        let lane = self.lane(direction);
        let (scanned, truncated) = match self.limit() {
            Some((max, OnExceed::Block)) if text.len() > max => return Ok(Err(max)),
            Some((max, OnExceed::Truncate)) if text.len() > max => (&text[..max], true),
            _ => (text, false),
        };
        let findings = scan(&lane.scanner, scanned)?
            .into_iter()
            .filter_map(|f| lane.action_for(&f).map(|action| DecidedFinding { finding: f, action }))
            .collect();
        Ok(Ok((findings, truncated)))
    }

    fn lane(&self, direction: Direction) -> &Lane {
        &self.inner.lanes[direction.slot()]
    }
}

impl Lane {
    /// Appends `text` with its `redact` and `tokenize` findings rewritten to `out`.
    fn rewrite(&self, findings: &[DecidedFinding], text: &[u8], out: &mut Vec<u8>) {
        out.reserve(text.len());
        let mut at = 0;
        for f in findings.iter().filter(|f| f.action.rewrites()) {
            let f = &f.finding;
            out.extend_from_slice(&text[at..f.start]);
            self.redactor.replace(f, &text[f.start..f.end], out);
            at = f.end;
        }
        out.extend_from_slice(&text[at..]);
    }
}

impl PolicySet {
    /// Applies `tenant`'s policy to `text` travelling `direction`.
    ///
    /// # Errors
    /// Only for a tenant the policy does not define.
    pub fn evaluate(&self, tenant: &str, direction: Direction, text: &[u8]) -> Result<Decision, PolicyError> {
        Ok(self.tenant(tenant)?.evaluate(direction, text))
    }
}
