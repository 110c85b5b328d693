//! The activity index: the audit log's records in SQLite, by tenant and time, so the console
//! pages through millions of them without reading the log. Built beside the log and caught
//! up from where it stopped before each read ([`dlpjet_audit::follow`]); rebuilt from the
//! log when missing. The log stays the source of truth: the console shows its verification.

use super::error::ConsoleError;
use crate::audit_record::GatewayRecord;
use dlpjet_audit::{AuditEvent, EventAction, Position};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One record as the activity table shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// The record's sequence number in the log.
    pub seq: u64,
    /// Microseconds since the epoch.
    pub time: i64,
    /// The tenant.
    pub tenant: String,
    /// The user of the API key, when known.
    pub user: Option<String>,
    /// The API key's id, when known.
    pub key: Option<String>,
    /// `allow`, `warn`, `redact`, `tokenize`, `block`, `key_issued`, …
    pub action: String,
    /// The detectors with findings.
    pub detectors: Vec<String>,
    /// The model asked for.
    pub model: Option<String>,
    /// The HTTP status.
    pub status: Option<u16>,
    /// The metered cost.
    pub cost: Option<f64>,
}

/// Which records to show: always one tenant's; each other set field must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// The tenant.
    pub tenant: String,
    /// The user.
    pub user: Option<String>,
    /// The API key id.
    pub key: Option<String>,
    /// The action.
    pub action: Option<String>,
    /// A detector with findings.
    pub detector: Option<String>,
    /// The model.
    pub model: Option<String>,
    /// The HTTP status.
    pub status: Option<u16>,
    /// From (microseconds, inclusive).
    pub since: Option<i64>,
    /// Until (microseconds, exclusive).
    pub until: Option<i64>,
}

/// Counts for the overview: per day, and the top detectors and users.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overview {
    /// Per day (days since the epoch): requests through the gateway (not the console's own
    /// records), blocked, redacted or tokenized, spend. Days without requests are left out.
    pub days: Vec<(i64, u64, u64, u64, f64)>,
    /// Detectors by findings, most first.
    pub detectors: Vec<(String, u64)>,
    /// Users by requests, most first.
    pub users: Vec<(String, u64)>,
}

/// The index file and the log it follows.
#[derive(Debug)]
pub struct Index {
    db: Mutex<Connection>,
    log: PathBuf,
    /// Whether the first catch-up (a whole build, for a new index) has finished.
    built: AtomicBool,
    /// Records added so far (the progress of a build).
    added: AtomicU64,
    /// Why the build failed, if it did.
    failed: Mutex<Option<String>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, tenant TEXT NOT NULL, user TEXT, key TEXT,
    action TEXT NOT NULL, model TEXT, status INTEGER, cost REAL, detectors TEXT NOT NULL,
    json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_tenant ON events (tenant, time, seq);
CREATE INDEX IF NOT EXISTS events_user ON events (tenant, user, time, seq);
CREATE INDEX IF NOT EXISTS events_key ON events (tenant, key, time, seq);
CREATE INDEX IF NOT EXISTS events_action ON events (tenant, action, time, seq);
CREATE INDEX IF NOT EXISTS events_model ON events (tenant, model, time, seq);
CREATE INDEX IF NOT EXISTS events_status ON events (tenant, status, time, seq);
CREATE TABLE IF NOT EXISTS findings (
    seq INTEGER NOT NULL, tenant TEXT NOT NULL, detector TEXT NOT NULL, time INTEGER NOT NULL,
    count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS findings_detector ON findings (tenant, detector, time, seq);
CREATE INDEX IF NOT EXISTS findings_seq ON findings (seq);
CREATE TABLE IF NOT EXISTS daily (
    tenant TEXT NOT NULL, day INTEGER NOT NULL, user TEXT NOT NULL, requests INTEGER NOT NULL,
    blocked INTEGER NOT NULL, redacted INTEGER NOT NULL, spend REAL NOT NULL,
    PRIMARY KEY (tenant, day, user));
CREATE TABLE IF NOT EXISTS daily_detectors (
    tenant TEXT NOT NULL, day INTEGER NOT NULL, user TEXT NOT NULL, detector TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (tenant, day, user, detector));
";

/// The schema's version: an index of another version is built again from the log.
const SCHEMA_VERSION: &str = "2";

/// The tables, dropped when the index is rebuilt.
const TABLES: [&str; 5] = ["meta", "events", "findings", "daily", "daily_detectors"];

/// Microseconds in a day.
const DAY: i64 = 86_400_000_000;

/// Rows a page holds at most.
pub const PAGE: usize = 50;

fn db_error(e: rusqlite::Error) -> ConsoleError {
    ConsoleError::Store(format!("activity index: {e}"))
}

impl Index {
    /// Opens the index at `path` for the log in `log` (creating it when missing) and catches
    /// it up with the log.
    ///
    /// # Errors
    /// The index cannot be opened or the log read.
    pub fn open(path: &Path, log: &Path) -> Result<Index, ConsoleError> {
        let idx = Index::open_unbuilt(path, log)?;
        idx.build()?;
        Ok(idx)
    }

    /// Opens the index at `path` for the log in `log` (creating it when missing) without
    /// catching it up: [`build`](Index::build) does, in the background if it likes; until it has,
    /// [`ready`](Index::ready) says how far it got.
    ///
    /// # Errors
    /// The index cannot be opened.
    pub fn open_unbuilt(path: &Path, log: &Path) -> Result<Index, ConsoleError> {
        let db = Connection::open(path).map_err(|e| ConsoleError::Store(format!("{}: {e}", path.display())))?;
        db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;").map_err(db_error)?;
        // An index written by another version is rebuilt: it is only ever a copy of the log.
        let version: Option<String> =
            db.query_row("SELECT v FROM meta WHERE k = 'schema'", [], |r| r.get(0)).optional().unwrap_or(None);
        if version.as_deref() != Some(SCHEMA_VERSION) {
            for t in TABLES {
                db.execute_batch(&format!("DROP TABLE IF EXISTS {t};")).map_err(db_error)?;
            }
        }
        db.execute_batch(SCHEMA).map_err(db_error)?;
        db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', ?1)", params![SCHEMA_VERSION])
            .map_err(db_error)?;
        Ok(Index {
            db: Mutex::new(db),
            log: log.to_path_buf(),
            built: AtomicBool::new(false),
            added: AtomicU64::new(0),
            failed: Mutex::new(None),
        })
    }

    /// Catches the index up with the log (all of it for a new index) and marks it ready.
    ///
    /// # Errors
    /// The log cannot be read or the index written; [`ready`](Index::ready) then says so too.
    pub fn build(&self) -> Result<(), ConsoleError> {
        let result = self.catch_up().and_then(|n| {
            if n > 0 {
                // A first build leaves the whole index in the write-ahead log: fold it in.
                self.db().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(db_error)?;
            }
            Ok(())
        });
        match &result {
            Ok(()) => self.built.store(true, Ordering::Release),
            Err(e) => *self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e.to_string()),
        }
        result
    }

    /// [`build`](Index::build) on a thread of its own, reporting on standard error when done.
    pub fn build_in_background(self: &Arc<Index>) {
        let idx = self.clone();
        std::thread::spawn(move || {
            let t = std::time::Instant::now();
            match idx.build() {
                Ok(()) => eprintln!(
                    "dlpjet console: activity index ready ({} records added in {:.1} s)",
                    idx.added.load(Ordering::Relaxed),
                    t.elapsed().as_secs_f64()
                ),
                Err(e) => eprintln!("dlpjet console: the activity index could not be built: {e}"),
            }
        });
    }

    /// `Ok` once the index is built; while it is being built, [`ConsoleError::Unavailable`]
    /// with its progress; when the build failed, why.
    ///
    /// # Errors
    /// As above.
    pub fn ready(&self) -> Result<(), ConsoleError> {
        if self.built.load(Ordering::Acquire) {
            return Ok(());
        }
        if let Some(why) = self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            return Err(ConsoleError::Store(format!("the activity index could not be built: {why}")));
        }
        Err(ConsoleError::Unavailable(format!(
            "the console is indexing the audit log: {} records so far; this page will work once it is done",
            self.added.load(Ordering::Relaxed)
        )))
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Once built, caught up with the records appended since the last call: what every page
    /// that reads the index calls first.
    ///
    /// # Errors
    /// As [`ready`](Index::ready) and [`catch_up`](Index::catch_up).
    pub fn fresh(&self) -> Result<(), ConsoleError> {
        self.ready()?;
        self.catch_up().map(|_| ())
    }

    /// Adds the records the log gained since the last call; returns how many.
    ///
    /// # Errors
    /// The log cannot be read (a damaged record names its file and line) or the index written.
    pub fn catch_up(&self) -> Result<u64, ConsoleError> {
        let mut db = self.db();
        let mut pos = db
            .query_row("SELECT v FROM meta WHERE k = 'position'", [], |r| r.get::<_, String>(0))
            .optional()
            .map_err(db_error)?
            .and_then(|v| {
                let mut p = v.split(' ').map(str::parse::<u64>);
                Some(Position { segment: p.next()?.ok()?, offset: p.next()?.ok()?, seq: p.next()?.ok()? })
            })
            .unwrap_or_default();
        let (next, before) = (pos.seq, pos);
        let tx = db.transaction().map_err(db_error)?;
        let mut last = None;
        let mut failed = None;
        {
            let mut ev = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO events (seq, time, tenant, user, key, action, model, status, cost, detectors, json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(db_error)?;
            let mut fi = tx
                .prepare_cached("INSERT INTO findings (seq, tenant, detector, time, count) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(db_error)?;
            // Per tenant, day and user: what the overview draws, without reading the events.
            let mut day = tx
                .prepare_cached(
                    "INSERT INTO daily (tenant, day, user, requests, blocked, redacted, spend) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)
                     ON CONFLICT (tenant, day, user) DO UPDATE SET requests = requests + 1,
                     blocked = blocked + excluded.blocked, redacted = redacted + excluded.redacted,
                     spend = spend + excluded.spend",
                )
                .map_err(db_error)?;
            let mut day_det = tx
                .prepare_cached(
                    "INSERT INTO daily_detectors (tenant, day, user, detector, count) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (tenant, day, user, detector) DO UPDATE SET count = count + excluded.count",
                )
                .map_err(db_error)?;
            dlpjet_audit::follow(&self.log, &mut pos, |seq, e, raw| {
                let r = row_of(seq, e);
                let detectors = format!(",{},", r.detectors.join(","));
                let res = ev
                    .execute(params![
                        seq as i64, r.time, r.tenant, r.user, r.key, r.action, r.model, r.status, r.cost, detectors,
                        raw
                    ])
                    .and_then(|_| {
                        let (d_, u) = (r.time.div_euclid(DAY), r.user.as_deref().unwrap_or(""));
                        for d in &e.dlp {
                            fi.execute(params![seq as i64, r.tenant, d.detector, r.time, d.count as i64])?;
                            day_det.execute(params![r.tenant, d_, u, d.detector, d.count as i64])?;
                        }
                        if is_request(e.action) {
                            let blocked = i64::from(e.action == EventAction::Block);
                            let redacted = i64::from(matches!(e.action, EventAction::Redact | EventAction::Tokenize));
                            day.execute(params![r.tenant, d_, u, blocked, redacted, r.cost.unwrap_or(0.0)])?;
                        }
                        Ok(())
                    });
                if let Err(err) = res {
                    failed = Some(err);
                    return Err(std::io::Error::other("index write failed"));
                }
                last = Some(seq);
                self.added.fetch_add(1, Ordering::Relaxed);
                Ok(())
            })
            .map_err(|e| match failed.take() {
                Some(db) => db_error(db),
                None => ConsoleError::Store(format!("audit log: {e}")),
            })?;
        }
        if pos == before {
            // Nothing new: no write (the transaction rolls back when dropped).
            return Ok(0);
        }
        // The position moves past the header of a new segment even when no record follows.
        tx.execute(
            "INSERT OR REPLACE INTO meta (k, v) VALUES ('position', ?1)",
            params![format!("{} {} {}", pos.segment, pos.offset, pos.seq)],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(last.map_or(0, |l| l + 1 - next))
    }

    /// A page of `q`'s records, newest first, after the cursor `after` (the time and sequence
    /// number of the previous page's last row); and whether more follow.
    ///
    /// # Errors
    /// The index cannot be read.
    pub fn page(&self, q: &Query, after: Option<(i64, u64)>, n: usize) -> Result<(Vec<Row>, bool), ConsoleError> {
        let (mut sql, mut args) = where_of(q);
        if let Some((t, s)) = after {
            sql.push_str(" AND (time, seq) < (?, ?)");
            args.push(Arg::I(t));
            args.push(Arg::I(s as i64));
        }
        let sql = format!(
            "SELECT seq, time, tenant, user, key, action, detectors, model, status, cost FROM events WHERE {sql}
             ORDER BY time DESC, seq DESC LIMIT {}",
            n + 1
        );
        let db = self.db();
        let mut st = db.prepare_cached(&sql).map_err(db_error)?;
        let rows = st.query_map(params_from_iter(args.iter()), |r| {
            Ok(Row {
                seq: r.get::<_, i64>(0)? as u64,
                time: r.get(1)?,
                tenant: r.get(2)?,
                user: r.get(3)?,
                key: r.get(4)?,
                action: r.get(5)?,
                detectors: r.get::<_, String>(6)?.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                model: r.get(7)?,
                status: r.get::<_, Option<i64>>(8)?.and_then(|s| u16::try_from(s).ok()),
                cost: r.get(9)?,
            })
        });
        let mut out = Vec::new();
        for row in rows.map_err(db_error)? {
            out.push(row.map_err(db_error)?);
        }
        let more = out.len() > n;
        out.truncate(n);
        Ok((out, more))
    }

    /// Every record of `q`, newest first, handed to `each` with its exact JSON (exports).
    ///
    /// # Errors
    /// The index cannot be read, or `each` fails.
    pub fn each(
        &self,
        q: &Query,
        mut each: impl FnMut(u64, &AuditEvent, &str) -> Result<(), ConsoleError>,
    ) -> Result<u64, ConsoleError> {
        let (sql, args) = where_of(q);
        let db = self.db();
        let mut st = db
            .prepare(&format!("SELECT seq, json FROM events WHERE {sql} ORDER BY time DESC, seq DESC"))
            .map_err(db_error)?;
        let mut rows = st.query(params_from_iter(args.iter())).map_err(db_error)?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(db_error)? {
            let seq: i64 = r.get(0).map_err(db_error)?;
            let raw: String = r.get(1).map_err(db_error)?;
            let e: AuditEvent =
                serde_json::from_str(&raw).map_err(|e| ConsoleError::Store(format!("activity index: {e}")))?;
            each(seq as u64, &e, &raw)?;
            n += 1;
        }
        Ok(n)
    }

    /// A second connection to the same index, for a long read (an export) that should not
    /// hold up the pages.
    ///
    /// # Errors
    /// The index cannot be opened.
    pub fn reader(&self) -> Result<Index, ConsoleError> {
        let path =
            self.db().path().map(PathBuf::from).ok_or_else(|| ConsoleError::Store("activity index: no file".into()))?;
        let db = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| ConsoleError::Store(format!("{}: {e}", path.display())))?;
        Ok(Index {
            db: Mutex::new(db),
            log: self.log.clone(),
            built: AtomicBool::new(true),
            added: AtomicU64::new(0),
            failed: Mutex::new(None),
        })
    }

    /// When key `id` of `tenant` was last used (the time of its newest record).
    ///
    /// # Errors
    /// The index cannot be read.
    pub fn last_used(&self, tenant: &str, id: &str) -> Result<Option<i64>, ConsoleError> {
        self.db()
            .query_row("SELECT max(time) FROM events WHERE tenant = ?1 AND key = ?2", params![tenant, id], |r| r.get(0))
            .map_err(db_error)
    }

    /// Whether record `seq` is in the index, whatever its tenant.
    ///
    /// # Errors
    /// The index cannot be read.
    pub fn exists(&self, seq: u64) -> Result<bool, ConsoleError> {
        self.db()
            .query_row("SELECT 1 FROM events WHERE seq = ?1", params![seq as i64], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(db_error)
    }

    /// The record `seq` of `tenant` (`None` when there is none, or it is another tenant's).
    ///
    /// # Errors
    /// The index cannot be read.
    pub fn get(&self, tenant: &str, seq: u64) -> Result<Option<AuditEvent>, ConsoleError> {
        let raw: Option<String> = self
            .db()
            .query_row("SELECT json FROM events WHERE seq = ?1 AND tenant = ?2", params![seq as i64, tenant], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_error)?;
        raw.map(|r| serde_json::from_str(&r).map_err(|e| ConsoleError::Store(format!("activity index: {e}"))))
            .transpose()
    }

    /// The overview of `tenant` from `since` (microseconds) on; only `user`'s records when set.
    ///
    /// # Errors
    /// The index cannot be read.
    pub fn overview(&self, tenant: &str, user: Option<&str>, since: i64) -> Result<Overview, ConsoleError> {
        let db = self.db();
        let only = if user.is_some() { " AND user = ?3" } else { "" };
        let mut args: Vec<Arg> = vec![Arg::S(tenant.to_string()), Arg::I(since.div_euclid(DAY))];
        if let Some(u) = user {
            args.push(Arg::S(u.to_string()));
        }
        let mut out = Overview::default();
        let mut st = db
            .prepare(&format!(
                "SELECT day, sum(requests), sum(blocked), sum(redacted), sum(spend)
                 FROM daily WHERE tenant = ?1 AND day >= ?2{only} GROUP BY 1 ORDER BY 1"
            ))
            .map_err(db_error)?;
        let rows = st.query_map(params_from_iter(args.iter()), |r| {
            Ok((
                r.get(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
                r.get(4)?,
            ))
        });
        for r in rows.map_err(db_error)? {
            out.days.push(r.map_err(db_error)?);
        }
        let top = |sql: &str| -> Result<Vec<(String, u64)>, ConsoleError> {
            let mut st = db.prepare(sql).map_err(db_error)?;
            let rows = st.query_map(params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)));
            let mut v = Vec::new();
            for r in rows.map_err(db_error)? {
                v.push(r.map_err(db_error)?);
            }
            Ok(v)
        };
        out.detectors = top(&format!(
            "SELECT detector, sum(count) FROM daily_detectors WHERE tenant = ?1 AND day >= ?2{only}
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
        ))?;
        out.users = top(&format!(
            "SELECT user, sum(requests) FROM daily WHERE tenant = ?1 AND day >= ?2 AND user != ''{only}
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
        ))?;
        Ok(out)
    }
}

/// Whether an event is a request through the gateway (not a change made in the console or the
/// CLI): what the overview counts.
fn is_request(a: EventAction) -> bool {
    matches!(
        a,
        EventAction::Allow | EventAction::Warn | EventAction::Redact | EventAction::Tokenize | EventAction::Block
    )
}

/// A query argument.
enum Arg {
    I(i64),
    S(String),
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::I(i) => i.to_sql(),
            Arg::S(s) => s.to_sql(),
        }
    }
}

/// The `WHERE` clause of `q` and its arguments.
fn where_of(q: &Query) -> (String, Vec<Arg>) {
    let mut sql = String::from("tenant = ?");
    let mut args = vec![Arg::S(q.tenant.clone())];
    for (col, v) in [("user", &q.user), ("key", &q.key), ("action", &q.action), ("model", &q.model)] {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::S(v.clone()));
        }
    }
    if let Some(s) = q.status {
        sql.push_str(" AND status = ?");
        args.push(Arg::I(i64::from(s)));
    }
    if let Some(d) = &q.detector {
        sql.push_str(" AND seq IN (SELECT seq FROM findings WHERE tenant = ? AND detector = ?)");
        args.push(Arg::S(q.tenant.clone()));
        args.push(Arg::S(d.clone()));
    }
    if let Some(t) = q.since {
        sql.push_str(" AND time >= ?");
        args.push(Arg::I(t));
    }
    if let Some(t) = q.until {
        sql.push_str(" AND time < ?");
        args.push(Arg::I(t));
    }
    (sql, args)
}

/// What the activity table shows of `e`.
pub fn row_of(seq: u64, e: &AuditEvent) -> Row {
    let g = GatewayRecord::of(e).and_then(Result::ok).unwrap_or_default();
    Row {
        seq,
        time: e.micros().unwrap_or(0),
        tenant: e.tenant.clone(),
        user: e
            .details
            .get("user")
            .cloned()
            .or_else(|| e.actor.as_deref().and_then(|a| a.strip_prefix("user:")).map(str::to_string)),
        key: e.actor.as_deref().and_then(|a| a.strip_prefix("key:")).map(str::to_string),
        action: e.action.as_str().to_string(),
        detectors: e.dlp.iter().map(|d| d.detector.clone()).collect(),
        model: g.model,
        status: g.status,
        cost: g.cost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlpjet_audit::{AuditLog, EventAction, Options};

    fn event(i: usize) -> AuditEvent {
        let action = if i.is_multiple_of(3) { EventAction::Block } else { EventAction::Allow };
        AuditEvent::new(if i.is_multiple_of(2) { "acme" } else { "globex" }, action)
            .actor(format!("key:k{}", i % 4))
            .detail("user", format!("u{}@example.com", i % 5))
    }

    #[test]
    fn an_unbuilt_index_says_how_far_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let (log_dir, path) = (dir.path().join("audit"), dir.path().join("index.db"));
        let log = AuditLog::open(&log_dir, Options::default()).unwrap();
        for i in 0..10 {
            log.append(&event(i)).unwrap();
        }
        let idx = Index::open_unbuilt(&path, &log_dir).unwrap();
        assert!(matches!(idx.ready(), Err(ConsoleError::Unavailable(m)) if m.contains("0 records so far")));
        assert!(matches!(idx.fresh(), Err(ConsoleError::Unavailable(_))));
        idx.build().unwrap();
        assert!(idx.ready().is_ok());
        assert_eq!(idx.added.load(Ordering::Relaxed), 10);
        // A log it cannot read: the build fails, and says so from then on.
        let broken = Index::open_unbuilt(&dir.path().join("other.db"), &dir.path().join("missing")).unwrap();
        assert!(broken.build().is_err());
        assert!(matches!(broken.ready(), Err(ConsoleError::Store(m)) if m.contains("could not be built")));
        log.close().unwrap();
    }

    #[test]
    fn a_group_committed_log_of_many_segments_is_indexed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (log_dir, path) = (dir.path().join("audit"), dir.path().join("index.db"));
        let o = Options {
            segment_bytes: 64 << 10,
            durability: dlpjet_audit::Durability::GroupCommit,
            ..Options::default()
        };
        let log = AuditLog::open(&log_dir, o).unwrap();
        for i in 0..20_000 {
            log.append_queued(&event(i)).unwrap();
        }
        log.close().unwrap();
        let idx = Index::open(&path, &log_dir).unwrap();
        let all = Query { tenant: "acme".into(), ..Query::default() };
        assert_eq!(idx.each(&all, |_, _, _| Ok(())).unwrap(), 10_000);
    }

    #[test]
    fn follows_the_log_and_is_rebuilt_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let (log_dir, path) = (dir.path().join("audit"), dir.path().join("index.db"));
        let log = AuditLog::open(&log_dir, Options { segment_bytes: 4096, ..Options::default() }).unwrap();
        for i in 0..100 {
            log.append(&event(i)).unwrap();
        }
        let idx = Index::open(&path, &log_dir).unwrap();
        let acme = Query { tenant: "acme".into(), ..Query::default() };
        let count = |idx: &Index, q: &Query| idx.each(q, |_, _, _| Ok(())).unwrap();
        assert_eq!(count(&idx, &acme), 50);
        // Records appended later are picked up, once, across segments.
        for i in 100..230 {
            log.append(&event(i)).unwrap();
        }
        assert_eq!(idx.catch_up().unwrap(), 130);
        assert_eq!(idx.catch_up().unwrap(), 0);
        assert_eq!(count(&idx, &acme), 115);
        // Paging by cursor visits every record once, newest first.
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let (rows, more) = idx.page(&acme, after, 7).unwrap();
            seen.extend(rows.iter().map(|r| r.seq));
            after = rows.last().map(|r| (r.time, r.seq));
            if !more {
                break;
            }
        }
        let mut want: Vec<u64> = (0..230).filter(|i| i % 2 == 0).collect();
        want.reverse();
        assert_eq!(seen, want);
        // Filters, and another tenant's record.
        let blocked = Query { action: Some("block".into()), ..acme.clone() };
        assert_eq!(count(&idx, &blocked), (0..230).filter(|i| i % 2 == 0 && i % 3 == 0).count() as u64);
        assert!(idx.get("acme", 1).unwrap().is_none() && idx.exists(1).unwrap());
        // The overview's daily rollups agree with the events.
        let o = idx.overview("acme", None, 0).unwrap();
        let total: u64 = o.days.iter().map(|d| d.1).sum();
        let blocked: u64 = o.days.iter().map(|d| d.2).sum();
        assert_eq!((total, blocked), (115, (0..230).filter(|i| i % 2 == 0 && i % 3 == 0).count() as u64));
        let u0 = (0..230).filter(|i| i % 2 == 0 && i % 5 == 0).count() as u64;
        assert!(o.users.contains(&("u0@example.com".to_string(), u0)), "{:?}", o.users);
        let mine = idx.overview("acme", Some("u0@example.com"), 0).unwrap();
        assert_eq!(mine.days.iter().map(|d| d.1).sum::<u64>(), u0);
        assert_eq!(mine.users, [("u0@example.com".to_string(), u0)]);
        // Removed, it is built again from the log.
        drop(idx);
        std::fs::remove_file(&path).unwrap();
        let idx = Index::open(&path, &log_dir).unwrap();
        assert_eq!(count(&idx, &acme), 115);
        log.close().unwrap();
    }
}
