//! The activity pages: the audit records as a table (newest first, filtered and paged on the
//! server), one record's detail, exports of the current filter, and the log's verification.

use super::ctx::Ctx;
use super::error::ConsoleError;
use super::html::{esc, url};
use super::index::{Query, Row, PAGE};
use crate::audit_record::{GatewayRecord, CSV_COLUMNS};
use crate::server::reply::{Body, ChannelBody};
use bytes::Bytes;
use dlpjet_audit::{format_rfc3339, parse_rfc3339, EventAction, VerifyOptions};
use http_body_util::BodyExt;
use hyper::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use std::fmt::Write as _;
use std::time::Instant;

use super::request::Form;

/// The filter fields, as the form names them.
const FIELDS: [&str; 8] = ["user", "key", "action", "detector", "model", "status", "from", "to"];

/// The query the form asks for, scoped to what the visitor may see; or what is wrong with it.
pub fn query_of(ctx: &Ctx<'_>, f: &Form) -> Result<Query, ConsoleError> {
    let mut q = Query { tenant: ctx.tenant.to_string(), ..Query::default() };
    q.user = f.get("user").map(str::to_string);
    q.key = f.get("key").map(str::to_string);
    q.model = f.get("model").map(str::to_string);
    q.detector = f.get("detector").map(str::to_string);
    if let Some(a) = f.get("action") {
        if EventAction::from_name(a).is_none() {
            let names: Vec<&str> = EventAction::ALL.iter().map(|a| a.as_str()).collect();
            return Err(ConsoleError::Invalid(format!("action {a:?}: one of {}", names.join(", "))));
        }
        q.action = Some(a.to_string());
    }
    if let Some(s) = f.get("status") {
        q.status = Some(
            s.parse()
                .ok()
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| ConsoleError::Invalid(format!("status {s:?}: an HTTP status code, 100 to 599")))?,
        );
    }
    q.since = f.get("from").map(|d| date(d, "from", false)).transpose()?;
    q.until = f.get("to").map(|d| date(d, "to", true)).transpose()?;
    if let (Some(a), Some(b)) = (q.since, q.until) {
        if a >= b {
            return Err(ConsoleError::Invalid("from: must be before to".into()));
        }
    }
    // A member sees their own records only, whatever the form says.
    if !ctx.admin() {
        q.user = Some(ctx.visitor.email.clone());
    }
    Ok(q)
}

/// A date (`2026-12-06`, the whole day; `to` includes it) or an RFC 3339 time, in
/// microseconds.
fn date(s: &str, field: &str, end: bool) -> Result<i64, ConsoleError> {
    let bad = || ConsoleError::Invalid(format!("{field} {s:?}: a date (2026-12-06) or a time (2026-12-06T10:00:00Z)"));
    if s.len() == 10 {
        let t = parse_rfc3339(&format!("{s}T00:00:00Z")).ok_or_else(bad)?;
        return Ok(if end { t + 86_400_000_000 } else { t });
    }
    parse_rfc3339(s).ok_or_else(bad)
}

/// The activity table.
pub fn page(ctx: &Ctx<'_>, f: &Form) -> Result<Response<Body>, ConsoleError> {
    let started = Instant::now();
    ctx.console.index.fresh()?;
    let (q, problem) = match query_of(ctx, f) {
        Ok(q) => (Some(q), None),
        Err(ConsoleError::Invalid(m)) => (None, Some(m)),
        Err(e) => return Err(e),
    };
    let after = f.get("after").map(cursor).transpose()?;
    let mut b = String::new();
    b.push_str(&status_line(ctx));
    b.push_str(&filter_form(ctx, f));
    if let Some(p) = &problem {
        let _ = write!(b, r#"<p class="error" role="alert" id="filter-error">{}</p>"#, esc(p));
    }
    if let Some(q) = &q {
        let (rows, more) = ctx.console.index.page(q, after, PAGE)?;
        let filter = filter_params(ctx, f);
        let _ = write!(
            b,
            r#"<p class="note">Export this filter: <a id="export-csv" href="/activity.csv?{filter}">CSV</a> · <a id="export-jsonl" href="/activity.jsonl?{filter}">JSON lines</a></p>"#
        );
        b.push_str(&table(ctx, &rows));
        b.push_str(r#"<div class="pager">"#);
        if after.is_some() {
            let _ = write!(b, r#"<a href="/activity?{filter}" id="newest">Newest</a>"#);
        }
        if let (true, Some(last)) = (more, rows.last()) {
            let _ =
                write!(b, r#"<a href="/activity?{filter}&amp;after={}.{}" id="older">Older</a>"#, last.time, last.seq);
        }
        let _ = write!(b, r#"<span class="note">{} ms</span></div>"#, started.elapsed().as_millis());
    }
    let mut r = ctx.page("Activity", &b);
    if problem.is_some() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

/// `time.seq` of a page's last row.
fn cursor(s: &str) -> Result<(i64, u64), ConsoleError> {
    s.split_once('.')
        .and_then(|(t, q)| Some((t.parse().ok()?, q.parse().ok()?)))
        .ok_or_else(|| ConsoleError::Invalid(format!("after {s:?}: not a page cursor")))
}

/// The current filter as query parameters (tenant included).
fn filter_params(ctx: &Ctx<'_>, f: &Form) -> String {
    let mut s = format!("tenant={}", url(ctx.tenant));
    for k in FIELDS {
        if let Some(v) = f.get(k) {
            let _ = write!(s, "&amp;{k}={}", url(v));
        }
    }
    s
}

fn filter_form(ctx: &Ctx<'_>, f: &Form) -> String {
    let mut s = format!(
        r#"<form method="get" action="/activity" class="filters" id="filters"><input type="hidden" name="tenant" value="{}">"#,
        esc(ctx.tenant)
    );
    let text = |s: &mut String, name: &str, label: &str, disabled: bool| {
        let v = f.get(name).unwrap_or("");
        let d = if disabled { " disabled" } else { "" };
        let _ = write!(s, r#"<label>{label}<input name="{name}" value="{}"{d}></label>"#, esc(v));
    };
    text(&mut s, "user", "User", !ctx.admin());
    text(&mut s, "key", "Key id", false);
    let _ = write!(s, r#"<label>Action<select name="action"><option value="">any</option>"#);
    for a in EventAction::ALL.map(EventAction::as_str) {
        let sel = if f.get("action") == Some(a) { " selected" } else { "" };
        let _ = write!(s, r#"<option{sel}>{a}</option>"#);
    }
    s.push_str("</select></label>");
    text(&mut s, "detector", "Detector", false);
    text(&mut s, "model", "Model", false);
    text(&mut s, "status", "Status", false);
    text(&mut s, "from", "From (date or time)", false);
    text(&mut s, "to", "To", false);
    s.push_str(r#"<button id="apply">Filter</button> <a href="/activity?tenant="#);
    s.push_str(&url(ctx.tenant));
    s.push_str(r#"">Clear</a></form>"#);
    s
}

fn table(ctx: &Ctx<'_>, rows: &[Row]) -> String {
    if rows.is_empty() {
        return r#"<p id="no-records">No records match.</p>"#.into();
    }
    let mut s = String::from(
        r#"<table id="activity"><thead><tr><th>Time (UTC)</th><th>User</th><th>Key</th><th>Action</th><th>Detectors</th><th>Model</th><th class="num">Status</th><th class="num">Cost</th></tr></thead><tbody>"#,
    );
    for r in rows {
        let _ = write!(
            s,
            r#"<tr data-seq="{seq}"><td><a href="/activity/{seq}?tenant={t}">{time}</a></td><td>{user}</td><td>{key}</td><td><span class="action action-{a}">{a}</span></td><td>{det}</td><td>{model}</td><td class="num">{status}</td><td class="num">{cost}</td></tr>"#,
            seq = r.seq,
            t = url(ctx.tenant),
            time = esc(&format_rfc3339(r.time)[..19].replace('T', " ")),
            user = esc(r.user.as_deref().unwrap_or("")),
            key = esc(r.key.as_deref().unwrap_or("")),
            a = esc(&r.action),
            det = esc(&r.detectors.join(", ")),
            model = esc(r.model.as_deref().unwrap_or("")),
            status = r.status.map(|s| s.to_string()).unwrap_or_default(),
            cost = r.cost.map(|c| format!("{c:.6}")).unwrap_or_default(),
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// The log's verification status, as last checked.
fn status_line(ctx: &Ctx<'_>) -> String {
    let v = ctx.console.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let run = if ctx.admin() {
        format!(r#" <a href="/verify?tenant={}" id="verify">Verify now</a>"#, url(ctx.tenant))
    } else {
        String::new()
    };
    match v {
        Some((at, line, ok)) => format!(
            r#"<p class="status" id="log-status"><span class="{}">{}</span> ({} s ago){run}</p>"#,
            if ok { "ok" } else { "error" },
            esc(&line),
            at.elapsed().as_secs()
        ),
        None => format!(
            r#"<p class="status" id="log-status">The audit log has not been verified since the console started.{run}</p>"#
        ),
    }
}

/// Verifies the whole log (hash chain, Merkle tree, signed checkpoints when the log has them)
/// and shows the result; admins and owners only.
pub fn verify(ctx: &Ctx<'_>) -> Result<Response<Body>, ConsoleError> {
    ctx.need_admin("verifying the log")?;
    let dir = ctx.console.gw.audit_dir().ok_or(ConsoleError::NotFound)?;
    // With the log's checkpoint key, signatures are checked and the last signed checkpoint
    // shown; records after it are accepted (the log is being written) with a warning.
    let public_key = ctx.console.gw.checkpoint_public_key();
    let signed = public_key.is_some();
    let opts = VerifyOptions { public_key, allow_unsigned_tail: true, ..VerifyOptions::default() };
    let (line, ok) = match dlpjet_audit::verify(&dir, &opts) {
        Ok(r) => {
            let last = last_checkpoint(&dir)
                .map(|c| {
                    let how = if signed { "signature verified" } else { "signature not checked: no checkpoint key" };
                    format!("; last signed checkpoint: {} records at {} ({how})", c.tree_size, c.time)
                })
                .unwrap_or_else(|| "; no signed checkpoint (set [audit] checkpoint_key_file)".into());
            (
                format!(
                    "Verified: {} records in {} segments, Merkle root {}…{last}{}",
                    r.records,
                    r.segments,
                    &r.root[..r.root.len().min(16)],
                    if r.warnings.is_empty() { String::new() } else { format!("; {}", r.warnings.join("; ")) }
                ),
                true,
            )
        }
        Err(e) => (format!("Verification FAILED: {e}"), false),
    };
    *ctx.console.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), line, ok));
    Ok(super::html::redirect(&format!("/activity?tenant={}", url(ctx.tenant))))
}

/// The log's newest checkpoint (`verify` has checked them all), if it has one.
fn last_checkpoint(dir: &std::path::Path) -> Option<dlpjet_audit::Checkpoint> {
    let text = std::fs::read_to_string(dir.join(dlpjet_audit::format::CHECKPOINTS)).ok()?;
    text.lines().rev().find_map(|l| serde_json::from_str(l).ok())
}

/// One record's detail.
pub fn detail(ctx: &Ctx<'_>, seq: &str) -> Result<Response<Body>, ConsoleError> {
    let seq: u64 = seq.parse().map_err(|_| ConsoleError::Invalid(format!("record {seq:?}: not a record number")))?;
    ctx.console.index.fresh()?;
    let Some(e) = ctx.console.index.get(ctx.tenant, seq)? else {
        // Another tenant's record is refused (and audited) like any forbidden page.
        if ctx.console.index.exists(seq)? {
            return Err(ConsoleError::Denied(format!("record {seq} is not in tenant {}", ctx.tenant)));
        }
        return Err(ConsoleError::NotFound);
    };
    let row = super::index::row_of(seq, &e);
    if !ctx.admin() && row.user.as_deref() != Some(ctx.visitor.email.as_str()) {
        return Err(ConsoleError::Denied(format!("record {seq} is another member's")));
    }
    let g = GatewayRecord::of(&e).and_then(Result::ok).unwrap_or_default();
    let mut b = String::from(r#"<dl class="detail" id="record">"#);
    let mut item = |k: &str, v: String| {
        if !v.is_empty() {
            let _ = write!(b, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
        }
    };
    let opt = |v: Option<String>| v.unwrap_or_default();
    item("Record", seq.to_string());
    item("Time", e.time.clone());
    item("Tenant", e.tenant.clone());
    item("Action", e.action.as_str().to_string());
    item("Actor", opt(e.actor.clone()));
    item("User", opt(row.user.clone()));
    item("Key", opt(row.key.clone()));
    item("Path", opt(e.target.clone()));
    item("Model", opt(g.model));
    item("Provider", opt(g.provider));
    item("Input tokens", opt(g.input_tokens.map(|t| t.to_string())));
    item("Output tokens", opt(g.output_tokens.map(|t| t.to_string())));
    item("Cost", opt(g.cost.map(|c| format!("{c:.6}"))));
    item("Status", opt(g.status.map(|s| s.to_string())));
    item("Latency", opt(g.latency_ms.map(|l| format!("{l:.1} ms"))));
    item("Client address", opt(g.client_ip));
    item("User agent", opt(g.user_agent));
    item("Request id", opt(g.request_id));
    item("Policy version", opt(e.policy_version.clone()));
    for (k, v) in &e.details {
        item(k, v.clone());
    }
    b.push_str("</dl><h2>Findings</h2>");
    if e.dlp.is_empty() {
        b.push_str("<p>None.</p>");
    } else {
        b.push_str(r#"<table id="findings"><thead><tr><th>Detector</th><th class="num">Count</th><th>Action</th><th>Masked previews (offsets and keyed fingerprints; the log holds no values)</th></tr></thead><tbody>"#);
        for d in &e.dlp {
            let previews: Vec<String> = d
                .offsets
                .iter()
                .zip(d.fingerprints.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(o, f)| {
                    format!(
                        "[{}..{}) {} bytes, fp {}",
                        o[0],
                        o[1],
                        o[1].saturating_sub(o[0]),
                        f.map_or("-", |f| &f[..f.len().min(12)])
                    )
                })
                .collect();
            let _ = write!(
                b,
                r#"<tr><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td></tr>"#,
                esc(&d.detector),
                d.count,
                esc(&d.action),
                esc(&previews.join("; "))
            );
        }
        b.push_str("</tbody></table>");
    }
    Ok(ctx.page(&format!("Record {seq}"), &b))
}

/// What an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// CSV with the gateway's columns.
    Csv,
    /// The records' exact JSON, one per line.
    JsonLines,
}

/// The current filter's records as a download, streamed from the index newest first.
pub fn export(ctx: &Ctx<'_>, f: &Form, kind: Export) -> Result<Response<Body>, ConsoleError> {
    let q = query_of(ctx, f)?;
    ctx.console.index.fresh()?;
    let reader = ctx.console.index.reader()?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    ctx.audit(
        EventAction::Export,
        "/activity export".into(),
        &[("format", format!("{kind:?}")), ("filter", format!("{q:?}"))],
    );
    std::thread::spawn(move || {
        let mut buf = Vec::with_capacity(64 << 10);
        if kind == Export::Csv {
            buf.extend_from_slice(dlpjet_audit::csv_header(&CSV_COLUMNS).as_bytes());
        }
        let res = reader.each(&q, |seq, e, raw| {
            match kind {
                Export::Csv => dlpjet_audit::write_csv_row(&mut buf, seq, e, &CSV_COLUMNS)
                    .map_err(|e| ConsoleError::Store(e.to_string()))?,
                Export::JsonLines => {
                    buf.extend_from_slice(raw.as_bytes());
                    buf.push(b'\n');
                }
            }
            if buf.len() >= 60 << 10 {
                let chunk = Bytes::from(std::mem::replace(&mut buf, Vec::with_capacity(64 << 10)));
                tx.blocking_send(chunk).map_err(|_| ConsoleError::Store("the download was cancelled".into()))?;
            }
            Ok(())
        });
        // A failure ends the download with a line no CSV or JSON reader takes for a record:
        // an export that stopped is never passed off as whole.
        if let Err(e) = res {
            eprintln!("dlpjet console: export stopped: {e}");
            buf.extend_from_slice(format!("!export stopped: {e}\n").as_bytes());
        }
        if !buf.is_empty() {
            let _ = tx.blocking_send(Bytes::from(buf));
        }
    });
    let mut r = Response::new(ChannelBody(rx).boxed_unsync());
    let (ctype, ext) = match kind {
        Export::Csv => ("text/csv; charset=utf-8", "csv"),
        Export::JsonLines => ("application/x-ndjson", "jsonl"),
    };
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"dlpjet-activity-{}.{ext}\"",
        ctx.tenant.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    )) {
        r.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
