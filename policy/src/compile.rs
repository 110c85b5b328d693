//! Compiling a policy document: validation, one [`Scanner`] per distinct detector set, and
//! the action plan of every tenant.

use super::doc::{Action, DictDef, Direction, Document, RegexDef, StyleName, ValidatorName};
use super::error::{PolicyError, PolicyErrorKind};
use super::gitleaks::{self, ImportReport, Imported};
use super::locate::{FieldPath, Source};
use super::resolve::{resolve, At, Effective};
use super::tenant::{DetectorPlan, Lane, PolicySet, Tenant, TenantInner, POLICY_VERSION};
use dlpjet::{Allowlist, Builtin, CustomRegex, Dictionary, Redactor, Scanner, Style, Validator};
use hkdf::Hkdf;
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Largest dictionary, rule or key file a policy may name.
const MAX_REFERENCED_FILE: u64 = 64 << 20;

impl PolicySet {
    /// Loads and compiles a policy file. Relative paths in it (dictionaries, imports, key
    /// files) are relative to the file's folder.
    ///
    /// # Errors
    /// The first mistake found, with file, line, column and field path. Nothing of a file
    /// with a mistake is used.
    pub fn load(path: impl AsRef<Path>) -> Result<PolicySet, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError::new(PolicyErrorKind::Io, "", format!("cannot read: {e}")).at(Some(path), None))?;
        PolicySet::from_toml(&text, Some(path))
    }

    /// Compiles a policy from TOML text. `file` names where it came from (for errors and for
    /// resolving relative paths); without it relative paths are resolved from the current
    /// directory.
    ///
    /// # Errors
    /// As [`PolicySet::load`].
    pub fn from_toml(text: &str, file: Option<&Path>) -> Result<PolicySet, PolicyError> {
        PolicySet::compile(text, file, None)
    }

    /// Validates a policy file without its runtime secrets (what `dlpjet policy check` does):
    /// a pseudonym key read from an environment variable that is not set is a warning (with
    /// its file, line and column) rather than an error, and every other mistake is an error as
    /// in [`PolicySet::load`].
    ///
    /// The set is for validation and display only: a tenant whose key variable was not set
    /// has a placeholder key, so never redact or tokenize with it.
    ///
    /// # Errors
    /// As [`PolicySet::load`], but for the unset key variables.
    pub fn check(path: impl AsRef<Path>) -> Result<(PolicySet, Vec<String>), PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError::new(PolicyErrorKind::Io, "", format!("cannot read: {e}")).at(Some(path), None))?;
        let mut warnings = Vec::new();
        let set = PolicySet::compile(&text, Some(path), Some(&mut warnings))?;
        Ok((set, warnings))
    }

    fn compile(text: &str, file: Option<&Path>, warnings: Option<&mut Vec<String>>) -> Result<PolicySet, PolicyError> {
        let src = Source::new(text, file);
        let doc = parse(&src)?;
        let base = file.and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        let mut cx = Context { src: &src, base, imports: HashMap::new(), pseudonym_keys: HashMap::new(), warnings };
        let mut tenants = BTreeMap::new();
        for eff in resolve(&doc, &src)? {
            let t = cx.tenant(&eff)?;
            tenants.insert(eff.name.clone(), t);
        }
        let mut imports: Vec<ImportReport> = cx.imports.into_values().map(|i| i.report).collect();
        imports.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(PolicySet { tenants, imports, file: file.map(Path::to_path_buf) })
    }

    /// Compiles the policy `text` (read from `file`, if it came from one) and returns `tenant`
    /// narrowed to the `detectors` given: every other detector is disabled (built-in, custom
    /// and imported alike), so overlaps, decisions and redaction see only these. The bindings'
    /// `detectors` option.
    ///
    /// # Errors
    /// The policy's own errors, [`PolicyErrorKind::UnknownTenant`], and
    /// [`PolicyErrorKind::UnknownDetector`] for an id the tenant does not run.
    ///
    /// ```
    /// use dlpjet_policy::PolicySet;
    /// let t = PolicySet::narrowed("version = 1", None, "default", &["email".into()])?;
    /// assert_eq!(t.plans().len(), 1);
    /// # Ok::<(), dlpjet_policy::PolicyError>(())
    /// ```
    pub fn narrowed(
        text: &str,
        file: Option<&Path>,
        tenant: &str,
        detectors: &[String],
    ) -> Result<Tenant, PolicyError> {
        /// The tenant added to narrow the chosen one.
        const SELECTION: &str = "__dlpjet_selection__";
        let set = PolicySet::from_toml(text, file)?;
        let known: Vec<String> = set.tenant(tenant)?.plans().iter().map(|p| p.id.clone()).collect();
        if let Some(bad) = detectors.iter().find(|d| !known.contains(d)) {
            return Err(PolicyError::new(
                PolicyErrorKind::UnknownDetector,
                "detectors",
                format!("unknown detector {bad:?} (this policy's detectors: {})", known.join(", ")),
            ));
        }
        let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut extra = format!("\n[tenants.{SELECTION}]\ninherits = {}\n", quoted(tenant));
        for id in known.iter().filter(|id| !detectors.contains(id)) {
            extra.push_str(&format!("[tenants.{SELECTION}.detectors.{}]\nenabled = false\n", quoted(id)));
        }
        let set = PolicySet::from_toml(&format!("{text}{extra}"), file)?;
        Ok(set.tenant(SELECTION)?.clone())
    }
}

/// Parses and type-checks the document.
fn parse(src: &Source<'_>) -> Result<Document, PolicyError> {
    let syntax = |e: toml::de::Error| {
        let pos = e.span().map(|s| src.position(s.start));
        PolicyError::new(PolicyErrorKind::Syntax, "", e.message().trim_end()).at(src.file, pos)
    };
    let de = toml::Deserializer::parse(src.text).map_err(syntax)?;
    let doc: Document = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = FieldPath::from_serde(e.path());
        let inner = e.into_inner();
        let message = inner.message().trim_end().to_string();
        let kind = if message.starts_with("unknown field") {
            PolicyErrorKind::UnknownKey
        } else {
            PolicyErrorKind::InvalidValue
        };
        let pos = inner.span().or_else(|| src.span_of(&path)).map(|s| src.position(s.start));
        PolicyError::new(kind, path.to_string(), message).at(src.file, pos)
    })?;
    match doc.version {
        Some(POLICY_VERSION) => Ok(doc),
        Some(v) => Err(src.error(
            PolicyErrorKind::UnsupportedVersion,
            &FieldPath::root().key("version"),
            format!("version {v} is not supported; this build reads version {POLICY_VERSION}"),
        )),
        None => Err(src.error(
            PolicyErrorKind::UnsupportedVersion,
            &FieldPath::root(),
            format!("missing `version = {POLICY_VERSION}` at the top of the file"),
        )),
    }
}

/// State shared by the tenants of one file: the source and the rule files already read.
struct Context<'a> {
    src: &'a Source<'a>,
    base: PathBuf,
    imports: HashMap<(PathBuf, String), Imported>,
    /// Key material read per key source (env var or file), so each is read once.
    pseudonym_keys: HashMap<String, Zeroizing<Vec<u8>>>,
    /// Checking only ([`PolicySet::check`]): unset key variables are noted here instead of
    /// failing, and get a placeholder key.
    warnings: Option<&'a mut Vec<String>>,
}

/// A custom detector the tenant defines.
enum Custom {
    Regex(CustomRegex),
    Dict(Dictionary),
}

impl Context<'_> {
    fn err(&self, kind: PolicyErrorKind, path: &FieldPath, message: impl Into<String>) -> PolicyError {
        self.src.error(kind, path, message)
    }

    /// Reads a file the policy names (at most [`MAX_REFERENCED_FILE`] bytes).
    fn read(&self, rel: &str, path: &FieldPath) -> Result<(PathBuf, Vec<u8>), PolicyError> {
        use std::io::Read;
        let full = self.base.join(rel);
        let mut bytes = Vec::new();
        std::fs::File::open(&full)
            .and_then(|f| f.take(MAX_REFERENCED_FILE + 1).read_to_end(&mut bytes))
            .map_err(|e| self.err(PolicyErrorKind::Io, path, format!("cannot read {}: {e}", full.display())))?;
        if bytes.len() as u64 > MAX_REFERENCED_FILE {
            let message = format!("{} is larger than {} MiB", full.display(), MAX_REFERENCED_FILE >> 20);
            return Err(self.err(PolicyErrorKind::Io, path, message));
        }
        Ok((full, bytes))
    }

    fn tenant(&mut self, eff: &Effective) -> Result<Tenant, PolicyError> {
        // Every detector id the tenant can name, with its definition for custom ones.
        let mut universe: Vec<(String, Option<Custom>, FieldPath)> =
            Builtin::ALL.iter().map(|b| (b.id().to_string(), None, FieldPath::root())).collect();
        let mut import_action: HashMap<String, Action> = HashMap::new();
        let mut allowlists: Vec<(Allowlist, FieldPath)> = Vec::new();
        for (id, def) in &eff.regexes {
            let r = self.regex(id, def)?;
            define(self.src, &mut universe, id, Custom::Regex(r), &def.path)?;
        }
        for (id, def) in &eff.dictionaries {
            let d = self.dictionary(id, def)?;
            define(self.src, &mut universe, id, Custom::Dict(d), &def.path)?;
        }
        for m in &eff.imports {
            let path = m.path.key("gitleaks");
            let full = self.base.join(&m.value.gitleaks);
            let prefix = &m.value.prefix;
            let key = (full.canonicalize().unwrap_or(full.clone()), prefix.clone());
            if !self.imports.contains_key(&key) {
                let (_, bytes) = self.read(&m.value.gitleaks, &path)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| self.err(PolicyErrorKind::Import, &path, "the rule file is not UTF-8"))?;
                let imported = gitleaks::import(&text, full.clone(), prefix)
                    .map_err(|e| self.err(PolicyErrorKind::Import, &path, format!("{}: {e}", full.display())))?;
                self.imports.insert(key.clone(), imported);
            }
            let imported = &self.imports[&key];
            for r in &imported.regexes {
                if let Some(a) = m.value.action {
                    import_action.insert(r.id().to_string(), a);
                }
                define(self.src, &mut universe, r.id(), Custom::Regex(r.clone()), &m.path)?;
            }
            allowlists.extend(imported.allowlists.iter().map(|a| (a.clone(), m.path.clone())));
        }
        let known = |id: &str| universe.iter().any(|(u, _, _)| u == id);
        let unknown = |id: &str, path: &FieldPath| {
            self.err(
                PolicyErrorKind::UnknownDetector,
                path,
                format!(
                    "unknown detector {id:?}; known ids: {}",
                    universe.iter().map(|(u, _, _)| u.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        };

        // Which detectors run.
        let mut enabled: Vec<String> = match &eff.enable {
            Some(list) => {
                let mut v = Vec::new();
                for (i, id) in list.value.iter().enumerate() {
                    if !known(id) {
                        return Err(unknown(id, &list.path.index(i)));
                    }
                    if !v.contains(id) {
                        v.push(id.clone());
                    }
                }
                v
            }
            None => Vec::new(),
        };
        // Built-ins run unless `enable` lists some; detectors the policy defines always run.
        for (u, custom, _) in &universe {
            if (eff.enable.is_none() || custom.is_some()) && !enabled.contains(u) {
                enabled.push(u.clone());
            }
        }
        for d in &eff.disable {
            if !known(&d.value) {
                return Err(unknown(&d.value, &d.path));
            }
            enabled.retain(|e| *e != d.value);
        }
        for (id, rule) in &eff.detectors {
            if !known(id) {
                return Err(unknown(id, &rule.path));
            }
            match rule.enabled.as_ref().map(|e| e.value) {
                Some(false) => enabled.retain(|e| e != id),
                Some(true) if !enabled.contains(id) => enabled.push(id.clone()),
                _ => {}
            }
        }

        let tenant_path = if eff.name == super::DEFAULT_TENANT {
            FieldPath::root().key("default")
        } else {
            FieldPath::root().key("tenants").key(&eff.name)
        };
        // The plan of each enabled detector.
        let tenant_min = match &eff.min_confidence {
            Some(c) => confidence(c).map_err(|m| self.err(PolicyErrorKind::InvalidValue, &c.path, m))?,
            None => 0.0,
        };
        let mut plans: HashMap<Box<str>, DetectorPlan> = HashMap::new();
        let mut pseudonym_at: Option<FieldPath> = None;
        for id in &enabled {
            let rule = eff.detectors.get(id);
            let min_confidence = match rule.and_then(|r| r.min_confidence.as_ref()) {
                Some(c) => confidence(c).map_err(|m| self.err(PolicyErrorKind::InvalidValue, &c.path, m))?,
                None => tenant_min,
            };
            let keep_last = rule.and_then(|r| r.keep_last.as_ref());
            let action = rule
                .and_then(|r| r.action.as_ref().map(|a| a.value))
                .or_else(|| import_action.get(id).copied())
                .unwrap_or(eff.default_action);
            let style = match rule.and_then(|r| r.redact.as_ref()) {
                // A token is the pseudonym, whatever the style says for redaction.
                _ if action == Action::Tokenize => {
                    if pseudonym_at.is_none() {
                        pseudonym_at = Some(match rule.and_then(|r| r.action.as_ref()) {
                            Some(a) => a.path.clone(),
                            None => tenant_path.key("default_action"),
                        });
                    }
                    Style::Pseudonym
                }
                None => Style::Label,
                Some(s) => {
                    if s.value == StyleName::Pseudonym && pseudonym_at.is_none() {
                        pseudonym_at = Some(s.path.clone());
                    }
                    match s.value {
                        StyleName::Mask => Style::Mask,
                        StyleName::Partial => Style::Partial { keep_last: keep_last.map_or(4, |k| k.value) },
                        StyleName::Label => Style::Label,
                        StyleName::Pseudonym => Style::Pseudonym,
                        StyleName::Remove => Style::Remove,
                    }
                }
            };
            if let Some(k) = keep_last {
                if !matches!(style, Style::Partial { .. }) {
                    return Err(self.err(
                        PolicyErrorKind::InvalidValue,
                        &k.path,
                        "keep_last applies only to redact = \"partial\"",
                    ));
                }
            }
            let direction = rule.and_then(|r| r.direction.as_ref().map(|d| d.value)).unwrap_or(Direction::Both);
            let report_examples = match rule.and_then(|r| r.report_examples.as_ref()) {
                Some(r) if dlpjet::Builtin::from_id(id).is_none() => {
                    return Err(self.err(
                        PolicyErrorKind::InvalidValue,
                        &r.path,
                        "report_examples applies only to built-in detectors",
                    ))
                }
                Some(r) => r.value,
                None => false,
            };
            plans.insert(
                id.as_str().into(),
                DetectorPlan { id: id.clone(), action, min_confidence, style, direction, report_examples },
            );
        }

        // Allowlists written in the policy.
        for a in &eff.allowlists {
            for (i, d) in a.value.detectors.iter().enumerate() {
                if !known(d) {
                    return Err(unknown(d, &a.path.key("detectors").index(i)));
                }
            }
            for (i, r) in a.value.regexes.iter().enumerate() {
                if let Err(e) = dlpjet::check_pattern(r) {
                    let p = a.path.key("regexes").index(i);
                    return Err(self.err(PolicyErrorKind::InvalidRegex, &p, format!("invalid regex: {e}")));
                }
            }
            let list = Allowlist::new()
                .detectors(a.value.detectors.iter().cloned())
                .values(a.value.values.iter().cloned())
                .regexes(a.value.regexes.iter().cloned());
            allowlists.push((list, a.path.clone()));
        }

        let key = match &pseudonym_at {
            None => None,
            Some(at) => Some(self.pseudonym_key(eff, at)?),
        };

        // One scanner per distinct detector set.
        let mut built: Vec<(Vec<String>, Arc<Lane>)> = Vec::new();
        let mut lanes = Vec::new();
        for way in [Direction::Inbound, Direction::Outbound, Direction::Both] {
            let ids: Vec<String> =
                enabled.iter().filter(|id| plans[id.as_str()].direction.covers(way)).cloned().collect();
            if let Some((_, lane)) = built.iter().find(|(v, _)| *v == ids) {
                lanes.push(lane.clone());
                continue;
            }
            let lane = self
                .lane(&ids, &universe, &allowlists, &plans, key.as_deref().map(Vec::as_slice))
                .map_err(|m| self.err(PolicyErrorKind::InvalidValue, &tenant_path, m))?;
            let lane = Arc::new(lane);
            built.push((ids, lane.clone()));
            lanes.push(lane);
        }
        let lanes: [Arc<Lane>; 3] = lanes.try_into().expect("three directions");
        let max_input_bytes = match &eff.max_input_bytes {
            Some(m) if m.value == 0 => {
                return Err(self.err(PolicyErrorKind::InvalidValue, &m.path, "max_input_bytes must be at least 1"));
            }
            Some(m) => Some(usize::try_from(m.value).unwrap_or(usize::MAX)),
            None => None,
        };
        Ok(Tenant {
            inner: Arc::new(TenantInner {
                name: eff.name.clone(),
                lanes,
                plans,
                default_action: eff.default_action,
                max_input_bytes,
                on_exceed: eff.on_exceed,
            }),
        })
    }

    /// A scanner running `ids` (all custom detectors defined, so allowlists may name them)
    /// and the redactor over it.
    fn lane(
        &self,
        ids: &[String],
        universe: &[(String, Option<Custom>, FieldPath)],
        allowlists: &[(Allowlist, FieldPath)],
        plans: &HashMap<Box<str>, DetectorPlan>,
        key: Option<&[u8]>,
    ) -> Result<Lane, String> {
        let min = ids.iter().map(|id| plans[id.as_str()].min_confidence).fold(1.0f32, f32::min);
        let mut b = Scanner::builder()
            .only(ids.iter().cloned())
            .min_confidence(if ids.is_empty() { 0.0 } else { min })
            .report_examples(ids.iter().filter(|id| plans[id.as_str()].report_examples).cloned());
        for (_, c, _) in universe {
            match c {
                Some(Custom::Regex(r)) => b = b.regex(r.clone()),
                Some(Custom::Dict(d)) => b = b.dictionary(d.clone()),
                None => {}
            }
        }
        for (a, _) in allowlists {
            b = b.allowlist(a.clone());
        }
        let scanner = b.build().map_err(|e| e.to_string())?;
        let mut r = Redactor::builder(scanner.clone());
        for id in ids {
            r = r.style(id.clone(), plans[id.as_str()].style);
        }
        if let Some(k) = key {
            r = r.pseudonym_key(k);
        }
        let redactor = r.build().map_err(|e| e.to_string())?;
        let mut actions: Vec<(usize, Action, f32)> =
            scanner.detectors().map(|id| (id.as_ptr() as usize, plans[id].action, plans[id].min_confidence)).collect();
        actions.sort_unstable_by_key(|a| a.0);
        Ok(Lane { scanner, redactor, actions })
    }

    fn regex(&self, id: &str, def: &At<RegexDef>) -> Result<CustomRegex, PolicyError> {
        let d = &def.value;
        let p = &def.path;
        let mut r = CustomRegex::new(id, d.pattern.as_str())
            .context(d.context.iter().cloned())
            .require_context(d.require_context)
            .keywords(d.keywords.iter().cloned());
        match (d.validator, d.entropy) {
            (Some(ValidatorName::Luhn), None) => r = r.validator(Validator::Luhn),
            (Some(ValidatorName::Mod97), None) => r = r.validator(Validator::Mod97),
            (Some(ValidatorName::Entropy), e) => r = r.validator(Validator::Entropy(e.unwrap_or(3.0))),
            (None, Some(e)) => r = r.validator(Validator::Entropy(e)),
            (Some(_), Some(_)) => {
                return Err(self.err(
                    PolicyErrorKind::InvalidValue,
                    &p.key("entropy"),
                    "entropy is the threshold of validator = \"entropy\" and cannot go with another validator",
                ));
            }
            (None, None) => {}
        }
        if let Some(g) = d.group {
            r = r.group(g);
        }
        if let Some(c) = d.confidence {
            r = r.confidence(c);
        }
        if let Some(m) = d.max_len {
            r = r.max_len(m);
        }
        r.check().map_err(|e| {
            let field = e.option().unwrap_or("pattern");
            let kind = if field == "pattern" { PolicyErrorKind::InvalidRegex } else { PolicyErrorKind::InvalidValue };
            let message = e.to_string();
            let message = message.strip_prefix(&format!("detector {id:?}: ")).unwrap_or(&message).to_string();
            self.err(kind, &p.key(field), message)
        })?;
        Ok(r)
    }

    fn dictionary(&self, id: &str, def: &At<DictDef>) -> Result<Dictionary, PolicyError> {
        let d = &def.value;
        let p = &def.path;
        let mut terms: Vec<String> = Vec::new();
        for (i, t) in d.terms.iter().enumerate() {
            if t.trim().is_empty() {
                return Err(self.err(PolicyErrorKind::InvalidDictionary, &p.key("terms").index(i), "empty term"));
            }
            terms.push(t.clone());
        }
        if let Some(f) = &d.file {
            let (full, bytes) = self.read(f, &p.key("file"))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                self.err(PolicyErrorKind::InvalidDictionary, &p.key("file"), format!("{} is not UTF-8", full.display()))
            })?;
            terms.extend(
                text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string),
            );
        }
        if terms.is_empty() {
            return Err(self.err(
                PolicyErrorKind::InvalidDictionary,
                p,
                "a dictionary needs `terms` or a `file` with terms",
            ));
        }
        let mut dict = Dictionary::new(id, terms)
            .case_insensitive(d.case_insensitive)
            .context(d.context.iter().cloned())
            .require_context(d.require_context);
        if let Some(c) = d.confidence {
            if !(0.0..=1.0).contains(&c) {
                return Err(self.err(
                    PolicyErrorKind::InvalidValue,
                    &p.key("confidence"),
                    "confidence must be within 0..=1",
                ));
            }
            dict = dict.confidence(c);
        }
        Ok(dict)
    }

    /// The tenant's pseudonym key: the configured key material, expanded with HKDF-SHA256
    /// under the tenant's name so that tenants sharing key material still get different tokens.
    fn pseudonym_key(&mut self, eff: &Effective, used_at: &FieldPath) -> Result<Zeroizing<Vec<u8>>, PolicyError> {
        let Some(src) = &eff.key else {
            return Err(self.err(
                PolicyErrorKind::MissingKey,
                used_at,
                "the pseudonym style and the tokenize action need `pseudonym_key = { env = \"VAR\" }` or `{ file = \"path\" }` in the policy",
            ));
        };
        let (cache_key, material) = match (&src.value.env, &src.value.file) {
            (Some(var), None) => {
                let k = format!("env:{var}");
                let m = match self.pseudonym_keys.get(&k) {
                    Some(m) => m.clone(),
                    None => match std::env::var_os(var) {
                        Some(v) => Zeroizing::new(v.into_encoded_bytes()),
                        None => {
                            let e = self.err(
                                PolicyErrorKind::MissingKey,
                                &src.path.key("env"),
                                format!("environment variable {var} is not set"),
                            );
                            match self.warnings.as_deref_mut() {
                                Some(w) => {
                                    w.push(format!("{e} (needed when the policy is used)"));
                                    Zeroizing::new(b"placeholder: the key variable is not set".to_vec())
                                }
                                None => return Err(e),
                            }
                        }
                    },
                };
                (k, m)
            }
            (None, Some(file)) => {
                let k = format!("file:{file}");
                let m = match self.pseudonym_keys.get(&k) {
                    Some(m) => m.clone(),
                    None => {
                        let (_, mut bytes) = self.read(file, &src.path.key("file"))?;
                        while bytes.last().is_some_and(u8::is_ascii_whitespace) {
                            bytes.pop();
                        }
                        Zeroizing::new(bytes)
                    }
                };
                (k, m)
            }
            _ => {
                return Err(self.err(
                    PolicyErrorKind::InvalidValue,
                    &src.path,
                    "pseudonym_key takes exactly one of `env` or `file`",
                ));
            }
        };
        if material.len() < 16 {
            return Err(self.err(
                PolicyErrorKind::MissingKey,
                &src.path,
                format!("the pseudonym key has {} bytes; at least 16 are needed", material.len()),
            ));
        }
        let mut okm = Zeroizing::new(vec![0u8; 32]);
        Hkdf::<Sha256>::new(Some(b"dlpjet pseudonym key v1"), &material)
            .expand(eff.name.as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        self.pseudonym_keys.insert(cache_key, material);
        Ok(okm)
    }
}

/// Adds custom detector `id` (defined at `path`) to the ids a tenant can name.
fn define(
    src: &Source<'_>,
    universe: &mut Vec<(String, Option<Custom>, FieldPath)>,
    id: &str,
    c: Custom,
    path: &FieldPath,
) -> Result<(), PolicyError> {
    dlpjet::check_detector_id(id).map_err(|e| src.error(PolicyErrorKind::InvalidValue, path, e.to_string()))?;
    if let Some((_, prev, prev_path)) = universe.iter().find(|(u, _, _)| u == id) {
        let what = if prev.is_none() { "a built-in detector".to_string() } else { prev_path.to_string() };
        return Err(src.error(
            PolicyErrorKind::DuplicateDetector,
            path,
            format!("detector id {id:?} is already defined by {what}"),
        ));
    }
    universe.push((id.to_string(), Some(c), path.clone()));
    Ok(())
}

fn confidence(c: &At<f32>) -> Result<f32, String> {
    if (0.0..=1.0).contains(&c.value) {
        Ok(c.value)
    } else {
        Err(format!("{} is outside 0..=1", c.value))
    }
}
