//! The policy file format, as serde reads it. Every table refuses keys it does not know.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What happens to text in which a detector found something.
///
/// Ordered from the most lenient to the strictest: a decision takes the strictest action of
/// its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Let it through; the finding is recorded.
    Allow,
    /// Let it through and flag it.
    Warn,
    /// Replace the finding with the tenant's stable token for it (`[EMAIL:kcmfpbhdaalognei]`,
    /// the pseudonym style under the tenant's `pseudonym_key`) and let the rest through. A
    /// holder of the mapping — the gateway, for the length of a request — can put the value
    /// back where the token comes back.
    Tokenize,
    /// Rewrite the finding (in its detector's redaction style) and let the rest through.
    Redact,
    /// Stop the text.
    Block,
}

impl Action {
    /// The action's name as written in policies: `"allow"`, `"warn"`, `"tokenize"`, `"redact"`,
    /// `"block"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Tokenize => "tokenize",
            Action::Redact => "redact",
            Action::Block => "block",
        }
    }

    /// Whether the action rewrites the finding (`tokenize`, `redact`).
    pub fn rewrites(self) -> bool {
        matches!(self, Action::Tokenize | Action::Redact)
    }

    /// Every action, indexed by its [`code`](Action::code). The one table the bindings read
    /// their action numbers and names from (the C header's `DLPJET_ALLOW` … `DLPJET_TOKENIZE`,
    /// the Python and Node batch results).
    pub const BY_CODE: [Action; 5] = [Action::Allow, Action::Warn, Action::Redact, Action::Block, Action::Tokenize];

    /// The action's stable number across every binding: allow 0, warn 1, redact 2, block 3,
    /// tokenize 4 (numbered after block to keep the older values; strictness is the enum's
    /// order, not the code's).
    ///
    /// ```
    /// use dlpjet_policy::Action;
    /// for (code, a) in Action::BY_CODE.iter().enumerate() {
    ///     assert_eq!(usize::from(a.code()), code);
    ///     assert_eq!(Action::from_code(a.code()), Some(*a));
    /// }
    /// assert_eq!(Action::Tokenize.code(), 4);
    /// ```
    pub fn code(self) -> u8 {
        match self {
            Action::Allow => 0,
            Action::Warn => 1,
            Action::Redact => 2,
            Action::Block => 3,
            Action::Tokenize => 4,
        }
    }

    /// The action numbered `code` (see [`Action::code`]).
    pub fn from_code(code: u8) -> Option<Action> {
        Action::BY_CODE.get(usize::from(code)).copied()
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way text travels: into the provider (a request) or back out of it (a response).
/// A detector's direction says which texts it applies to; [`Direction::Both`] as the
/// direction of an evaluation runs every detector (the CLI does this for files).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Request text, on its way in.
    Inbound,
    /// Response text, on its way out.
    Outbound,
    /// Either way.
    Both,
}

impl Direction {
    /// The direction's name as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Both => "both",
        }
    }

    /// Whether a detector set to `self` runs on text travelling `way`.
    pub fn covers(self, way: Direction) -> bool {
        self == Direction::Both || way == Direction::Both || self == way
    }

    /// Every direction, indexed by its [`code`](Direction::code).
    pub const BY_CODE: [Direction; 3] = [Direction::Inbound, Direction::Outbound, Direction::Both];

    /// The direction's stable number across every binding: inbound 0, outbound 1, both 2.
    ///
    /// ```
    /// use dlpjet_policy::Direction;
    /// assert_eq!(Direction::from_code(Direction::Outbound.code()), Some(Direction::Outbound));
    /// assert_eq!(Direction::from_code(3), None);
    /// ```
    pub fn code(self) -> u8 {
        match self {
            Direction::Inbound => 0,
            Direction::Outbound => 1,
            Direction::Both => 2,
        }
    }

    /// The direction numbered `code` (see [`Direction::code`]).
    pub fn from_code(code: u8) -> Option<Direction> {
        Direction::BY_CODE.get(usize::from(code)).copied()
    }

    /// The direction named `name` (as [`Direction::as_str`] writes it).
    pub fn from_name(name: &str) -> Option<Direction> {
        Direction::BY_CODE.into_iter().find(|d| d.as_str() == name)
    }

    pub(crate) fn slot(self) -> usize {
        usize::from(self.code())
    }
}

/// What to do with input longer than `limits.max_input_bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnExceed {
    /// Block the whole input without scanning it.
    Block,
    /// Scan the first `max_input_bytes`, pass the rest through unscanned, and warn.
    Truncate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StyleName {
    Mask,
    Partial,
    Label,
    Pseudonym,
    Remove,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ValidatorName {
    Luhn,
    Mod97,
    Entropy,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Document {
    pub version: Option<i64>,
    #[serde(default)]
    pub default: Layer,
    #[serde(default)]
    pub tenants: BTreeMap<String, Layer>,
}

/// One policy: the default one, or a tenant's overrides of the policy it inherits.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Layer {
    pub inherits: Option<String>,
    pub enable: Option<Vec<String>>,
    #[serde(default)]
    pub disable: Vec<String>,
    pub default_action: Option<Action>,
    pub min_confidence: Option<f32>,
    pub pseudonym_key: Option<KeySource>,
    pub limits: Option<Limits>,
    #[serde(default)]
    pub detectors: BTreeMap<String, Rule>,
    #[serde(default)]
    pub regexes: BTreeMap<String, RegexDef>,
    #[serde(default)]
    pub dictionaries: BTreeMap<String, DictDef>,
    #[serde(default)]
    pub allowlists: Vec<AllowDef>,
    #[serde(default)]
    pub imports: Vec<ImportDef>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    pub enabled: Option<bool>,
    pub action: Option<Action>,
    pub min_confidence: Option<f32>,
    pub redact: Option<StyleName>,
    pub keep_last: Option<usize>,
    pub direction: Option<Direction>,
    pub report_examples: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeySource {
    pub env: Option<String>,
    pub file: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    pub max_input_bytes: Option<u64>,
    pub on_exceed: Option<OnExceed>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegexDef {
    pub pattern: String,
    pub validator: Option<ValidatorName>,
    pub entropy: Option<f32>,
    pub group: Option<usize>,
    #[serde(default)]
    pub context: Vec<String>,
    #[serde(default)]
    pub require_context: bool,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub confidence: Option<f32>,
    pub max_len: Option<usize>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DictDef {
    #[serde(default)]
    pub terms: Vec<String>,
    pub file: Option<String>,
    #[serde(default)]
    pub case_insensitive: bool,
    #[serde(default)]
    pub context: Vec<String>,
    #[serde(default)]
    pub require_context: bool,
    pub confidence: Option<f32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllowDef {
    #[serde(default)]
    pub detectors: Vec<String>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub regexes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportDef {
    /// A gitleaks or Betterleaks rule file (`betterleaks = "…"` reads the same way).
    #[serde(alias = "betterleaks")]
    pub gitleaks: String,
    #[serde(default)]
    pub prefix: String,
    pub action: Option<Action>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_number_every_action_and_direction_once() {
        for (i, a) in Action::BY_CODE.iter().enumerate() {
            assert_eq!(usize::from(a.code()), i);
        }
        let mut names: Vec<&str> = Action::BY_CODE.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::BY_CODE.len());
        for (i, d) in Direction::BY_CODE.iter().enumerate() {
            assert_eq!(usize::from(d.code()), i);
            assert_eq!(Direction::from_name(d.as_str()), Some(*d));
        }
        assert_eq!(Action::from_code(5), None);
    }
}
