//! Reading an audit log back: filtered, streamed, as JSON lines or CSV for compliance systems.

use super::event::{AuditEvent, EventAction};
use super::format::{segments, Header, Lines, Record};
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
    each: impl FnMut(u64, &AuditEvent, &str) -> std::io::Result<()>,
) -> Result<u64, AuditError> {
    query_from(dir, 0, filter, each)
}

/// [`query`] from sequence number `from_seq` on: segments that end before it are not read
/// (their headers say where the next one starts), so an index that follows a growing log reads
/// only what is new.
///
/// ```
/// use dlpjet_audit::{query_from, AuditEvent, AuditLog, EventAction, Filter, Options};
/// let dir = tempfile::tempdir()?;
/// let log = AuditLog::open(dir.path(), Options::default())?;
/// for t in ["a", "b", "c"] {
///     log.append(&AuditEvent::new(t, EventAction::Allow))?;
/// }
/// let mut seen = Vec::new();
/// query_from(dir.path(), 1, &Filter::default(), |seq, e, _| {
///     seen.push((seq, e.tenant.clone()));
///     Ok(())
/// })?;
/// assert_eq!(seen, [(1, "b".to_string()), (2, "c".to_string())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn query_from(
    dir: &Path,
    from_seq: u64,
    filter: &Filter,
    mut each: impl FnMut(u64, &AuditEvent, &str) -> std::io::Result<()>,
) -> Result<u64, AuditError> {
    let segs = segments(dir).map_err(io(dir))?;
    let start = if from_seq > 0 { segment_holding(&segs, from_seq)? } else { 0 };
    let mut n = 0;
    for (_, path) in &segs[start.min(segs.len())..] {
        let path = path.clone();
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
            if r.seq < from_seq {
                continue;
            }
            let e: AuditEvent = serde_json::from_str(r.event).map_err(|e| corrupt(line.number, e.to_string()))?;
            if filter.matches(&e) {
                each(r.seq, &e, r.event).map_err(io(Path::new("<output>")))?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// An I/O error of the file at `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AuditError {
    let path = path.to_path_buf();
    move |source| AuditError::Io { path, source }
}

/// The index in `segs` of the segment that holds record `seq`: the last one whose header
/// says it starts at or before it (the first when none does).
fn segment_holding(segs: &[(u64, std::path::PathBuf)], seq: u64) -> Result<usize, AuditError> {
    let mut at = 0;
    for (i, (_, path)) in segs.iter().enumerate() {
        let mut lines = Lines::new(BufReader::new(File::open(path).map_err(io(path))?));
        match lines.next_line().map_err(io(path))? {
            Some(Ok(l)) if Header::parse(&l.text).is_ok_and(|h| h.first_seq <= seq) => at = i,
            _ => break,
        }
    }
    Ok(at)
}

/// Where a reader that follows a growing log stopped: the next record's segment, the byte
/// offset of its line in that segment, and its sequence number. `Position::default()` is the
/// start of the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// The segment's number (as in its file name).
    pub segment: u64,
    /// The byte offset of the next record's line (0: the segment's header is next).
    pub offset: u64,
    /// The next record's sequence number.
    pub seq: u64,
}

/// Calls `each(seq, event, exact JSON)` for every record after `pos`, in order, and moves
/// `pos` past them: a reader that follows a log being written (an index) reads each record
/// once, from where it stopped, without scanning the segment again. A record still being
/// written (a torn last line, or reserved space) is left for the next call. When `pos`'s
/// segment is gone (removed by retention), the records from `pos.seq` on are found again
/// through the segment headers. Returns how many records were handed over.
///
/// ```
/// use dlpjet_audit::{follow, AuditEvent, AuditLog, EventAction, Options, Position};
/// let dir = tempfile::tempdir()?;
/// let log = AuditLog::open(dir.path(), Options::default())?;
/// log.append(&AuditEvent::new("a", EventAction::Allow))?;
/// let mut pos = Position::default();
/// let mut seen = Vec::new();
/// follow(dir.path(), &mut pos, |seq, _, _| Ok(seen.push(seq)))?;
/// log.append(&AuditEvent::new("b", EventAction::Allow))?;
/// follow(dir.path(), &mut pos, |seq, _, _| Ok(seen.push(seq)))?;
/// assert_eq!((seen, pos.seq), (vec![0, 1], 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn follow(
    dir: &Path,
    pos: &mut Position,
    mut each: impl FnMut(u64, &AuditEvent, &str) -> std::io::Result<()>,
) -> Result<u64, AuditError> {
    use std::io::{Seek, SeekFrom};
    let segs = segments(dir).map_err(io(dir))?;
    if !segs.iter().any(|(n, _)| *n == pos.segment) {
        // Removed by retention: find the segment that holds `pos.seq` again.
        let at = segs.get(segment_holding(&segs, pos.seq)?).map_or(0, |s| s.0);
        *pos = Position { segment: at, offset: 0, seq: pos.seq };
    }
    let mut n = 0;
    loop {
        let Some((_, path)) = segs.iter().find(|(s, _)| *s == pos.segment) else { return Ok(n) };
        let mut file = File::open(path).map_err(io(path))?;
        let base = pos.offset;
        file.seek(SeekFrom::Start(base)).map_err(io(path))?;
        let mut lines = Lines::new(BufReader::new(file));
        let corrupt = |line: u64, reason: String| AuditError::Corrupt { path: path.clone(), line, reason };
        // The segment being written ends in reserved zero bytes (megabytes of them): stop at
        // their first byte instead of reading through them at every call.
        while !lines.at_padding().map_err(io(path))? {
            let Some(line) = lines.next_line().map_err(io(path))? else { break };
            let line = line.map_err(|(l, r)| corrupt(l, r))?;
            if line.torn || line.padding {
                break;
            }
            let next = base + line.offset + line.text.len() as u64 + 1;
            if base == 0 && line.offset == 0 {
                // The header.
                pos.offset = next;
                continue;
            }
            let r = Record::parse(&line.text).map_err(|e| corrupt(line.number, e))?;
            if r.seq >= pos.seq {
                let e: AuditEvent = serde_json::from_str(r.event).map_err(|e| corrupt(line.number, e.to_string()))?;
                each(r.seq, &e, r.event).map_err(io(Path::new("<output>")))?;
                n += 1;
                pos.seq = r.seq + 1;
            }
            pos.offset = next;
        }
        // A later segment means this one is sealed (cut to its records): go on there.
        // Otherwise the writer is here, and the next call goes on from `pos`.
        match segs.iter().find(|(s, _)| *s > pos.segment) {
            Some((next, _)) => *pos = Position { segment: *next, offset: 0, seq: pos.seq },
            None => return Ok(n),
        }
    }
}

/// Calls `each(log, seq, event, exact JSON)` for every event that passes `filter` in any of
/// the logs in `dirs` (`log` is the index of its directory in `dirs`), merged in time order;
/// events of the same microsecond keep their log's order, logs in the order given. Returns
/// how many passed.
///
/// Several gateway instances each write a log of their own; this is how they are read as one.
/// Within one log, records are in the order they were committed, which is not quite time
/// order (a request's record is stamped when it starts and written when it ends), so the
/// matching events are held in memory and sorted: narrow a query over very large logs with
/// `since`/`until`.
///
/// ```
/// use dlpjet_audit::{query_many, AuditEvent, AuditLog, EventAction, Filter, Options};
/// let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
/// for (dir, tenant) in [(&a, "first"), (&b, "second"), (&a, "third")] {
///     let log = AuditLog::open(dir.path(), Options::default())?;
///     log.append(&AuditEvent::new(tenant, EventAction::Allow))?;
///     log.close()?;
/// }
/// let mut seen = Vec::new();
/// query_many(&[a.path(), b.path()], &Filter::default(), |log, _, e, _| {
///     seen.push((log, e.tenant.clone()));
///     Ok(())
/// })?;
/// assert_eq!(seen, [(0, "first".to_string()), (1, "second".into()), (0, "third".into())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn query_many<P: AsRef<Path>>(
    dirs: &[P],
    filter: &Filter,
    mut each: impl FnMut(usize, u64, &AuditEvent, &str) -> std::io::Result<()>,
) -> Result<u64, AuditError> {
    let mut found: Vec<(i64, usize, u64, AuditEvent, String)> = Vec::new();
    for (log, dir) in dirs.iter().enumerate() {
        query(dir.as_ref(), filter, |seq, e, raw| {
            found.push((e.micros().unwrap_or(i64::MIN), log, seq, e.clone(), raw.to_string()));
            Ok(())
        })?;
    }
    found.sort_by_key(|&(t, log, seq, ..)| (t, log, seq));
    for (_, log, seq, e, raw) in &found {
        each(*log, *seq, e, raw).map_err(|source| AuditError::Io { path: "<output>".into(), source })?;
    }
    Ok(found.len() as u64)
}

/// A section's field as CSV shows it: a string as it is, a number or a boolean as written (an
/// integer as an integer, another number as Rust writes an f64: `0.000015`, not `1.5e-5`),
/// anything else, or a missing field, empty.
fn field_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) if n.is_f64() => n.as_f64().map(|f| f.to_string()).unwrap_or_default(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A CSV column taken from one field of an event's section (the gateway's `gateway.model`,
/// say); [`csv_header`] and [`write_csv_row`] put such columns before `details`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The section's name.
    pub section: &'static str,
    /// The field within it, which is also the column's name.
    pub field: &'static str,
}

/// The CSV header of rows written by [`write_csv_row`] with the same `extra` columns.
///
/// ```
/// use dlpjet_audit::{csv_header, Column};
/// assert!(csv_header(&[]).ends_with(",findings,details\n"));
/// let model = Column { section: "gateway", field: "model" };
/// assert!(csv_header(&[model]).ends_with(",findings,model,details\n"));
/// ```
pub fn csv_header(extra: &[Column]) -> String {
    let mut h = String::from("seq,time,tenant,actor,action,target,policy_version,detectors,findings,");
    for c in extra {
        h.push_str(c.field);
        h.push(',');
    }
    h.push_str("details\n");
    h
}

/// One event as a CSV row (RFC 4180 quoting), with the `extra` section fields before
/// `details` (empty where the event has no such section or field). `detectors` is
/// `id:count:action` joined by `;`; `details` is a JSON object.
pub fn write_csv_row(out: &mut impl Write, seq: u64, e: &AuditEvent, extra: &[Column]) -> std::io::Result<()> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let detectors: Vec<String> = e.dlp.iter().map(|r| format!("{}:{}:{}", r.detector, r.count, r.action)).collect();
    let mut fields = vec![
        seq.to_string(),
        e.time.clone(),
        e.tenant.clone(),
        opt(e.actor.clone()),
        e.action.as_str().to_string(),
        opt(e.target.clone()),
        opt(e.policy_version.clone()),
        detectors.join(";"),
        e.dlp.iter().map(|r| r.count).sum::<usize>().to_string(),
    ];
    // Each section the columns name is read once per row.
    let mut objects: Vec<(&str, Option<serde_json::Map<String, serde_json::Value>>)> = Vec::new();
    for c in extra {
        if !objects.iter().any(|(name, _)| *name == c.section) {
            objects.push((c.section, e.sections.get(c.section).and_then(|s| s.parse().ok())));
        }
    }
    fields.extend(extra.iter().map(|c| {
        let object = objects.iter().find(|(name, _)| *name == c.section).and_then(|(_, o)| o.as_ref());
        object.map(|o| field_text(o.get(c.field))).unwrap_or_default()
    }));
    fields.push(if e.details.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&e.details).unwrap_or_default()
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventAction, Section};

    #[test]
    fn section_fields_in_csv() {
        let g = serde_json::json!({"model": "gpt, 4", "cost": 0.000015, "status": 200, "ok": true, "x": null});
        let e = AuditEvent::new("acme", EventAction::Allow).section("gateway", Section::new(&g).unwrap());
        let cols = ["model", "cost", "status", "ok", "x", "missing"].map(|field| Column { section: "gateway", field });
        let mut out = Vec::new();
        write_csv_row(&mut out, 1, &e, &cols).unwrap();
        let row = String::from_utf8(out).unwrap();
        assert!(row.ends_with(",0,\"gpt, 4\",0.000015,200,true,,,\n"), "{row}");
        let mut out = Vec::new();
        write_csv_row(&mut out, 1, &e, &[Column { section: "other", field: "model" }]).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with(",0,,\n"));
    }
}
