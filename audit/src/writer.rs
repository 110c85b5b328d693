//! Appending to an audit log: one writing process (a lock file), any number of threads, and an
//! explicit durability mode.

use super::checkpoint::Checkpoint;
use super::event::{now_rfc3339, AuditEvent};
use super::format::{next_chain, record_line, segment_path, segments, Header, Lines, Record, CHECKPOINTS, LOCK};
use super::merkle::{leaf_hash, Frontier, Hash};
use super::segment_file::{io_err, new_segment, sync_dir, Io};
use super::AuditError;
use ed25519_dalek::SigningKey;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// When an appended record is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Each `append` writes its record and fsyncs before it returns. Slowest, simplest.
    Fsync,
    /// `append` returns once its record is fsynced, but records of concurrent appends share
    /// one fsync: a committer thread writes whatever is waiting, fsyncs, and wakes the
    /// appenders. No record waits longer than one fsync plus the write of the batch ahead.
    GroupCommit,
    /// `append` returns once its record is written to the file, without waiting for an
    /// fsync: the record is in the operating system's cache, so a process that is killed
    /// (`kill -9`, a panic, an OOM kill) loses nothing it acknowledged. The file is fsynced
    /// every `interval` (by the committer thread, while appends go on), at checkpoints,
    /// segment ends and `close`. An operating-system crash or power loss can lose the last
    /// `interval` of records, acknowledged ones included, and their sequence numbers are
    /// then given again; use [`GroupCommit`](Durability::GroupCommit) where that matters.
    Buffered {
        /// How often written records are fsynced.
        interval: Duration,
    },
}

/// How an audit log is written.
#[derive(Clone, Debug)]
pub struct Options {
    /// When an append counts as done.
    pub durability: Durability,
    /// A segment is closed and a new one started when a record would take it past this size.
    pub segment_bytes: u64,
    /// Signs checkpoints; without it none are written.
    pub checkpoint_key: Option<SigningKey>,
    /// A checkpoint is written after this many records (and at `seal` and `close`).
    pub checkpoint_every: u64,
    /// A checkpoint is also written once records have waited this long without one, so the
    /// unsigned tail of a quiet log is bounded in time as well as in count.
    pub checkpoint_interval: std::time::Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            durability: Durability::GroupCommit,
            segment_bytes: 64 << 20,
            checkpoint_key: None,
            checkpoint_every: 10_000,
            checkpoint_interval: std::time::Duration::from_secs(60),
        }
    }
}

/// What opening an existing log found at its end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Records in the log.
    pub records: u64,
    /// Bytes of a torn last write (a crash in the middle of an unacknowledged append) that
    /// were cut off; 0 when the log ended cleanly.
    pub cut_bytes: u64,
    /// The file they were cut from.
    pub cut_from: Option<PathBuf>,
}

enum Item {
    Line(String),
    Roll(u64, String),
}

struct State {
    next_seq: u64,
    chain: Hash,
    frontier: Frontier,
    segment: u64,
    /// The first record of the current segment (rolling an empty segment is pointless).
    segment_first: u64,
    /// Bytes of the current segment once everything pending is written.
    planned: u64,
    pending: Vec<Item>,
    pending_bytes: usize,
    /// Records with a lower sequence number are written (and, unless buffered, fsynced).
    done: u64,
    /// Records with a lower sequence number are fsynced.
    synced: u64,
    failed: Option<String>,
    closing: bool,
    checkpointed: u64,
    /// When the last checkpoint was written (or the log opened).
    checkpointed_at: std::time::Instant,
}

struct Shared {
    dir: PathBuf,
    opts: Options,
    state: Mutex<State>,
    io: Mutex<Io>,
    /// Wakes the committer.
    work: Condvar,
    /// Wakes appenders waiting for their record.
    done: Condvar,
    checkpoints: Mutex<()>,
}

/// An audit log open for appending.
///
/// ```
/// use dlpjet_audit::{AuditEvent, AuditLog, EventAction, Options};
/// let dir = tempfile::tempdir()?;
/// let log = AuditLog::open(dir.path(), Options::default())?;
/// let seq = log.append(&AuditEvent::new("acme", EventAction::Login).actor("user:7"))?;
/// assert_eq!(seq, 0);
/// log.close()?;
/// let report = dlpjet_audit::verify(dir.path(), &Default::default())?;
/// assert_eq!(report.records, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AuditLog {
    shared: Arc<Shared>,
    committer: Mutex<Option<JoinHandle<()>>>,
    recovery: Recovery,
    /// The lock file, held until `close`.
    lock: Mutex<Option<File>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("dir", &self.shared.dir).finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens (or creates) the log in `dir`. Fails with [`AuditError::Locked`] when another
    /// process has it open. A torn last write is cut off and reported in
    /// [`recovery`](AuditLog::recovery); any other damage is an [`AuditError::Corrupt`].
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<AuditLog, AuditError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let lock_path = dir.join(LOCK);
        let lock =
            OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(AuditError::Locked(dir)),
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
        }
        let mut segs = segments(&dir).map_err(io_err(&dir))?;
        // A crash while a new segment was being started can leave it without its header:
        // nothing was acknowledged in it, so it goes, and the one before it continues (or,
        // for the very first segment, the log starts afresh).
        let mut cut = None;
        let count = segs.len();
        if let Some((_, last)) = segs.last().filter(|(n, _)| count > 1 || *n == 0) {
            if header_is_torn(last)? {
                let len = std::fs::metadata(last).map_err(io_err(last))?.len();
                std::fs::remove_file(last).map_err(io_err(last))?;
                sync_dir(&dir)?;
                cut = Some((len, last.clone()));
                segs.pop();
            }
        }
        let (state, io, mut recovery) = match segs.last() {
            None => {
                let header = Header { segment: 0, first_seq: 0, prev_chain: [0; 32], frontier: Frontier::new() };
                let io = new_segment(&dir, &segment_path(&dir, 0), &header.line())?;
                let state = State::new(&header, header.line().len() as u64);
                (state, io, Recovery::default())
            }
            Some((_, path)) => recover(path)?,
        };
        if let Some((len, path)) = cut {
            recovery.cut_bytes += len;
            recovery.cut_from = Some(path);
        }
        let checkpointed = last_checkpoint(&dir)?;
        let shared = Arc::new(Shared {
            dir: dir.clone(),
            opts,
            state: Mutex::new(State { checkpointed, ..state }),
            io: Mutex::new(io),
            work: Condvar::new(),
            done: Condvar::new(),
            checkpoints: Mutex::new(()),
        });
        let committer = match shared.opts.durability {
            Durability::Fsync => None,
            _ => {
                let s = shared.clone();
                Some(
                    std::thread::Builder::new()
                        .name("dlpjet-audit".into())
                        .spawn(move || s.commit_loop())
                        .map_err(io_err(&dir))?,
                )
            }
        };
        Ok(AuditLog { shared, committer: Mutex::new(committer), recovery, lock: Mutex::new(Some(lock)) })
    }

    /// What opening found at the end of the log.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// Appends an event and returns its sequence number, once it is as durable as the log's
    /// [`Durability`] promises. Safe from any number of threads; records are numbered in the
    /// order their appends took the log's lock.
    pub fn append(&self, event: &AuditEvent) -> Result<u64, AuditError> {
        self.append_as(event, true)
    }

    /// Appends `event` and returns its sequence number as soon as the record is queued, without
    /// waiting for it to be durable: under [`Durability::GroupCommit`] the committer thread
    /// writes and fsyncs it with the next batch (a crash may lose the records of that moment;
    /// [`close`](AuditLog::close) and [`sync`](AuditLog::sync) make every queued record
    /// durable). Under the other modes it is [`append`](AuditLog::append).
    ///
    /// # Errors
    /// As for `append`; a write error of the batch shows on a later call.
    pub fn append_queued(&self, event: &AuditEvent) -> Result<u64, AuditError> {
        self.append_as(event, false)
    }

    fn append_as(&self, event: &AuditEvent, wait: bool) -> Result<u64, AuditError> {
        event.validate().map_err(AuditError::Invalid)?;
        let json = serde_json::to_string(event).map_err(|e| AuditError::Invalid(e.to_string()))?;
        let s = &*self.shared;
        let mut st = s.lock_state();
        if let Some(f) = &st.failed {
            return Err(AuditError::Failed(f.clone()));
        }
        if st.closing {
            return Err(AuditError::Closed);
        }
        let seq = st.next_seq;
        let leaf = leaf_hash(json.as_bytes());
        let chain = next_chain(&st.chain, &leaf);
        let line = record_line(seq, &chain, &json);
        if st.planned + line.len() as u64 > s.opts.segment_bytes && st.next_seq > st.segment_first {
            st.roll();
        }
        st.frontier.push(leaf);
        st.chain = chain;
        st.next_seq += 1;
        st.planned += line.len() as u64;
        st.pending_bytes += line.len();
        st.pending.push(Item::Line(line));
        match s.opts.durability {
            Durability::Fsync => {
                drop(s.flush(st, true)?);
                s.maybe_checkpoint();
                Ok(seq)
            }
            Durability::GroupCommit => {
                s.work.notify_one();
                if !wait {
                    return Ok(seq);
                }
                while st.done <= seq && st.failed.is_none() {
                    st = s.done.wait(st).unwrap_or_else(|p| p.into_inner());
                }
                match &st.failed {
                    Some(f) if st.done <= seq => Err(AuditError::Failed(f.clone())),
                    _ => Ok(seq),
                }
            }
            Durability::Buffered { .. } => {
                // Written before it is acknowledged (a killed process loses nothing it said it
                // wrote); the committer fsyncs every interval. Concurrent appends share a write:
                // whoever takes the pending records writes them all.
                drop(s.flush(st, false)?);
                Ok(seq)
            }
        }
    }

    /// Makes every record appended so far durable (written and fsynced).
    pub fn sync(&self) -> Result<u64, AuditError> {
        let st = self.shared.lock_state();
        let st = self.shared.flush(st, true)?;
        Ok(st.next_seq)
    }

    /// Writes a signed checkpoint of everything appended so far (after making it durable) to
    /// `checkpoints.jsonl`, and returns it: keep a copy elsewhere to detect truncation later.
    pub fn checkpoint(&self) -> Result<Checkpoint, AuditError> {
        self.shared.checkpoint(true)?.ok_or(AuditError::NoKey)
    }

    /// Ends the current segment (it is fsynced and will not change again: it can be archived,
    /// or removed under a retention policy) and starts a new one. Returns the sealed
    /// segment's path.
    pub fn seal(&self) -> Result<PathBuf, AuditError> {
        let s = &*self.shared;
        let mut st = s.lock_state();
        let sealed = segment_path(&s.dir, st.segment);
        st.roll();
        drop(s.flush(st, true)?);
        s.checkpoint(false)?;
        Ok(sealed)
    }

    /// The next sequence number (the number of records appended).
    pub fn len(&self) -> u64 {
        self.shared.lock_state().next_seq
    }

    /// True when the log holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes and fsyncs everything, writes a last checkpoint (with a key), and stops. Later
    /// appends fail with [`AuditError::Closed`].
    pub fn close(&self) -> Result<(), AuditError> {
        let s = &*self.shared;
        {
            let mut st = s.lock_state();
            if st.closing {
                return Ok(());
            }
            st.closing = true;
        }
        s.work.notify_all();
        if let Some(h) = self.committer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = h.join();
        }
        let result = self.finish();
        // Another process may write the log now.
        drop(self.lock.lock().unwrap_or_else(|p| p.into_inner()).take());
        result
    }

    fn finish(&self) -> Result<(), AuditError> {
        let s = &*self.shared;
        let st = s.lock_state();
        if let Some(f) = &st.failed {
            return Err(AuditError::Failed(f.clone()));
        }
        drop(s.flush(st, true)?);
        s.checkpoint(false)?;
        Ok(())
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl State {
    fn new(h: &Header, planned: u64) -> State {
        State {
            next_seq: h.first_seq,
            chain: h.prev_chain,
            frontier: h.frontier.clone(),
            segment: h.segment,
            segment_first: h.first_seq,
            planned,
            pending: Vec::new(),
            pending_bytes: 0,
            done: h.first_seq,
            synced: h.first_seq,
            failed: None,
            closing: false,
            checkpointed: 0,
            checkpointed_at: std::time::Instant::now(),
        }
    }

    /// Plans a new segment starting at the next record.
    fn roll(&mut self) {
        self.segment += 1;
        self.segment_first = self.next_seq;
        let header = Header {
            segment: self.segment,
            first_seq: self.next_seq,
            prev_chain: self.chain,
            frontier: self.frontier.clone(),
        };
        let line = header.line();
        self.planned = line.len() as u64;
        self.pending.push(Item::Roll(self.segment, line));
    }
}

impl Shared {
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the log failed (the first failure is the one every later call reports) and
    /// wakes appenders waiting for their record.
    fn fail(&self, st: &mut State, e: &AuditError) {
        st.failed.get_or_insert_with(|| e.to_string());
        self.done.notify_all();
    }

    /// Writes what is pending (fsyncing when `sync`), in order: the I/O lock is taken before the
    /// state lock is let go. Returns the state lock again.
    fn flush<'a>(&'a self, mut st: MutexGuard<'a, State>, sync: bool) -> Result<MutexGuard<'a, State>, AuditError> {
        if let Some(f) = &st.failed {
            return Err(AuditError::Failed(f.clone()));
        }
        let items = std::mem::take(&mut st.pending);
        st.pending_bytes = 0;
        let upto = st.next_seq;
        let mut io = self.io.lock().unwrap_or_else(|p| p.into_inner());
        drop(st);
        let result = self.write(&mut io, items, sync);
        drop(io);
        let mut st = self.lock_state();
        match result {
            Ok(()) => {
                st.done = st.done.max(upto);
                if sync {
                    st.synced = st.synced.max(upto);
                }
                self.done.notify_all();
                Ok(st)
            }
            Err(e) => {
                self.fail(&mut st, &e);
                Err(e)
            }
        }
    }

    fn write(&self, io: &mut Io, items: Vec<Item>, sync: bool) -> Result<(), AuditError> {
        let mut buf = Vec::new();
        for item in items {
            match item {
                Item::Line(l) => buf.extend_from_slice(l.as_bytes()),
                Item::Roll(n, header) => {
                    io.put(&buf).map_err(io_err(&io.path))?;
                    buf.clear();
                    // The sealed segment is cut to its records.
                    io.file.set_len(io.pos).and_then(|_| io.file.sync_all()).map_err(io_err(&io.path))?;
                    let path = segment_path(&self.dir, n);
                    *io = new_segment(&self.dir, &path, &header)?;
                }
            }
        }
        io.put(&buf).map_err(io_err(&io.path))?;
        if sync {
            io.file.sync_data().map_err(io_err(&io.path))?;
        }
        Ok(())
    }

    fn commit_loop(&self) {
        let (sync, interval) = match self.opts.durability {
            Durability::Buffered { interval } => (false, Some(interval)),
            _ => (true, None),
        };
        let mut st = self.lock_state();
        loop {
            while st.pending.is_empty() && !st.closing {
                // Records waiting for a checkpoint wake the loop when it is due.
                let due = self.checkpoint_due_in(&st);
                if due == Some(Duration::ZERO) {
                    break;
                }
                st = match interval.into_iter().chain(due).min() {
                    Some(i) => self.work.wait_timeout(st, i).unwrap_or_else(|p| p.into_inner()).0,
                    None => self.work.wait(st).unwrap_or_else(|p| p.into_inner()),
                };
                if interval.is_some() && st.done > st.synced {
                    break;
                }
            }
            if st.pending.is_empty() && st.closing {
                return;
            }
            if interval.is_some() {
                // Buffered: appends wrote their records; fsync them without holding the I/O
                // lock, so appends go on meanwhile.
                if st.done > st.synced {
                    st = match self.sync_written(st) {
                        Ok(st) => st,
                        Err(_) => return,
                    };
                }
            } else if !st.pending.is_empty() {
                st = match self.flush(st, sync) {
                    Ok(st) => st,
                    Err(_) => return,
                };
            }
            drop(st);
            self.maybe_checkpoint();
            st = self.lock_state();
        }
    }

    /// Fsyncs what appends have written (the buffered mode's committer), through a second
    /// handle of the segment so that the I/O lock is held only to take it.
    fn sync_written<'a>(&'a self, st: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>, AuditError> {
        let upto = st.done;
        drop(st);
        let (file, path) = {
            let io = self.io.lock().unwrap_or_else(|p| p.into_inner());
            (io.file.try_clone(), io.path.clone())
        };
        // A segment rolled meanwhile was fsynced when it was sealed.
        let result = file.and_then(|f| f.sync_data()).map_err(io_err(&path));
        let mut st = self.lock_state();
        match result {
            Ok(()) => {
                st.synced = st.synced.max(upto);
                Ok(st)
            }
            Err(e) => {
                self.fail(&mut st, &e);
                Err(e)
            }
        }
    }

    /// How long until records written since the last checkpoint must get one (by time); `None`
    /// when there is no key, nothing unsigned, or the log has failed.
    fn checkpoint_due_in(&self, st: &State) -> Option<Duration> {
        if self.opts.checkpoint_key.is_none() || st.failed.is_some() || st.done <= st.checkpointed {
            return None;
        }
        Some(self.opts.checkpoint_interval.saturating_sub(st.checkpointed_at.elapsed()))
    }

    fn maybe_checkpoint(&self) {
        let due = {
            let st = self.lock_state();
            self.opts.checkpoint_key.is_some()
                && (st.done >= st.checkpointed + self.opts.checkpoint_every
                    || self.checkpoint_due_in(&st) == Some(Duration::ZERO))
        };
        if due {
            if let Err(e) = self.checkpoint(false) {
                self.fail(&mut self.lock_state(), &e);
            }
        }
    }

    /// Flushes and writes a checkpoint when there is a key and (unless `always`) records
    /// since the last one.
    fn checkpoint(&self, always: bool) -> Result<Option<Checkpoint>, AuditError> {
        let Some(key) = &self.opts.checkpoint_key else { return Ok(None) };
        let _one = self.checkpoints.lock().unwrap_or_else(|p| p.into_inner());
        let st = self.lock_state();
        let (size, root, chain) = (st.next_seq, st.frontier.root(), st.chain);
        let covered = size <= st.checkpointed;
        if covered && !always {
            return Ok(None);
        }
        drop(self.flush(st, true)?);
        let cp = Checkpoint::sign(key, size, &root, &chain, now_rfc3339());
        if covered {
            // The file has a checkpoint of this size already (two of one size would read as a
            // replay): this one is only for the caller to keep.
            return Ok(Some(cp));
        }
        let path = self.dir.join(CHECKPOINTS);
        let mut f = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err(&path))?;
        let line = serde_json::to_string(&cp).map_err(|e| AuditError::Invalid(e.to_string()))? + "\n";
        f.write_all(line.as_bytes()).and_then(|_| f.sync_data()).map_err(io_err(&path))?;
        let mut st = self.lock_state();
        st.checkpointed = st.checkpointed.max(size);
        st.checkpointed_at = std::time::Instant::now();
        Ok(Some(cp))
    }
}

/// Whether the segment at `path` is empty or ends inside its header line.
fn header_is_torn(path: &Path) -> Result<bool, AuditError> {
    let file = File::open(path).map_err(io_err(path))?;
    match Lines::new(BufReader::new(file)).next_line().map_err(io_err(path))? {
        None => Ok(true),
        Some(Ok(line)) => Ok(line.torn || line.padding),
        Some(Err(_)) => Ok(false),
    }
}

/// Reads the last segment to the end: the state to continue from, with a torn tail cut off.
fn recover(path: &Path) -> Result<(State, Io, Recovery), AuditError> {
    let corrupt = |line: u64, reason: String| AuditError::Corrupt { path: path.to_path_buf(), line, reason };
    let file = File::open(path).map_err(io_err(path))?;
    let mut lines = Lines::new(BufReader::new(file));
    let first = lines.next_line().map_err(io_err(path))?.ok_or_else(|| corrupt(1, "empty segment".into()))?;
    let first = first.map_err(|(n, r)| corrupt(n, r))?;
    if first.torn || first.padding {
        return Err(corrupt(1, "the segment header is incomplete".into()));
    }
    let header = Header::parse(&first.text).map_err(|r| corrupt(1, r))?;
    let mut state = State::new(&header, first.text.len() as u64 + 1);
    let mut good_end = first.text.len() as u64 + 1;
    let mut cut = None;
    while let Some(line) = lines.next_line().map_err(io_err(path))? {
        let line = line.map_err(|(n, r)| corrupt(n, r))?;
        if line.padding {
            break;
        }
        if line.torn {
            cut = Some(line.offset);
            // Nothing may follow a torn write.
            if lines.next_line().map_err(io_err(path))?.is_some() {
                return Err(corrupt(line.number, "an incomplete record is followed by more data".into()));
            }
            break;
        }
        let r = Record::parse(&line.text).map_err(|e| corrupt(line.number, e))?;
        if r.seq != state.next_seq {
            return Err(corrupt(line.number, format!("record {} where {} was expected", r.seq, state.next_seq)));
        }
        let leaf = leaf_hash(r.event.as_bytes());
        let chain = next_chain(&state.chain, &leaf);
        if chain != r.chain {
            return Err(corrupt(line.number, format!("record {}: the hash chain does not match", r.seq)));
        }
        state.frontier.push(leaf);
        state.chain = chain;
        state.next_seq += 1;
        good_end = line.offset + line.text.len() as u64 + 1;
    }
    state.done = state.next_seq;
    state.planned = good_end;
    let file = OpenOptions::new().write(true).open(path).map_err(io_err(path))?;
    let len = file.metadata().map_err(io_err(path))?.len();
    let mut recovery = Recovery { records: state.next_seq, cut_bytes: 0, cut_from: None };
    let mut reserved = len;
    if let Some(at) = cut {
        file.set_len(at).and_then(|_| file.sync_all()).map_err(io_err(path))?;
        recovery.cut_bytes = len - at;
        recovery.cut_from = Some(path.to_path_buf());
        reserved = at;
    }
    let io = Io { file, path: path.to_path_buf(), pos: good_end, reserved };
    Ok((state, io, recovery))
}

/// The tree size of the last checkpoint in `dir` (0 without one); a torn last line is cut.
fn last_checkpoint(dir: &Path) -> Result<u64, AuditError> {
    let path = dir.join(CHECKPOINTS);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let mut lines = Lines::new(BufReader::new(file));
    let mut size = 0;
    while let Some(line) = lines.next_line().map_err(io_err(&path))? {
        let Ok(line) = line else { break };
        if line.torn {
            let f = OpenOptions::new().write(true).open(&path).map_err(io_err(&path))?;
            f.set_len(line.offset).and_then(|_| f.sync_all()).map_err(io_err(&path))?;
            break;
        }
        if let Ok(c) = serde_json::from_str::<Checkpoint>(&line.text) {
            size = size.max(c.tree_size);
        }
    }
    Ok(size)
}
