//! Offline verification of an audit log: every record, the hash chain, the Merkle tree, the
//! segment links and the signed checkpoints.

use super::checkpoint::{key_id, Checkpoint};
use super::event::{hex, AuditEvent};
use super::format::{next_chain, segments, Header, Lines, Record, CHECKPOINTS};
use super::merkle::{leaf_hash, Frontier, Hash};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// What to check a log against.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// The public key checkpoints must be signed with. Without it their signatures are not
    /// checked (a warning says so).
    pub public_key: Option<VerifyingKey>,
    /// Checkpoints kept outside the log (exported earlier): the log must still hold at least
    /// their records, with the same root.
    pub external: Vec<Checkpoint>,
    /// With a public key, records that no signed checkpoint covers (a log whose checkpoints
    /// were deleted, or records appended after the last one) make verification fail, since
    /// the unkeyed hash chain alone cannot tell them from a rewrite. This accepts them with a
    /// warning instead (a log being written, between checkpoints).
    pub allow_unsigned_tail: bool,
}

/// A log that verified.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Sequence number of the first record present (above 0 when old segments were removed).
    pub first_seq: u64,
    /// Records checked.
    pub records: u64,
    /// Segments checked.
    pub segments: usize,
    /// Checkpoints matched against the records (from the log and the external ones).
    pub checkpoints: usize,
    /// The Merkle root of the whole log (hex).
    pub root: String,
    /// The chain hash after its last record (hex).
    pub chain: String,
    /// What the verification could not prove.
    pub warnings: Vec<String>,
}

/// The first problem found: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}: {reason}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), seq.map(|s| format!(" (record {s})")).unwrap_or_default())]
pub struct VerifyError {
    /// The file (or where an external checkpoint came from).
    pub path: PathBuf,
    /// The 1-based line, when the problem is in one.
    pub line: Option<u64>,
    /// The record's sequence number, when known.
    pub seq: Option<u64>,
    /// What is wrong.
    pub reason: String,
}

fn fail(path: &Path, line: Option<u64>, seq: Option<u64>, reason: impl Into<String>) -> VerifyError {
    VerifyError { path: path.to_path_buf(), line, seq, reason: reason.into() }
}

/// Checks the log in `dir`. Returns the first problem, precisely.
///
/// What it proves: each record is intact and in place (the hash chain and the Merkle tree over
/// the leaf hashes of the records' exact bytes), no record was inserted, removed, reordered
/// or duplicated, the segments join up, the checkpoints are signed (with a public key), in
/// order, and match the records they cover — so records removed from the end are found as long
/// as a checkpoint covers them. What it cannot prove: that records written after the last
/// checkpoint were not cut off along with the tail (keep exported checkpoints elsewhere for
/// that), or anything about segments removed from the front (verification then starts from
/// the first segment present, whose header is trusted unless a checkpoint covers it). With a
/// public key, every record must be covered by a signed checkpoint (unless
/// [`VerifyOptions::allow_unsigned_tail`]): the chain is unkeyed, so a log rewritten and
/// re-chained, with its checkpoints deleted or with records forged after the last one, would
/// otherwise verify.
pub fn verify(dir: &Path, opts: &VerifyOptions) -> Result<Report, VerifyError> {
    let mut report = Report::default();
    let checkpoints = read_checkpoints(dir, opts, &mut report)?;
    let segs = segments(dir).map_err(|e| fail(dir, None, None, e.to_string()))?;
    if segs.is_empty() {
        return Err(fail(dir, None, None, "no segment files (seg-*.log): not an audit log"));
    }
    // Checkpoints by the tree size they cover.
    let mut by_size: BTreeMap<u64, Vec<(String, Checkpoint)>> = BTreeMap::new();
    for (origin, c) in checkpoints {
        by_size.entry(c.tree_size).or_default().push((origin, c));
    }
    let mut frontier = Frontier::new();
    let mut chain: Hash = [0; 32];
    let mut expected_segment = None;
    for (i, (n, path)) in segs.iter().enumerate() {
        let file = File::open(path).map_err(|e| fail(path, None, None, e.to_string()))?;
        let mut lines = Lines::new(BufReader::new(file));
        let first = lines
            .next_line()
            .map_err(|e| fail(path, None, None, e.to_string()))?
            .ok_or_else(|| fail(path, Some(1), None, "empty segment"))?
            .map_err(|(l, r)| fail(path, Some(l), None, r))?;
        if first.torn || first.padding {
            return Err(fail(path, Some(1), None, "the segment header is incomplete"));
        }
        let header = Header::parse(&first.text).map_err(|r| fail(path, Some(1), None, r))?;
        if header.segment != *n {
            return Err(fail(path, Some(1), None, format!("the header says segment {}", header.segment)));
        }
        if i == 0 {
            report.first_seq = header.first_seq;
            if header.first_seq > 0 {
                report.warnings.push(format!(
                    "the log starts at record {} (earlier segments were removed); its first segment's header is trusted{}",
                    header.first_seq,
                    if by_size.contains_key(&header.first_seq) { " and matches a checkpoint" } else { "" }
                ));
            }
            frontier = header.frontier.clone();
            chain = header.prev_chain;
        } else {
            if expected_segment != Some(*n) {
                return Err(fail(
                    path,
                    Some(1),
                    None,
                    format!("segment {} is missing before it", expected_segment.unwrap_or(0)),
                ));
            }
            if header.first_seq != frontier.size() || header.prev_chain != chain || header.frontier != frontier {
                return Err(fail(
                    path,
                    Some(1),
                    Some(header.first_seq),
                    format!(
                        "the segment does not continue the one before it (which ended after record {})",
                        frontier.size() as i64 - 1
                    ),
                ));
            }
        }
        expected_segment = Some(n + 1);
        check_at(&by_size, &frontier, &chain, path, Some(1), &mut report)?;
        while let Some(line) = lines.next_line().map_err(|e| fail(path, None, None, e.to_string()))? {
            let line = line.map_err(|(l, r)| fail(path, Some(l), Some(frontier.size()), r))?;
            let seq = frontier.size();
            let here = Some(line.number);
            if line.padding {
                break; // space reserved for records not yet written
            }
            if line.torn {
                return Err(fail(
                    path,
                    here,
                    Some(seq),
                    "incomplete record at the end (a torn write; opening the log for writing cuts it)",
                ));
            }
            let r = Record::parse(&line.text).map_err(|e| fail(path, here, Some(seq), e))?;
            if r.seq != seq {
                let what = if r.seq < seq { "duplicated or out of order" } else { "records before it are missing" };
                return Err(fail(path, here, Some(seq), format!("record {} where {seq} was expected: {what}", r.seq)));
            }
            let leaf = leaf_hash(r.event.as_bytes());
            let next = next_chain(&chain, &leaf);
            if next != r.chain {
                return Err(fail(path, here, Some(seq), "the hash chain does not match: the record was altered, or one before it was removed, inserted or swapped"));
            }
            let event: AuditEvent = serde_json::from_str(r.event)
                .map_err(|e| fail(path, here, Some(seq), format!("not an audit event: {e}")))?;
            event.validate().map_err(|e| fail(path, here, Some(seq), format!("not a valid audit event: {e}")))?;
            frontier.push(leaf);
            chain = next;
            report.records += 1;
            check_at(&by_size, &frontier, &chain, path, here, &mut report)?;
        }
        report.segments += 1;
    }
    if let Some((size, list)) = by_size.range(frontier.size() + 1..).next() {
        let (origin, _) = &list[0];
        return Err(fail(
            Path::new(origin),
            None,
            None,
            format!(
                "a checkpoint covers {size} records but the log holds only {}: records were removed from its end",
                frontier.size()
            ),
        ));
    }
    let signed = opts.public_key.is_some() && !opts.allow_unsigned_tail;
    let covered = by_size.keys().next_back().copied().unwrap_or(0);
    if covered < frontier.size() && signed {
        return Err(fail(
            dir,
            None,
            Some(covered),
            if covered == 0 {
                format!(
                    "no signed checkpoint covers the log's {} records: a log without its checkpoints cannot be told \
                     from a rewritten one (--allow-unsigned-tail accepts it)",
                    frontier.size()
                )
            } else {
                format!(
                    "records {covered}..{} come after the last signed checkpoint: they cannot be told from records \
                     appended by someone else (--allow-unsigned-tail accepts them)",
                    frontier.size() - 1
                )
            },
        ));
    }
    if by_size.is_empty() {
        report.warnings.push("no checkpoint: records removed from the end of the log cannot be detected".into());
    } else if covered < frontier.size() {
        report.warnings.push(format!(
            "records {covered}..{} come after the last checkpoint: their removal from the end would not be detected",
            frontier.size() - 1
        ));
    }
    report.root = hex(&frontier.root());
    report.chain = hex(&chain);
    Ok(report)
}

/// Compares the checkpoints of the current tree size with the tree.
fn check_at(
    by_size: &BTreeMap<u64, Vec<(String, Checkpoint)>>,
    frontier: &Frontier,
    chain: &Hash,
    path: &Path,
    line: Option<u64>,
    report: &mut Report,
) -> Result<(), VerifyError> {
    let Some(list) = by_size.get(&frontier.size()) else { return Ok(()) };
    for (origin, c) in list {
        if c.root_hash() != Some(frontier.root()) || c.chain_hash() != Some(*chain) {
            return Err(fail(
                path,
                line,
                frontier.size().checked_sub(1),
                format!("the records up to here do not match the checkpoint of size {} in {origin}: the log was rewritten, or the checkpoint is from a fork", c.tree_size),
            ));
        }
        report.checkpoints += 1;
    }
    Ok(())
}

/// The log's checkpoints and the external ones, each with where it came from; checks
/// signatures and order.
fn read_checkpoints(
    dir: &Path,
    opts: &VerifyOptions,
    report: &mut Report,
) -> Result<Vec<(String, Checkpoint)>, VerifyError> {
    let path = dir.join(CHECKPOINTS);
    let mut out = Vec::new();
    match File::open(&path) {
        Ok(f) => {
            let mut lines = Lines::new(BufReader::new(f));
            let mut last: Option<Checkpoint> = None;
            while let Some(line) = lines.next_line().map_err(|e| fail(&path, None, None, e.to_string()))? {
                let line = line.map_err(|(l, r)| fail(&path, Some(l), None, r))?;
                let here = Some(line.number);
                if line.torn {
                    return Err(fail(&path, here, None, "incomplete checkpoint at the end (a torn write)"));
                }
                let c: Checkpoint = serde_json::from_str(&line.text)
                    .map_err(|e| fail(&path, here, None, format!("not a checkpoint: {e}")))?;
                check_signature(&c, opts, &path, here)?;
                if let Some(prev) = &last {
                    if c.tree_size <= prev.tree_size || c.time < prev.time {
                        return Err(fail(
                            &path,
                            here,
                            None,
                            format!(
                                "checkpoint of size {} at {} follows one of size {} at {}: an old checkpoint replayed, or checkpoints reordered",
                                c.tree_size, c.time, prev.tree_size, prev.time
                            ),
                        ));
                    }
                }
                last = Some(c.clone());
                out.push((format!("{}:{}", path.display(), line.number), c));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(fail(&path, None, None, e.to_string())),
    }
    for (i, c) in opts.external.iter().enumerate() {
        let origin = PathBuf::from(format!("external checkpoint {}", i + 1));
        check_signature(c, opts, &origin, None)?;
        out.push((origin.display().to_string(), c.clone()));
    }
    if opts.public_key.is_none() && !out.is_empty() {
        report.warnings.push("checkpoint signatures were not checked: no public key given".into());
    }
    Ok(out)
}

fn check_signature(c: &Checkpoint, opts: &VerifyOptions, path: &Path, line: Option<u64>) -> Result<(), VerifyError> {
    let Some(key) = &opts.public_key else { return Ok(()) };
    if c.key_id != key_id(key) {
        return Err(fail(
            path,
            line,
            None,
            format!("checkpoint signed by key {}, not by the given key {}", c.key_id, key_id(key)),
        ));
    }
    if !c.verify(key) {
        return Err(fail(path, line, None, "the checkpoint's signature does not verify"));
    }
    Ok(())
}
