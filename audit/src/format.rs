//! The files of an audit log directory.
//!
//! - `seg-NNNNNNNNNN.log`: segments, JSON lines. The segment being written may end in zero
//!   bytes: space reserved ahead of the records (overwriting reserved space lets each fsync skip
//!   the file-size update); a sealed segment is cut to its records. The first line is a header:
//!   `{"dlpjet_audit":1,"segment":N,"first_seq":S,"prev_chain":"…","frontier":["…",…]}` — where
//!   the segment starts in the sequence, the hash chain before it and the Merkle frontier (the
//!   roots of the complete subtrees of the records before it), so a segment can be verified
//!   and the tree continued after older segments are removed. Every other line is a record:
//!   `{"seq":S,"chain":"…","event":{…}}`, where `chain` is `SHA-256(previous chain ||
//!   leaf hash of the event's exact bytes)`.
//! - `checkpoints.jsonl`: signed checkpoints, one per line.
//! - `LOCK`: held (an advisory lock) by the one process writing the log.

use super::event::{hex, unhex};
use super::merkle::{Frontier, Hash};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The format version in segment headers.
pub const FORMAT_VERSION: u32 = 1;

/// The checkpoints file's name.
pub const CHECKPOINTS: &str = "checkpoints.jsonl";

/// The lock file's name.
pub const LOCK: &str = "LOCK";

/// A segment header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The segment's number (as in its file name).
    pub segment: u64,
    /// The sequence number of its first record.
    pub first_seq: u64,
    /// The chain hash before its first record.
    pub prev_chain: Hash,
    /// The Merkle frontier of the records before it.
    pub frontier: Frontier,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderDoc {
    dlpjet_audit: u32,
    segment: u64,
    first_seq: u64,
    prev_chain: String,
    frontier: Vec<String>,
}

impl Header {
    /// The header as its line (with the newline).
    pub fn line(&self) -> String {
        let nodes: Vec<String> = self.frontier.nodes().iter().map(|h| format!("\"{}\"", hex(h))).collect();
        format!(
            "{{\"dlpjet_audit\":{FORMAT_VERSION},\"segment\":{},\"first_seq\":{},\"prev_chain\":\"{}\",\"frontier\":[{}]}}\n",
            self.segment,
            self.first_seq,
            hex(&self.prev_chain),
            nodes.join(",")
        )
    }

    /// Parses a header line (without the newline).
    pub fn parse(line: &str) -> Result<Header, String> {
        let d: HeaderDoc = serde_json::from_str(line).map_err(|e| format!("not a segment header: {e}"))?;
        if d.dlpjet_audit != FORMAT_VERSION {
            return Err(format!("segment format {} (this build reads {FORMAT_VERSION})", d.dlpjet_audit));
        }
        let prev_chain = unhex::<32>(&d.prev_chain).ok_or("header prev_chain is not a hash")?;
        let nodes = d
            .frontier
            .iter()
            .map(|h| unhex::<32>(h).ok_or("header frontier holds something that is not a hash"))
            .collect::<Result<Vec<_>, _>>()?;
        let frontier = Frontier::from_parts(d.first_seq, nodes).ok_or("header frontier does not fit first_seq")?;
        Ok(Header { segment: d.segment, first_seq: d.first_seq, prev_chain, frontier })
    }
}

/// A record line's parts; `event` is the event's exact bytes.
#[derive(Debug)]
pub struct Record<'a> {
    /// The sequence number.
    pub seq: u64,
    /// The chain hash after this record.
    pub chain: Hash,
    /// The event's JSON, exactly as written (its bytes are what the hashes cover).
    pub event: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordDoc<'a> {
    seq: u64,
    chain: &'a str,
    #[serde(borrow)]
    event: &'a RawValue,
}

impl<'a> Record<'a> {
    /// Parses a record line (without the newline).
    pub fn parse(line: &'a str) -> Result<Record<'a>, String> {
        let d: RecordDoc<'a> = serde_json::from_str(line).map_err(|e| format!("not a record: {e}"))?;
        let chain = unhex::<32>(d.chain).ok_or("chain is not a hash")?;
        Ok(Record { seq: d.seq, chain, event: d.event.get() })
    }
}

/// The line of record `seq` with chain hash `chain` and the event's JSON.
pub fn record_line(seq: u64, chain: &Hash, event: &str) -> String {
    format!("{{\"seq\":{seq},\"chain\":\"{}\",\"event\":{event}}}\n", hex(chain))
}

/// The chain hash after `prev` and a record whose leaf hash is `leaf`.
pub fn next_chain(prev: &Hash, leaf: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(leaf);
    h.finalize().into()
}

/// The path of segment `n` in `dir`.
pub fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("seg-{n:010}.log"))
}

/// The segments in `dir`, in order.
pub fn segments(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = name.strip_prefix("seg-").and_then(|r| r.strip_suffix(".log")) {
            if let Ok(n) = n.parse::<u64>() {
                out.push((n, e.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One line of a file read by [`Lines`]: its 1-based number, byte offset and text; `torn` when
/// the file ends inside it, `padding` when the rest of the file is zero bytes.
#[derive(Debug)]
pub struct Line {
    /// The 1-based line number.
    pub number: u64,
    /// The byte offset of its start.
    pub offset: u64,
    /// The text without the newline (empty for a torn line that is not UTF-8).
    pub text: String,
    /// The file ended inside this line (no newline) and it holds more than zero bytes: a torn
    /// write.
    pub torn: bool,
    /// The rest of the file is zero bytes: space a writer reserved ahead of its records.
    pub padding: bool,
}

/// The lines of a file, read in pieces (a multi-gigabyte log never sits in memory).
#[derive(Debug)]
pub struct Lines<R> {
    reader: R,
    number: u64,
    offset: u64,
    buf: Vec<u8>,
}

impl<R: std::io::BufRead> Lines<R> {
    /// Lines of `reader`.
    pub fn new(reader: R) -> Lines<R> {
        Lines { reader, number: 0, offset: 0, buf: Vec::new() }
    }

    /// Whether the next byte is a zero: the reserved space after the last record (a line
    /// never starts with one), found without reading through it.
    pub fn at_padding(&mut self) -> std::io::Result<bool> {
        Ok(self.reader.fill_buf()?.first() == Some(&0))
    }

    /// The next line; `Err` for a read error or a line that is not UTF-8 (given as the line's
    /// number and the reason).
    pub fn next_line(&mut self) -> std::io::Result<Option<Result<Line, (u64, String)>>> {
        self.buf.clear();
        let n = self.reader.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        let offset = self.offset;
        self.offset += n as u64;
        let ended = self.buf.last() == Some(&b'\n');
        let padding = !ended && self.buf.iter().all(|&b| b == 0);
        let torn = !ended && !padding;
        if ended {
            self.buf.pop();
        }
        Ok(Some(match String::from_utf8(std::mem::take(&mut self.buf)) {
            Ok(text) => Ok(Line { number: self.number, offset, text, torn, padding }),
            Err(_) if torn || padding => Ok(Line { number: self.number, offset, text: String::new(), torn, padding }),
            Err(_) => Err((self.number, "the line is not UTF-8".into())),
        }))
    }
}
