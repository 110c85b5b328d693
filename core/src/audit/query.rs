//! Reading an audit log back: filtered, streamed, as JSON lines or CSV for compliance systems.

use super::event::{AuditEvent, EventAction};
use super::format::{segments, Lines, Record};
use super::AuditError;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

/// Which events to read. Every set field must match.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// From this instant (microseconds since the epoch), inclusive.
    pub since: Option<i64>,
    /// Up to this instant, exclusive.
    pub until: Option<i64>,
    /// Events of this tenant.
    pub tenant: Option<String>,
    /// Events of this actor.
    pub actor: Option<String>,
    /// Events of this action.
    pub action: Option<EventAction>,
    /// Events with a finding of this detector.
    pub detector: Option<String>,
}

impl Filter {
    /// Whether `e` passes.
    pub fn matches(&self, e: &AuditEvent) -> bool {
        let t = e.micros().unwrap_or(i64::MIN);
        self.since.is_none_or(|s| t >= s)
            && self.until.is_none_or(|u| t < u)
            && self.tenant.as_deref().is_none_or(|x| e.tenant == x)
            && self.actor.as_deref().is_none_or(|x| e.actor.as_deref() == Some(x))
            && self.action.is_none_or(|a| e.action == a)
            && self.detector.as_deref().is_none_or(|d| e.dlp.iter().any(|r| r.detector == d))
    }
}

/// Calls `each(seq, event, exact JSON)` for every event in `dir` that passes `filter`, in
/// order, reading one line at a time. Returns how many passed. Damaged lines are errors (run
/// `verify` to locate tampering precisely); a torn last line is skipped.
pub fn query(
    dir: &Path,
    filter: &Filter,
    mut each: impl FnMut(u64, &AuditEvent, &str) -> std::io::Result<()>,
) -> Result<u64, AuditError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AuditError::Io { path, source }
    };
    let mut n = 0;
    for (_, path) in segments(dir).map_err(io(dir))? {
        let corrupt = |line: u64, reason: String| AuditError::Corrupt { path: path.clone(), line, reason };
        let mut lines = Lines::new(BufReader::new(File::open(&path).map_err(io(&path))?));
        // The header.
        lines.next_line().map_err(io(&path))?;
        while let Some(line) = lines.next_line().map_err(io(&path))? {
            let line = line.map_err(|(l, r)| corrupt(l, r))?;
            if line.torn || line.padding {
                break;
            }
            let r = Record::parse(&line.text).map_err(|e| corrupt(line.number, e))?;
            let e: AuditEvent = serde_json::from_str(r.event).map_err(|e| corrupt(line.number, e.to_string()))?;
            if filter.matches(&e) {
                each(r.seq, &e, r.event).map_err(io(Path::new("<output>")))?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The CSV columns [`write_csv_row`] writes.
pub const CSV_HEADER: &str = "seq,time,tenant,actor,action,target,policy_version,detectors,findings,model,provider,input_tokens,output_tokens,cost,status,client_ip,user_agent,request_id,latency_ms,details\n";

/// One event as a CSV row (RFC 4180 quoting). `detectors` is `id:count:action` joined by `;`;
/// `details` is a JSON object.
pub fn write_csv_row(out: &mut impl Write, seq: u64, e: &AuditEvent) -> std::io::Result<()> {
    let g = e.gateway.clone().unwrap_or_default();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let detectors: Vec<String> = e.dlp.iter().map(|r| format!("{}:{}:{}", r.detector, r.count, r.action)).collect();
    let fields = [
        seq.to_string(),
        e.time.clone(),
        e.tenant.clone(),
        opt(e.actor.clone()),
        e.action.as_str().to_string(),
        opt(e.target.clone()),
        opt(e.policy_version.clone()),
        detectors.join(";"),
        e.dlp.iter().map(|r| r.count).sum::<usize>().to_string(),
        opt(g.model),
        opt(g.provider),
        num(g.input_tokens),
        num(g.output_tokens),
        g.cost.map(|c| c.to_string()).unwrap_or_default(),
        g.status.map(|s| s.to_string()).unwrap_or_default(),
        opt(g.client_ip),
        opt(g.user_agent),
        opt(g.request_id),
        g.latency_ms.map(|l| l.to_string()).unwrap_or_default(),
        if e.details.is_empty() { String::new() } else { serde_json::to_string(&e.details).unwrap_or_default() },
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            out.write_all(f.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}
