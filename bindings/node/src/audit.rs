//! The audit log from Node: record decisions and administrative events, verify and query.

use crate::{bytes_of, decision, fail, guard, invalid, JsDecision, NativeScanner};
use dlpjet_audit::{self as audit, AuditEvent, AuditLog, Durability, EventAction, Filter, Fingerprinter, Options};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

fn audit_error(e: audit::AuditError) -> Error {
    fail("DLPJET_AUDIT", e.to_string(), json!({}))
}

fn action(name: &str) -> Result<EventAction> {
    EventAction::from_name(name).ok_or_else(|| invalid(format!("unknown audit action {name:?}")))
}

/// What an event records besides its tenant and action.
#[napi(object)]
pub struct EventFields {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub policy_version: Option<String>,
    pub details: Option<BTreeMap<String, String>>,
}

fn fill(e: &mut AuditEvent, f: Option<EventFields>) {
    if let Some(f) = f {
        e.actor = f.actor;
        e.target = f.target;
        e.policy_version = f.policy_version;
        e.details = f.details.unwrap_or_default();
    }
}

/// An audit log open for appending. Build it through `AuditLog` in `index.js`.
#[napi]
pub struct NativeAuditLog {
    log: AuditLog,
    fingerprints: Option<Fingerprinter>,
}

#[napi]
impl NativeAuditLog {
    #[napi(factory, catch_unwind)]
    pub fn open(
        env: Env,
        path: String,
        durability: String,
        key_file: Option<String>,
        salt: Option<Buffer>,
        checkpoint_every: Option<u32>,
    ) -> Result<NativeAuditLog> {
        guard(&env, || {
            let durability = match durability.as_str() {
                "group" => Durability::GroupCommit,
                "fsync" => Durability::Fsync,
                "buffered" => Durability::Buffered { interval: Duration::from_millis(100) },
                other => {
                    return Err(invalid(format!(
                        "durability must be \"group\", \"fsync\" or \"buffered\", not {other:?}"
                    )))
                }
            };
            let checkpoint_key =
                key_file.map(|k| audit::read_signing_key(k.as_ref())).transpose().map_err(audit_error)?;
            let fingerprints = salt.map(|s| Fingerprinter::new(&s)).transpose().map_err(invalid)?;
            let opts = Options {
                durability,
                checkpoint_key,
                checkpoint_every: checkpoint_every.map_or(10_000, u64::from),
                ..Options::default()
            };
            Ok(NativeAuditLog { log: AuditLog::open(&path, opts).map_err(audit_error)?, fingerprints })
        })
    }

    /// Applies the scanner's policy, records the decision (never the values) and returns it.
    #[napi(catch_unwind)]
    pub fn evaluate(
        &self,
        env: Env,
        scanner: &NativeScanner,
        input: Either<String, Buffer>,
        direction: u32,
        fields: Option<EventFields>,
    ) -> Result<JsDecision> {
        guard(&env, || {
            let d = crate::direction(direction)?;
            let fp = self
                .fingerprints
                .as_ref()
                .ok_or_else(|| invalid("recording decisions needs a salt for the fingerprints".into()))?;
            let (hay, text) = bytes_of(&input);
            let dec = scanner.tenant_ref().evaluate(d, hay);
            let mut e = AuditEvent::decision(scanner.tenant_ref().name(), &dec, hay, fp);
            fill(&mut e, fields);
            self.log.append(&e).map_err(audit_error)?;
            Ok(decision(&dec, hay, text))
        })
    }

    /// Records an administrative event; returns its sequence number.
    #[napi(catch_unwind)]
    pub fn append(&self, env: Env, tenant: String, action: String, fields: Option<EventFields>) -> Result<i64> {
        guard(&env, || {
            let mut e = AuditEvent::new(tenant, self::action(&action)?);
            fill(&mut e, fields);
            self.log.append(&e).map(|s| s as i64).map_err(audit_error)
        })
    }

    /// A signed checkpoint of everything so far, as JSON text (to keep elsewhere).
    #[napi(catch_unwind)]
    pub fn checkpoint(&self, env: Env) -> Result<String> {
        guard(&env, || {
            let c = self.log.checkpoint().map_err(audit_error)?;
            serde_json::to_string(&c).map_err(|e| invalid(e.to_string()))
        })
    }

    #[napi(getter)]
    pub fn length(&self) -> i64 {
        self.log.len() as i64
    }

    #[napi(catch_unwind)]
    pub fn close(&self, env: Env) -> Result<()> {
        guard(&env, || self.log.close().map_err(audit_error))
    }
}

/// Verifies a log; the report as JSON text, or a DLPJET_AUDIT_INVALID error naming the first
/// bad record.
#[napi(catch_unwind)]
pub fn audit_verify(
    env: Env,
    path: String,
    public_key: Option<String>,
    checkpoints: Option<Vec<String>>,
    allow_unsigned_tail: Option<bool>,
) -> Result<String> {
    guard(&env, || {
        let mut opts = audit::VerifyOptions {
            allow_unsigned_tail: allow_unsigned_tail.unwrap_or(false),
            ..audit::VerifyOptions::default()
        };
        if let Some(k) = public_key {
            opts.public_key = Some(audit::read_verifying_key(k.as_ref()).map_err(audit_error)?);
        }
        for c in checkpoints.unwrap_or_default() {
            opts.external.push(serde_json::from_str(&c).map_err(|e| invalid(format!("not a checkpoint: {e}")))?);
        }
        match audit::verify(path.as_ref(), &opts) {
            Ok(r) => Ok(json!({
                "records": r.records, "firstSeq": r.first_seq, "segments": r.segments, "checkpoints": r.checkpoints,
                "root": r.root, "chain": r.chain, "warnings": r.warnings,
            })
            .to_string()),
            Err(e) => Err(fail(
                "DLPJET_AUDIT_INVALID",
                format!("audit log does not verify: {e}"),
                json!({"path": e.path.display().to_string(), "line": e.line, "seq": e.seq, "reason": e.reason}),
            )),
        }
    })
}

/// Filters for `auditQuery`.
#[napi(object)]
pub struct QueryFilter {
    pub since: Option<String>,
    pub until: Option<String>,
    pub tenant: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub detector: Option<String>,
}

/// The matching events as JSON lines (`{"seq":…,"event":{…}}`).
#[napi(catch_unwind)]
pub fn audit_query(env: Env, path: String, filter: Option<QueryFilter>) -> Result<String> {
    guard(&env, || {
        let f = filter.unwrap_or(QueryFilter {
            since: None,
            until: None,
            tenant: None,
            actor: None,
            action: None,
            detector: None,
        });
        let time = |t: Option<String>, what: &str| -> Result<Option<i64>> {
            t.map(|t| {
                audit::parse_rfc3339(&t)
                    .ok_or_else(|| invalid(format!("{what} {t:?} is not an RFC 3339 UTC time or a date")))
            })
            .transpose()
        };
        let filter = Filter {
            since: time(f.since, "since")?,
            until: time(f.until, "until")?,
            tenant: f.tenant,
            actor: f.actor,
            action: f.action.as_deref().map(action).transpose()?,
            detector: f.detector,
        };
        let mut out = String::new();
        audit::query(path.as_ref(), &filter, |seq, _, raw| {
            out.push_str(&format!("{{\"seq\":{seq},\"event\":{raw}}}\n"));
            Ok(())
        })
        .map_err(audit_error)?;
        Ok(out)
    })
}

/// Makes a checkpoint key pair (`path`, `path.pub`); returns the key id.
#[napi(catch_unwind)]
pub fn audit_keygen(env: Env, path: String) -> Result<String> {
    guard(&env, || Ok(audit::key_id(&audit::write_key_pair(path.as_ref()).map_err(audit_error)?)))
}
