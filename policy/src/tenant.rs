//! Compiled policies: each tenant's scanners and action plan ([`Tenant`]), and every tenant of
//! one policy file ([`PolicySet`]). Compiling them is `compile`'s.

use super::doc::{Action, Direction, OnExceed};
use super::error::{PolicyError, PolicyErrorKind};
use super::gitleaks::ImportReport;
use dlpjet::{Redactor, Scanner, Style};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The only policy format version this build reads.
pub const POLICY_VERSION: i64 = 1;

/// The policy the bindings use when none is given: every built-in detector, every finding
/// redacted.
pub const REDACT_ALL: &str = "version = 1\n[default]\ndefault_action = \"redact\"\n";

/// What a tenant's policy does with one detector's findings.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorPlan {
    /// Detector id.
    pub id: String,
    /// The action on a finding.
    pub action: Action,
    /// Findings below this confidence are dropped.
    pub min_confidence: f32,
    /// How a redacted finding is rewritten.
    pub style: Style,
    /// Which texts the detector runs on.
    pub direction: Direction,
    /// Report the detector's documented example values (`AKIAIOSFODNN7EXAMPLE`) instead of
    /// dropping them (`report_examples = true`; built-in credential detectors only).
    pub report_examples: bool,
}

/// One compiled detector set and the redactor over it.
#[derive(Debug)]
pub(crate) struct Lane {
    pub scanner: Scanner,
    pub redactor: Redactor,
    /// Action and minimum confidence per detector, keyed by the address of the scanner's
    /// detector id (every finding shares that `Arc<str>`), sorted: a lookup costs a few
    /// comparisons instead of hashing the id.
    pub(crate) actions: Vec<(usize, Action, f32)>,
}

impl Lane {
    /// The action and minimum confidence of a finding's detector, when the finding came from
    /// this lane's scanner.
    fn plan_of(&self, f: &dlpjet::Finding) -> Option<(Action, f32)> {
        let key = f.detector.as_ptr() as usize;
        let i = self.actions.binary_search_by_key(&key, |a| a.0).ok()?;
        Some((self.actions[i].1, self.actions[i].2))
    }

    /// The action for a finding of this lane's scanner, or `None` below its minimum.
    pub fn action_for(&self, f: &dlpjet::Finding) -> Option<Action> {
        let (action, min) = self.plan_of(f)?;
        (f.confidence >= min).then_some(action)
    }
}

#[derive(Debug)]
pub(crate) struct TenantInner {
    pub name: String,
    /// Inbound, outbound, both.
    pub lanes: [Arc<Lane>; 3],
    pub plans: HashMap<Box<str>, DetectorPlan>,
    pub default_action: Action,
    pub max_input_bytes: Option<usize>,
    pub on_exceed: OnExceed,
}

/// One tenant's compiled policy: its scanners and what to do with each finding. Cheap to
/// clone and share across threads.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub(crate) inner: Arc<TenantInner>,
}

impl Tenant {
    /// The tenant's name (`"default"` for the default policy).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The scanner run on text travelling `direction`.
    pub fn scanner(&self, direction: Direction) -> &Scanner {
        &self.inner.lanes[direction.slot()].scanner
    }

    /// The plan for every detector the tenant runs, ordered by id.
    pub fn plans(&self) -> Vec<&DetectorPlan> {
        let mut v: Vec<&DetectorPlan> = self.inner.plans.values().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// The plan for one detector, if the tenant runs it.
    pub fn plan(&self, detector: &str) -> Option<&DetectorPlan> {
        self.inner.plans.get(detector)
    }

    /// The action for a finding, or `None` when the finding is below its detector's minimum
    /// confidence (and so not part of any decision). Findings of the tenant's own scanners
    /// are looked up by their detector id's address; others by name.
    pub fn action_for(&self, f: &dlpjet::Finding) -> Option<Action> {
        let (action, min) = self
            .inner
            .lanes
            .iter()
            .find_map(|l| l.plan_of(f))
            .or_else(|| self.inner.plans.get(&*f.detector).map(|p| (p.action, p.min_confidence)))
            .unwrap_or((self.inner.default_action, 0.0));
        (f.confidence >= min).then_some(action)
    }

    /// The token that the `tokenize` action writes for finding `f` with matched bytes `value`,
    /// or `None` when the tenant does not tokenize its detector. Stable: one value (in any
    /// of its spellings, for numbers and e-mail addresses) always gets one token per tenant.
    ///
    /// ```
    /// use dlpjet_policy::{Action, Direction, PolicySet};
    /// std::env::set_var("DOC_TOKEN_KEY", "0123456789abcdef0123456789abcdef");
    /// let policy = PolicySet::from_toml(
    ///     "version = 1\n[default]\ndefault_action = \"tokenize\"\npseudonym_key = { env = \"DOC_TOKEN_KEY\" }",
    ///     None,
    /// )?;
    /// let tenant = policy.tenant("default")?;
    /// let text = b"mail a@b.io";
    /// let d = tenant.evaluate(Direction::Inbound, text);
    /// assert_eq!(d.action, Action::Tokenize);
    /// let f = &d.findings[0].finding;
    /// let token = tenant.token(f, &text[f.start..f.end]).unwrap();
    /// assert_eq!(d.redacted.unwrap(), [&b"mail "[..], &token].concat());
    /// assert!(token.starts_with(b"[EMAIL:"));
    /// # Ok::<(), dlpjet_policy::PolicyError>(())
    /// ```
    pub fn token(&self, f: &dlpjet::Finding, value: &[u8]) -> Option<Vec<u8>> {
        if self.plan(&f.detector)?.action != Action::Tokenize {
            return None;
        }
        let lane = self.inner.lanes.iter().find(|l| l.scanner.detectors().any(|d| d == &*f.detector))?;
        let mut out = Vec::new();
        lane.redactor.replace(f, value, &mut out);
        Some(out)
    }

    /// The action for detectors the policy does not mention.
    pub fn default_action(&self) -> Action {
        self.inner.default_action
    }

    /// The input size limit and what happens beyond it.
    pub fn limit(&self) -> Option<(usize, OnExceed)> {
        self.inner.max_input_bytes.map(|m| (m, self.inner.on_exceed))
    }
}

/// Every tenant of one policy file, compiled.
///
/// ```
/// use dlpjet_policy::{Action, Direction, PolicySet};
/// let policy = PolicySet::from_toml(r#"
///     version = 1
///     [default]
///     default_action = "warn"
///     [default.detectors.credit_card]
///     action = "redact"
///     redact = "partial"
///     keep_last = 4
///     [tenants.bank.detectors.credit_card]
///     action = "block"
/// "#, None)?;
/// let text = b"card 4242 4242 4242 4242 please";
/// let d = policy.evaluate("default", Direction::Inbound, text)?;
/// assert_eq!(d.action, Action::Redact);
/// assert_eq!(d.redacted.as_deref(), Some(&b"card **** **** **** 4242 please"[..]));
/// let d = policy.evaluate("bank", Direction::Inbound, text)?;
/// assert_eq!(d.action, Action::Block);
/// assert_eq!(d.reason.unwrap().to_string(), "credit_card (1 hit)");
/// # Ok::<(), dlpjet_policy::PolicyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicySet {
    pub(crate) tenants: BTreeMap<String, Tenant>,
    pub(crate) imports: Vec<ImportReport>,
    pub(crate) file: Option<PathBuf>,
}

impl PolicySet {
    /// A tenant's compiled policy.
    ///
    /// # Errors
    /// [`PolicyErrorKind::UnknownTenant`] naming the tenants that exist.
    pub fn tenant(&self, name: &str) -> Result<&Tenant, PolicyError> {
        self.tenants.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.tenants.keys().map(String::as_str).collect();
            PolicyError::new(
                PolicyErrorKind::UnknownTenant,
                "",
                format!("unknown tenant {name:?} (known: {})", known.join(", ")),
            )
        })
    }

    /// Every tenant, the default policy (`"default"`) included, ordered by name.
    pub fn tenants(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.values()
    }

    /// What each imported rule file loaded and left out.
    pub fn imports(&self) -> &[ImportReport] {
        &self.imports
    }

    /// The file the policy was loaded from.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}
