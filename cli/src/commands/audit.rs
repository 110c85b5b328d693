//! `dlpjet audit …`: verify, query and checkpoint audit logs, make checkpoint keys.

use crate::args::{AuditArgs, AuditCommand, AuditFormat};
use anyhow::{anyhow, bail, Context};
use dlpjet_audit::{self as audit, AuditLog, Checkpoint, EventAction, Filter, Options, VerifyOptions};
use dlpjet_gateway::audit_record::CSV_COLUMNS;
use std::io::{BufRead, Write};
use std::path::Path;

pub fn run(a: AuditArgs) -> anyhow::Result<u8> {
    match a.command {
        AuditCommand::Verify(v) => {
            let mut opts = VerifyOptions { allow_unsigned_tail: v.allow_unsigned_tail, ..VerifyOptions::default() };
            if let Some(k) = &v.public_key {
                opts.public_key = Some(audit::read_verifying_key(k)?);
            }
            if !v.checkpoint.is_empty() && v.dirs.len() > 1 {
                bail!("--checkpoint holds one log's checkpoints: verify that log on its own");
            }
            for path in &v.checkpoint {
                let f = std::fs::File::open(path).with_context(|| path.display().to_string())?;
                for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
                    let line = line.with_context(|| path.display().to_string())?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let c: Checkpoint = serde_json::from_str(&line)
                        .with_context(|| format!("{}:{}: not a checkpoint", path.display(), i + 1))?;
                    opts.external.push(c);
                }
            }
            for dir in &v.dirs {
                if !dir.is_dir() {
                    bail!("{}: no such directory", dir.display());
                }
            }
            let mut out = std::io::stdout().lock();
            let mut failed = 0;
            for dir in &v.dirs {
                failed += verify_one(&mut out, dir, &opts, v.json)? as u8;
            }
            if failed > 0 && v.dirs.len() > 1 {
                eprintln!("dlpjet: {failed} of {} audit logs do not verify", v.dirs.len());
            }
            Ok(u8::from(failed > 0))
        }
        AuditCommand::Query(q) => {
            let time = |s: &Option<String>, what: &str| -> anyhow::Result<Option<i64>> {
                s.as_deref()
                    .map(|t| {
                        audit::parse_rfc3339(t).ok_or_else(|| {
                            anyhow!("--{what} {t:?}: not a date or an RFC 3339 UTC time (2026-11-23T10:00:00Z)")
                        })
                    })
                    .transpose()
            };
            let action = q
                .action
                .as_deref()
                .map(|a| EventAction::from_name(a).ok_or_else(|| anyhow!("--action {a:?}: unknown action")))
                .transpose()?;
            let filter = Filter {
                since: time(&q.since, "since")?,
                until: time(&q.until, "until")?,
                tenant: q.tenant,
                actor: q.actor,
                action,
                detector: q.detector,
            };
            for dir in &q.dirs {
                if !dir.is_dir() {
                    bail!("{}: no such directory", dir.display());
                }
            }
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            if let [dir] = &q.dirs[..] {
                if q.format == AuditFormat::Csv {
                    out.write_all(audit::csv_header(&CSV_COLUMNS).as_bytes())?;
                }
                audit::query(dir, &filter, |seq, e, raw| match q.format {
                    AuditFormat::Jsonl => writeln!(out, "{{\"seq\":{seq},\"event\":{raw}}}"),
                    AuditFormat::Csv => audit::write_csv_row(&mut out, seq, e, &CSV_COLUMNS),
                })?;
            } else {
                // Merged: each record names its log (as given on the command line).
                let names: Vec<String> = q.dirs.iter().map(|d| d.display().to_string()).collect();
                if q.format == AuditFormat::Csv {
                    write!(out, "log,{}", audit::csv_header(&CSV_COLUMNS))?;
                }
                audit::query_many(&q.dirs, &filter, |log, seq, e, raw| match q.format {
                    AuditFormat::Jsonl => {
                        writeln!(out, "{{\"log\":{},\"seq\":{seq},\"event\":{raw}}}", serde_json::json!(names[log]))
                    }
                    AuditFormat::Csv => {
                        write_csv_field(&mut out, &names[log])?;
                        out.write_all(b",")?;
                        audit::write_csv_row(&mut out, seq, e, &CSV_COLUMNS)
                    }
                })?;
            }
            out.flush()?;
            Ok(0)
        }
        AuditCommand::Checkpoint(c) => {
            let key = audit::read_signing_key(&c.key)?;
            if !c.dir.is_dir() {
                bail!("{}: no such directory", c.dir.display());
            }
            let log = AuditLog::open(&c.dir, Options { checkpoint_key: Some(key), ..Options::default() })?;
            let cp = log.checkpoint()?;
            log.close()?;
            println!("{}", serde_json::to_string(&cp)?);
            Ok(0)
        }
        AuditCommand::Keygen(k) => {
            let public = audit::write_key_pair(&k.file)?;
            println!("{}.pub: public key {}", k.file.display(), audit::key_id(&public));
            Ok(0)
        }
    }
}

/// Verifies one log and prints its report; returns whether it failed.
fn verify_one(out: &mut impl Write, dir: &Path, opts: &VerifyOptions, json: bool) -> anyhow::Result<bool> {
    match audit::verify(dir, opts) {
        Ok(r) => {
            if json {
                let doc = serde_json::json!({
                    "dir": dir.display().to_string(), "ok": true, "first_seq": r.first_seq, "records": r.records,
                    "segments": r.segments, "checkpoints": r.checkpoints, "root": r.root, "chain": r.chain,
                    "warnings": r.warnings,
                });
                writeln!(out, "{doc}")?;
            } else {
                writeln!(
                    out,
                    "{}: ok: {} records ({}..{}) in {} segments, {} checkpoints matched\nroot {}",
                    dir.display(),
                    r.records,
                    r.first_seq,
                    (r.first_seq + r.records).saturating_sub(1),
                    r.segments,
                    r.checkpoints,
                    r.root
                )?;
                for w in &r.warnings {
                    writeln!(out, "warning: {w}")?;
                }
            }
            Ok(false)
        }
        Err(e) => {
            if json {
                let doc = serde_json::json!({
                    "dir": dir.display().to_string(), "ok": false, "path": e.path.display().to_string(),
                    "line": e.line, "seq": e.seq, "reason": e.reason,
                });
                writeln!(out, "{doc}")?;
            }
            eprintln!("dlpjet: audit log does not verify: {e}");
            Ok(true)
        }
    }
}

/// One CSV field, quoted as `write_csv_row` quotes.
fn write_csv_field(out: &mut impl Write, f: &str) -> std::io::Result<()> {
    if f.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", f.replace('"', "\"\""))
    } else {
        out.write_all(f.as_bytes())
    }
}
