//! `[limits]`: sizes and timeouts of requests and upstream answers.

use serde::Deserialize;
use std::time::Duration;

/// `[limits]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body (after decompression), in bytes.
    pub max_body_bytes: usize,
    /// Largest decompressed / compressed ratio of a gzip or deflate body.
    pub max_inflate_ratio: usize,
    /// Deepest JSON nesting accepted.
    pub max_json_depth: usize,
    /// Time allowed for a client to send its request headers, in milliseconds.
    pub header_timeout_ms: u64,
    /// Time allowed for a client to send its request body, in milliseconds.
    pub body_timeout_ms: u64,
    /// Time allowed for an upstream to start answering, in milliseconds.
    pub upstream_timeout_ms: u64,
    /// Time allowed between two reads of an upstream's streamed answer, in milliseconds.
    pub upstream_idle_ms: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 4 << 20,
            max_inflate_ratio: 20,
            max_json_depth: 64,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            upstream_timeout_ms: 60_000,
            upstream_idle_ms: 120_000,
        }
    }
}

impl Limits {
    /// `header_timeout_ms` as a duration.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms)
    }

    /// `body_timeout_ms` as a duration.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms)
    }

    /// `upstream_timeout_ms` as a duration.
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_millis(self.upstream_timeout_ms)
    }

    /// `upstream_idle_ms` as a duration.
    pub fn upstream_idle(&self) -> Duration {
        Duration::from_millis(self.upstream_idle_ms)
    }
}
