//! Inheritance: a tenant's effective policy is the default policy, overridden by each of its
//! ancestors in turn, then by the tenant itself.
//!
//! Precedence, from the top of the chain down:
//! * scalars (`default_action`, `min_confidence`, `pseudonym_key`, each `limits` field) and
//!   each field of a `detectors.ID` table: the nearest layer that sets it wins;
//! * `enable` replaces the inherited set (and drops inherited `disable`s); `disable` adds;
//! * `regexes.ID` and `dictionaries.ID`: the nearest definition of an id replaces the whole
//!   definition;
//! * `allowlists` and `imports` accumulate.

use super::doc::{
    Action, AllowDef, DictDef, Direction, Document, ImportDef, KeySource, Layer, OnExceed, RegexDef, StyleName,
};
use super::error::PolicyErrorKind;
use super::locate::{FieldPath, Source};
use super::PolicyError;
use std::collections::BTreeMap;

/// The name of the policy every tenant inherits from unless it names another.
pub const DEFAULT_TENANT: &str = "default";

/// A value together with the field path it was written at.
#[derive(Clone, Debug)]
pub(crate) struct At<T> {
    pub value: T,
    pub path: FieldPath,
}

fn at<T>(value: T, path: FieldPath) -> At<T> {
    At { value, path }
}

/// A detector's settings after inheritance; each remembers where it was set.
#[derive(Clone, Debug, Default)]
pub(crate) struct EffectiveRule {
    /// Where the nearest layer that mentions the detector wrote its table.
    pub path: FieldPath,
    pub enabled: Option<At<bool>>,
    pub action: Option<At<Action>>,
    pub min_confidence: Option<At<f32>>,
    pub redact: Option<At<StyleName>>,
    pub keep_last: Option<At<usize>>,
    pub direction: Option<At<Direction>>,
    pub report_examples: Option<At<bool>>,
}

/// One tenant's policy with inheritance applied.
#[derive(Clone, Debug)]
pub(crate) struct Effective {
    pub name: String,
    pub enable: Option<At<Vec<String>>>,
    pub disable: Vec<At<String>>,
    pub default_action: Action,
    pub min_confidence: Option<At<f32>>,
    pub key: Option<At<KeySource>>,
    pub max_input_bytes: Option<At<u64>>,
    pub on_exceed: OnExceed,
    pub detectors: BTreeMap<String, EffectiveRule>,
    pub regexes: BTreeMap<String, At<RegexDef>>,
    pub dictionaries: BTreeMap<String, At<DictDef>>,
    pub allowlists: Vec<At<AllowDef>>,
    pub imports: Vec<At<ImportDef>>,
}

impl Effective {
    fn empty(name: &str) -> Effective {
        Effective {
            name: name.to_string(),
            enable: None,
            disable: Vec::new(),
            default_action: Action::Warn,
            min_confidence: None,
            key: None,
            max_input_bytes: None,
            on_exceed: OnExceed::Block,
            detectors: BTreeMap::new(),
            regexes: BTreeMap::new(),
            dictionaries: BTreeMap::new(),
            allowlists: Vec::new(),
            imports: Vec::new(),
        }
    }

    /// Applies `layer` (written at `path`) over what is inherited.
    fn apply(&mut self, layer: &Layer, path: &FieldPath) {
        if let Some(e) = &layer.enable {
            self.enable = Some(at(e.clone(), path.key("enable")));
            self.disable.clear();
        }
        for (i, d) in layer.disable.iter().enumerate() {
            self.disable.push(at(d.clone(), path.key("disable").index(i)));
        }
        if let Some(a) = layer.default_action {
            self.default_action = a;
        }
        if let Some(c) = layer.min_confidence {
            self.min_confidence = Some(at(c, path.key("min_confidence")));
        }
        if let Some(k) = &layer.pseudonym_key {
            self.key = Some(at(k.clone(), path.key("pseudonym_key")));
        }
        if let Some(l) = &layer.limits {
            if let Some(m) = l.max_input_bytes {
                self.max_input_bytes = Some(at(m, path.key("limits").key("max_input_bytes")));
            }
            if let Some(o) = l.on_exceed {
                self.on_exceed = o;
            }
        }
        for (id, r) in &layer.detectors {
            let p = path.key("detectors").key(id);
            let e = self.detectors.entry(id.clone()).or_default();
            e.path = p.clone();
            if let Some(v) = r.enabled {
                e.enabled = Some(at(v, p.key("enabled")));
            }
            if let Some(v) = r.action {
                e.action = Some(at(v, p.key("action")));
            }
            if let Some(v) = r.min_confidence {
                e.min_confidence = Some(at(v, p.key("min_confidence")));
            }
            if let Some(v) = r.redact {
                e.redact = Some(at(v, p.key("redact")));
            }
            if let Some(v) = r.keep_last {
                e.keep_last = Some(at(v, p.key("keep_last")));
            }
            if let Some(v) = r.report_examples {
                e.report_examples = Some(at(v, p.key("report_examples")));
            }
            if let Some(v) = r.direction {
                e.direction = Some(at(v, p.key("direction")));
            }
        }
        for (id, r) in &layer.regexes {
            self.regexes.insert(id.clone(), at(r.clone(), path.key("regexes").key(id)));
        }
        for (id, d) in &layer.dictionaries {
            self.dictionaries.insert(id.clone(), at(d.clone(), path.key("dictionaries").key(id)));
        }
        for (i, a) in layer.allowlists.iter().enumerate() {
            self.allowlists.push(at(a.clone(), path.key("allowlists").index(i)));
        }
        for (i, m) in layer.imports.iter().enumerate() {
            self.imports.push(at(m.clone(), path.key("imports").index(i)));
        }
    }
}

/// The effective policy of `default` and of every tenant, in that order.
pub(crate) fn resolve(doc: &Document, src: &Source<'_>) -> Result<Vec<Effective>, PolicyError> {
    let root = FieldPath::root();
    if doc.default.inherits.is_some() {
        let p = root.key("default").key("inherits");
        return Err(src.error(
            PolicyErrorKind::InvalidValue,
            &p,
            "the default policy cannot inherit; tenants inherit from it",
        ));
    }
    if doc.tenants.contains_key(DEFAULT_TENANT) {
        let p = root.key("tenants").key(DEFAULT_TENANT);
        return Err(src.error(
            PolicyErrorKind::InvalidValue,
            &p,
            "a tenant cannot be named \"default\"; write the default policy under [default]",
        ));
    }
    let mut base = Effective::empty(DEFAULT_TENANT);
    base.apply(&doc.default, &root.key("default"));
    let mut out = vec![base];
    for name in doc.tenants.keys() {
        // The chain from this tenant up to (not including) the default policy.
        let mut chain: Vec<&str> = vec![name];
        loop {
            let here = *chain.last().expect("never empty");
            let parent = doc.tenants[here].inherits.as_deref().unwrap_or(DEFAULT_TENANT);
            let p = root.key("tenants").key(here).key("inherits");
            if parent == DEFAULT_TENANT {
                break;
            }
            if !doc.tenants.contains_key(parent) {
                let known: Vec<&str> =
                    std::iter::once(DEFAULT_TENANT).chain(doc.tenants.keys().map(String::as_str)).collect();
                return Err(src.error(
                    PolicyErrorKind::UnknownParent,
                    &p,
                    format!("inherits from unknown tenant {parent:?} (known: {})", known.join(", ")),
                ));
            }
            if let Some(k) = chain.iter().position(|c| *c == parent) {
                let mut circle: Vec<&str> = chain[k..].to_vec();
                circle.push(parent);
                return Err(src.error(
                    PolicyErrorKind::InheritanceCycle,
                    &p,
                    format!("inheritance cycle: {}", circle.join(" -> ")),
                ));
            }
            chain.push(parent);
        }
        let mut eff = out[0].clone();
        eff.name = name.clone();
        for t in chain.iter().rev() {
            eff.apply(&doc.tenants[*t], &root.key("tenants").key(t));
        }
        out.push(eff);
    }
    Ok(out)
}
