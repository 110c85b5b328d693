//! `dlpjet policy check`: validate a policy file and print what it compiles to;
//! `dlpjet policy explain`: why each candidate in some files was reported or not.

use crate::args::{PolicyCheckArgs, PolicyExplainArgs};
use anyhow::Context;
use dlpjet::DetectorStats;
use dlpjet_policy::{Direction, PolicySet, Tenant};
use std::io::Write;

pub fn check(a: PolicyCheckArgs) -> anyhow::Result<u8> {
    // The error names the file, line, column and field already.
    // Runtime secrets (pseudonym key variables) are not needed to check a file: an unset one
    // is a warning on stderr, and loading the policy for use still requires it.
    let (set, warnings) = PolicySet::check(&a.file).map_err(anyhow::Error::msg)?;
    for w in &warnings {
        eprintln!("dlpjet: warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &json(&set))?;
        writeln!(out)?;
        return Ok(0);
    }
    let n = set.tenants().count();
    writeln!(out, "{}: valid, {n} tenant{}", a.file.display(), if n == 1 { "" } else { "s" })?;
    for r in set.imports() {
        writeln!(
            out,
            "import {}: {} rules, {} loaded, {} skipped",
            r.path.display(),
            r.rules,
            r.loaded.len(),
            r.skipped.len()
        )?;
        for (id, why) in &r.skipped {
            writeln!(out, "  skipped {id}: {why}")?;
        }
        for (id, what) in &r.parts {
            writeln!(out, "  part of {id}: {what}")?;
        }
        for n in &r.notes {
            writeln!(out, "  note: {n}")?;
        }
    }
    for t in set.tenants() {
        writeln!(out)?;
        let limit = match t.limit() {
            Some((n, on)) => format!("{n} bytes, then {on:?}").to_lowercase(),
            None => "none".into(),
        };
        writeln!(out, "tenant {}: default action {}, size limit {limit}", t.name(), t.default_action())?;
        let counts = |d| t.scanner(d).detectors().count();
        writeln!(
            out,
            "  detectors: {} inbound, {} outbound, {} in all",
            counts(Direction::Inbound),
            counts(Direction::Outbound),
            counts(Direction::Both)
        )?;
        for p in t.plans() {
            writeln!(
                out,
                "  {:<28} {:<7} min {:<4} {:<8} {}",
                p.id,
                p.action.as_str(),
                p.min_confidence,
                p.direction.as_str(),
                p.style
            )?;
        }
    }
    Ok(0)
}

fn json(set: &PolicySet) -> serde_json::Value {
    let tenant = |t: &Tenant| {
        serde_json::json!({
            "name": t.name(),
            "default_action": t.default_action().as_str(),
            "limit": t.limit().map(|(n, on)| serde_json::json!({"max_input_bytes": n, "on_exceed": format!("{on:?}").to_lowercase()})),
            "detectors": t.plans().iter().map(|p| serde_json::json!({
                "id": p.id, "action": p.action.as_str(), "min_confidence": p.min_confidence,
                "direction": p.direction.as_str(), "redact": p.style.to_string(),
            })).collect::<Vec<_>>(),
        })
    };
    serde_json::json!({
        "file": set.file().map(|f| f.display().to_string()),
        "tenants": set.tenants().map(tenant).collect::<Vec<_>>(),
        "imports": set.imports().iter().map(|r| serde_json::json!({
            "path": r.path.display().to_string(), "rules": r.rules, "loaded": r.loaded.len(),
            "skipped": r.skipped.iter().map(|(id, why)| serde_json::json!({"id": id, "reason": why})).collect::<Vec<_>>(),
            "parts": r.parts.iter().map(|(id, what)| serde_json::json!({"id": id, "part": what})).collect::<Vec<_>>(),
            "notes": r.notes,
        })).collect::<Vec<_>>(),
    })
}

pub fn explain(a: PolicyExplainArgs) -> anyhow::Result<u8> {
    let set = PolicySet::load(&a.policy).map_err(anyhow::Error::msg)?;
    let tenant = set.tenant(&a.tenant).map_err(anyhow::Error::msg)?;
    let scanner = tenant.scanner(crate::detection::direction(a.direction));
    let mut out = std::io::stdout().lock();
    let mut totals: Vec<DetectorStats> = Vec::new();
    for file in &a.files {
        let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let explained = scanner.explain(&text);
        if !a.stats {
            for e in &explained {
                writeln!(out, "{}:{}", file.display(), e.describe(&text))?;
            }
            continue;
        }
        for s in DetectorStats::of(&explained) {
            match totals.iter_mut().find(|t| t.detector == s.detector) {
                Some(t) => t.add(&s),
                None => totals.push(s),
            }
        }
    }
    if a.stats {
        totals.sort_by(|x, y| y.candidates.cmp(&x.candidates).then(x.detector.cmp(&y.detector)));
        writeln!(
            out,
            "{:<40} {:>10} {:>8} {:>7} {:>10} {:>11} {:>10} {:>7} {:>6}",
            "DETECTOR",
            "CANDIDATES",
            "REPORTED",
            "ENTROPY",
            "VALIDATION",
            "ALLOWLISTED",
            "NO-KEYWORD",
            "EXAMPLE",
            "OTHER"
        )?;
        for t in &totals {
            writeln!(
                out,
                "{:<40} {:>10} {:>8} {:>7} {:>10} {:>11} {:>10} {:>7} {:>6}",
                t.detector,
                t.candidates,
                t.reported,
                t.entropy,
                t.validation,
                t.allowlisted,
                t.no_keyword,
                t.example,
                t.other
            )?;
        }
    }
    Ok(0)
}
