//! dlpjet's audit log: an append-only, tamper-evident record of every decision and
//! administrative change.
//!
//! Records ([`AuditEvent`]) are JSON lines in segment files; each commits to everything before
//! it through a hash chain and an RFC 9162 Merkle tree, and signed Ed25519 [`Checkpoint`]s
//! state the tree's size and root. [`verify`] checks a log offline and names the first bad
//! record; [`query`] streams events out. No API updates or deletes a record: retention removes
//! whole sealed segments (see [`AuditLog::seal`]), oldest first, and what remains still
//! verifies (each segment's header carries the chain hash and Merkle frontier before it).
//! Sensitive values are never recorded: findings are kept as offsets and keyed fingerprints
//! ([`Fingerprinter`]).
//!
//! The files are described in [`format`](mod@format). With the cargo feature `policy`,
//! `AuditEvent::decision` records a `dlpjet_policy::Decision` directly.
//!
//! # Example
//! ```
//! use dlpjet_audit::{verify, AuditEvent, AuditLog, EventAction, Options};
//!
//! let dir = tempfile::tempdir()?;
//! let log = AuditLog::open(dir.path(), Options::default())?;
//! log.append(&AuditEvent::new("acme", EventAction::PolicyChange).actor("user:42").target("policy.toml"))?;
//! log.close()?;
//! let report = verify(dir.path(), &Default::default())?;
//! assert_eq!(report.records, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod checkpoint;
mod event;
mod event_json;
pub mod format;
pub mod merkle;
mod query;
mod section;
mod segment_file;
mod verify;
mod writer;

pub use checkpoint::{generate_key, key_id, read_signing_key, read_verifying_key, write_key_pair, Checkpoint};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use event::{
    format_rfc3339, now_rfc3339, parse_rfc3339, AuditEvent, DetectorResult, EventAction, Fingerprinter,
    TenantFingerprinter, MAX_DETAILS, MAX_DETAILS_BYTES, SCHEMA_VERSION,
};
pub use query::{csv_header, follow, query, query_from, query_many, write_csv_row, Column, Filter, Position};
pub use section::Section;
pub use verify::{verify, Report, VerifyError, VerifyOptions};
pub use writer::{AuditLog, Durability, Options, Recovery};

use std::path::PathBuf;

/// What can go wrong writing or reading an audit log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Another process is writing the log.
    #[error("{}: another process is writing this audit log (it holds the LOCK file)", .0.display())]
    Locked(PathBuf),
    /// A record or header is damaged (run `verify` for the full picture).
    #[error("{}:{line}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The event breaks the schema's rules.
    #[error("invalid audit event: {0}")]
    Invalid(String),
    /// An earlier write failed; the log accepts nothing more (nothing acknowledged is lost).
    #[error("the audit log failed and accepts no more records: {0}")]
    Failed(String),
    /// The log was closed.
    #[error("the audit log is closed")]
    Closed,
    /// A checkpoint key could not be read or made.
    #[error("checkpoint key: {0}")]
    Key(String),
    /// A checkpoint was asked for without a signing key.
    #[error("checkpoints need a signing key (Options::checkpoint_key)")]
    NoKey,
}
