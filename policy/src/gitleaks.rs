//! Imports gitleaks rule files (`[[rules]]` with `id`, `regex`, `keywords`, `entropy`,
//! `secretGroup` and allowlists) as custom detectors.
//!
//! What carries over and what does not:
//! * `regex` becomes a [`CustomRegex`]; the secret is `secretGroup` when given, otherwise the
//!   first capture group when the regex has one (as gitleaks does), otherwise the whole match.
//!   The longest match is the regex's own bound, capped at 8 KiB.
//! * `keywords` become the detector's keywords (one must occur in or near the match).
//! * `entropy` becomes the entropy validator on the secret.
//! * allowlist `regexes` and `stopwords` (as [`Allowlist::words`]) become per-rule
//!   [`Allowlist`]s on the secret; the global `[allowlist]` applies to every imported rule.
//!   `regexTarget = "match"` or `"line"` is applied to the secret instead (noted in the report).
//! * Betterleaks' extensions (`filter`, `validate`, `required`, `skipReport`, the file-wide
//!   `filter` and `prefilter`) are read as the `betterleaks` module says; every part left out
//!   is reported by rule id in [`ImportReport::parts`].
//! * `path` filters and `paths` allowlists are about file names, which a content scanner
//!   does not see: rules that match only paths are skipped, path filters are ignored (noted).
//!
//! Rules whose regex does not compile here are skipped with the compiler's reason; the rest
//! load. The [`ImportReport`] says which is which.

use super::betterleaks;
use dlpjet::{Allowlist, CustomRegex, Validator, MAX_MAX_LEN};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GlFile {
    #[serde(default)]
    rules: Vec<GlRule>,
    allowlist: Option<GlAllow>,
    #[serde(default)]
    allowlists: Vec<GlAllow>,
    extend: Option<toml::Value>,
    /// Betterleaks: a CEL expression over the file path that skips a file.
    prefilter: Option<String>,
    /// Betterleaks: a CEL expression that drops any rule's finding.
    filter: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GlRule {
    id: String,
    regex: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<GlAllow>,
    #[serde(default)]
    allowlists: Vec<GlAllow>,
    /// Betterleaks: a CEL expression that drops the rule's finding.
    filter: Option<String>,
    /// Betterleaks: live verification of a finding against its vendor's API.
    validate: Option<toml::Value>,
    /// Betterleaks: other rules that must match nearby (a composite rule).
    required: Option<Vec<toml::Value>>,
    /// Betterleaks: a rule only other rules require, never reported itself.
    #[serde(default)]
    skip_report: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GlAllow {
    #[serde(default)]
    regexes: Vec<String>,
    regex_target: Option<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
}

/// Overlap rank of imported catch-all rules (`generic-api-key`): above the built-in
/// generic_secret, below everything specific.
const GENERIC_RANK: u8 = 25;
/// Overlap rank of the other imported rules: that of custom detectors.
const SPECIFIC_RANK: u8 = 85;

/// What an import of a gitleaks rule file loaded and what it left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The rule file.
    pub path: PathBuf,
    /// How many `[[rules]]` the file has.
    pub rules: usize,
    /// Ids (with the import's prefix) of the rules that loaded as detectors.
    pub loaded: Vec<String>,
    /// Rules that did not load: id and why.
    pub skipped: Vec<(String, String)>,
    /// Parts of loaded rules left out or applied differently: rule id and what.
    pub parts: Vec<(String, String)>,
    /// What applies to the whole file differently here or not at all.
    pub notes: Vec<String>,
}

/// The detectors and allowlists of one imported file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Imported {
    pub regexes: Vec<CustomRegex>,
    pub allowlists: Vec<Allowlist>,
    pub report: ImportReport,
}

/// Reads a gitleaks rule file's text. `Err` is the parser's message when it is not one.
pub(crate) fn import(text: &str, path: PathBuf, prefix: &str) -> Result<Imported, String> {
    let file: GlFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().replace('\n', " "))?;
    let mut out =
        Imported { report: ImportReport { path, rules: file.rules.len(), ..Default::default() }, ..Default::default() };
    if file.extend.is_some() {
        out.report.notes.push("`[extend]` is not followed: only this file's rules are imported".into());
    }
    let mut notes = Notes::default();
    for rule in &file.rules {
        let id = format!("{prefix}{}", rule.id);
        if dlpjet::Builtin::from_id(&id).is_some() {
            let why = format!("id {id:?} is a built-in detector, which covers it; set `prefix` to load the rule too");
            out.report.skipped.push((id, why));
            continue;
        }
        let Some(regex) = &rule.regex else {
            out.report.skipped.push((id, "matches file paths only; dlpjet scans content".into()));
            continue;
        };
        if rule.skip_report {
            let why = "`skipReport`: a part of composite rules that is never reported on its own";
            out.report.skipped.push((id, why.into()));
            continue;
        }
        let regex = go_compat(regex);
        // Catch-all rules give way to specific ones on the same bytes, like the built-in
        // generic_secret does.
        let rank = if rule.id.starts_with("generic") { GENERIC_RANK } else { SPECIFIC_RANK };
        let det = CustomRegex::new(&id, regex.as_str()).rank(rank).keywords(rule.keywords.iter().cloned());
        // Parsed and compiled once here; the check and the build below reuse it.
        let (_, longest, groups) = match det.bounds() {
            Ok(b) => b,
            Err(e) => {
                out.report.skipped.push((id, format!("regex does not parse: {}", one_line(&e.to_string()))));
                continue;
            }
        };
        let mut det = det.max_len(longest.unwrap_or(MAX_MAX_LEN).clamp(1, MAX_MAX_LEN));
        if let Some(g) = rule.secret_group.filter(|&g| g > 0) {
            det = det.group(g);
        } else if groups > 0 {
            det = det.group(1);
        }
        let mut entropy = rule.entropy.map(|e| e as f32);
        let (mut filter_allow, mut filter_substrings) = (Vec::new(), Vec::new());
        if let Some(expr) = &rule.filter {
            let f = betterleaks::filter(expr);
            entropy = match (entropy, f.entropy) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            filter_allow = f.allow_regexes;
            filter_substrings = f.allow_substrings;
            for t in f.left_out {
                out.report.parts.push((id.clone(), format!("filter term left out (reports more): {t}")));
            }
        }
        if let Some(e) = entropy {
            det = det.validator(Validator::Entropy(e));
        }
        if rule.validate.is_some() {
            let what = "`validate` left out: dlpjet makes no network calls, findings are not verified live";
            out.report.parts.push((id.clone(), what.into()));
        }
        if let Some(req) = &rule.required {
            let ids: Vec<String> =
                req.iter().filter_map(|r| r.get("id").and_then(|v| v.as_str()).map(str::to_string)).collect();
            out.report.parts.push((
                id.clone(),
                format!("`required` left out (reports more): reported without {} nearby", ids.join(", ")),
            ));
        }
        if let Err(e) = det.check() {
            out.report.skipped.push((id, e.to_string()));
            continue;
        }
        if rule.path.is_some() {
            notes.paths += 1;
        }
        for a in rule.allowlist.iter().chain(&rule.allowlists) {
            if let Some(list) = allowlist(a, Some(&id), &mut notes) {
                out.allowlists.push(list);
            }
        }
        let filter_list = GlAllow { regexes: filter_allow, ..GlAllow::default() };
        if let Some(list) = allowlist(&filter_list, Some(&id), &mut notes) {
            out.allowlists.push(list);
        }
        if !filter_substrings.is_empty() {
            out.allowlists.push(Allowlist::new().detectors([id.clone()]).substrings(filter_substrings));
        }
        out.report.loaded.push(id);
        out.regexes.push(det);
    }
    let mut file_lists: Vec<GlAllow> = file.allowlist.iter().chain(&file.allowlists).cloned().collect();
    let mut file_substrings = Vec::new();
    if let Some(expr) = &file.filter {
        let f = betterleaks::filter(expr);
        file_lists.push(GlAllow { regexes: f.allow_regexes, ..GlAllow::default() });
        if !f.allow_substrings.is_empty() {
            file_substrings = f.allow_substrings;
        }
        if f.entropy.is_some() {
            out.report.notes.push("the file-wide filter's entropy bound is left out (reports more)".into());
        }
        for t in f.left_out {
            out.report.notes.push(format!("file-wide filter term left out (reports more): {t}"));
        }
    }
    if file.prefilter.is_some() {
        out.report.notes.push("the file-wide `prefilter` (on file paths) does not apply to content".into());
    }
    for a in file_lists.iter().filter(|_| !out.report.loaded.is_empty()) {
        if let Some(list) = allowlist(a, None, &mut notes) {
            out.allowlists.push(list.detectors(out.report.loaded.iter().cloned()));
        }
    }
    if !file_substrings.is_empty() && !out.report.loaded.is_empty() {
        let list = Allowlist::new().substrings(file_substrings).detectors(out.report.loaded.iter().cloned());
        out.allowlists.push(list);
    }
    if notes.paths > 0 {
        out.report.notes.push(format!("{} path filters or path allowlists ignored (content scan)", notes.paths));
    }
    if notes.targets > 0 {
        out.report.notes.push(format!(
            "{} allowlists with regexTarget \"match\" or \"line\" are applied to the secret",
            notes.targets
        ));
    }
    for r in notes.bad_regexes {
        out.report.notes.push(format!("allowlist regex {r:?} does not compile and is left out"));
    }
    Ok(out)
}

#[derive(Default)]
struct Notes {
    paths: usize,
    targets: usize,
    bad_regexes: Vec<String>,
}

/// The content part of a gitleaks allowlist, for rule `id` (or every rule).
fn allowlist(a: &GlAllow, id: Option<&str>, notes: &mut Notes) -> Option<Allowlist> {
    if !a.paths.is_empty() || !a.commits.is_empty() {
        notes.paths += 1;
    }
    if a.regex_target.as_deref().is_some_and(|t| t != "secret") && !a.regexes.is_empty() {
        notes.targets += 1;
    }
    let mut regexes = Vec::new();
    for r in &a.regexes {
        let r = go_compat(r);
        match dlpjet::check_pattern(&r) {
            Ok(_) => regexes.push(r),
            Err(_) => notes.bad_regexes.push(r.clone()),
        }
    }
    if regexes.is_empty() && a.stopwords.is_empty() {
        return None;
    }
    // Stopwords are substrings in any case: one automaton, not a case-insensitive regex of
    // hundreds of words (whose lazy DFA rebuilt its states for nearly every value).
    let list = Allowlist::new().regexes(regexes).words(a.stopwords.iter().cloned());
    Some(match id {
        Some(id) => list.detectors([id]),
        None => list,
    })
}

/// A Go (RE2) pattern as this engine reads it: `\w`, `\d`, `\s` and `\b` ASCII-only like Go's
/// (which also keeps the automata small), and a `{` that does not start a repetition (`{2}`,
/// `{2,}`, `{2,5}`) taken literally, as Go takes it.
fn go_compat(pattern: &str) -> String {
    const W: &str = "0-9A-Za-z_";
    const D: &str = "0-9";
    const S: &str = r"\t\n\f\r ";
    let b = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 16);
    let (mut i, mut class) = (0, false);
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() {
            let e = b[i + 1];
            let set = match e.to_ascii_lowercase() {
                b'w' => Some(W),
                b'd' => Some(D),
                b's' => Some(S),
                _ => None,
            };
            match (set, e.is_ascii_uppercase(), class) {
                (Some(s), false, true) => out.push_str(s),
                (Some(s), false, false) => out.push_str(&format!("[{s}]")),
                (Some(s), true, _) => out.push_str(&format!("[^{s}]")),
                (None, ..) if e == b'b' || e == b'B' => out.push_str(&format!("(?-u:\\{})", e as char)),
                (None, ..) => {
                    let n = pattern[i + 1..].chars().next().map_or(0, char::len_utf8);
                    out.push_str(&pattern[i..i + 1 + n]);
                    i += 1 + n;
                    continue;
                }
            }
            i += 2;
            continue;
        }
        match c {
            b'[' if !class => {
                class = true;
                // A `]` right after `[` or `[^` is a literal member, not the end.
                let start = if b.get(i + 1) == Some(&b'^') { i + 2 } else { i + 1 };
                out.push_str(&pattern[i..start]);
                i = start;
                if b.get(i) == Some(&b']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            b']' if class => class = false,
            b'{' if !class && !is_repetition(&b[i..]) => {
                out.push_str("\\{");
                i += 1;
                continue;
            }
            _ => {}
        }
        let n = pattern[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&pattern[i..i + n]);
        i += n;
    }
    out
}

/// Whether `s` (starting at `{`) is a counted repetition.
fn is_repetition(s: &[u8]) -> bool {
    let Some(close) = s.iter().position(|&c| c == b'}') else { return false };
    let inner = &s[1..close];
    let mut parts = inner.splitn(2, |&c| c == b',');
    let lo = parts.next().unwrap_or_default();
    let hi = parts.next();
    !lo.is_empty() && lo.iter().all(u8::is_ascii_digit) && hi.is_none_or(|h| h.iter().all(u8::is_ascii_digit))
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_patterns_keep_repetitions_and_escape_literal_braces() {
        assert_eq!(go_compat(r"a{2,5}b{3}c{1,}"), r"a{2,5}b{3}c{1,}");
        assert_eq!(go_compat(r"^\$(?:\d+|{\d+})$"), r"^\$(?:[0-9]+|\{[0-9]+})$");
        assert_eq!(go_compat(r"[{}]x{"), r"[{}]x\{");
        assert_eq!(go_compat(r"\{a}"), r"\{a}");
        assert_eq!(go_compat(r"\b[\w.-]\S[^\s]"), r"(?-u:\b)[0-9A-Za-z_.-][^\t\n\f\r ][^\t\n\f\r ]");
        assert_eq!(go_compat(r"[]a]"), r"[\]a]");
        assert!(dlpjet::check_pattern(&go_compat(r"import[ \t]+{[ \t\w,]+}[ \t]+from")).is_ok());
    }

    #[test]
    fn rules_load_as_detectors_with_their_group_keywords_and_entropy() {
        let text = r#"
            [[rules]]
            id = "demo-token"
            regex = '''(?i)demo[_-]?token\s*=\s*([a-z0-9]{16})'''
            keywords = ["demo"]
            entropy = 3.0
            [[rules.allowlists]]
            stopwords = ["aaaabbbbccccdddd"]
            [[rules]]
            id = "paths-only"
            path = '''\.p12$'''
        "#;
        let imp = import(text, PathBuf::from("rules.toml"), "gl.").unwrap();
        assert_eq!(imp.report.loaded, ["gl.demo-token"]);
        assert_eq!(imp.report.skipped.len(), 1);
        let scanner = dlpjet::Scanner::builder()
            .only(["gl.demo-token"])
            .regex(imp.regexes[0].clone())
            .allowlist(imp.allowlists[0].clone())
            .build()
            .unwrap();
        let hay = b"demo_token = q8Zr2kLm9XwP4vTn and DEMO-TOKEN=aaaabbbbccccdddd";
        let found = scanner.scan(hay);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].bytes(hay), b"q8Zr2kLm9XwP4vTn");
    }
}
