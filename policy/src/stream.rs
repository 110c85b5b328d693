//! Streaming decisions: the policy applied to text as it passes, chunk by chunk.

use super::decide::{BlockReason, DecidedFinding, Decision};
use super::doc::{Action, Direction, OnExceed};
use super::tenant::{Lane, Tenant};
use dlpjet::{Event, StreamScanner};
use std::sync::Arc;

/// The stream was blocked by the policy; nothing more of it passes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("blocked by policy: {reason}")]
pub struct Blocked {
    /// Why. Never holds the sensitive value.
    pub reason: BlockReason,
}

/// Applies a tenant's policy to a stream: `redact` findings are rewritten as they pass, the
/// stream stops at the first `block` finding, and the final [`Decision`] equals the one-shot
/// decision on the whole text (for `block`, the same first blocking detector).
///
/// Output is released as soon as it is final: bytes that can no longer be part of a finding.
///
/// ```
/// use dlpjet_policy::{Action, Direction, PolicySet};
/// let policy = PolicySet::from_toml(r#"
///     version = 1
///     [default.detectors.email]
///     action = "redact"
/// "#, None)?;
/// let mut stream = policy.tenant("default")?.stream(Direction::Outbound);
/// let mut out = Vec::new();
/// stream.push(b"write to jane.do", &mut out).unwrap();
/// stream.push(b"e@example.org today", &mut out).unwrap();
/// let decision = stream.finish(&mut out);
/// assert_eq!(out, b"write to [EMAIL] today");
/// assert_eq!(decision.action, Action::Redact);
/// # Ok::<(), dlpjet_policy::PolicyError>(())
/// ```
#[derive(Debug)]
pub struct PolicyStream {
    tenant: Tenant,
    lane: Arc<Lane>,
    scan: StreamScanner,
    /// Bytes pushed so far.
    seen: usize,
    findings: Vec<DecidedFinding>,
    blocked: Option<BlockReason>,
    /// The scanned part ended at the size limit; the rest passes through.
    truncated: bool,
}

impl Tenant {
    /// A streaming evaluation of text travelling `direction`.
    pub fn stream(&self, direction: Direction) -> PolicyStream {
        let lane = self.inner.lanes[direction.slot()].clone();
        PolicyStream {
            tenant: self.clone(),
            scan: lane.scanner.stream(),
            lane,
            seen: 0,
            findings: Vec::new(),
            blocked: None,
            truncated: false,
        }
    }
}

impl PolicyStream {
    /// Pushes the next chunk and appends the output it released to `out`.
    ///
    /// # Errors
    /// [`Blocked`] once a blocking finding is confirmed (or the input passes the size limit
    /// under `on_exceed = "block"`); `out` then holds only what was released before it, and
    /// every later push fails the same way.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Blocked> {
        if let Some(reason) = &self.blocked {
            return Err(Blocked { reason: reason.clone() });
        }
        if self.truncated {
            out.extend_from_slice(chunk);
            self.seen += chunk.len();
            return Ok(());
        }
        let over = self.tenant.limit().filter(|&(max, _)| self.seen + chunk.len() > max);
        let (scan, rest) = match over {
            Some((max, OnExceed::Block)) => {
                let reason = BlockReason::InputTooLarge { limit: max };
                self.blocked = Some(reason.clone());
                return Err(Blocked { reason });
            }
            Some((max, OnExceed::Truncate)) => chunk.split_at(max - self.seen),
            None => (chunk, &chunk[chunk.len()..]),
        };
        self.seen += chunk.len();
        let Self { lane, scan: stream, findings, blocked, .. } = self;
        stream.push_events(scan, |e| release(lane, e, findings, blocked, out));
        if over.is_some() {
            // The scanned part ends at the limit; the rest passes through unscanned.
            stream.finish_events(|e| release(lane, e, findings, blocked, out));
            self.truncated = true;
            if self.blocked.is_none() {
                out.extend_from_slice(rest);
            }
        }
        match &self.blocked {
            Some(reason) => Err(Blocked { reason: reason.clone() }),
            None => Ok(()),
        }
    }

    /// Ends the stream, appends the rest of the output to `out`, and returns the decision
    /// (whose `redacted` is `None`: the output was streamed).
    pub fn finish(mut self, out: &mut Vec<u8>) -> Decision {
        if self.blocked.is_none() && !self.truncated {
            let Self { lane, scan: stream, findings, blocked, .. } = &mut self;
            stream.finish_events(|e| release(lane, e, findings, blocked, out));
        }
        if let Some(BlockReason::InputTooLarge { limit }) = self.blocked {
            return Decision::too_large(limit);
        }
        let mut d = Decision::from_findings(self.findings, self.truncated);
        if let Some(r) = self.blocked {
            d.action = Action::Block;
            d.reason = Some(r);
        }
        d
    }

    /// Bytes pushed so far.
    pub fn offset(&self) -> usize {
        self.seen
    }

    /// Bytes pushed but not yet released (they could still be part of a finding).
    pub fn held_back(&self) -> usize {
        if self.truncated || self.blocked.is_some() {
            0
        } else {
            self.scan.held_back()
        }
    }
}

/// Handles one event of the scan: records findings, rewrites or blocks, passes bytes on.
fn release(
    lane: &Lane,
    e: Event<'_>,
    findings: &mut Vec<DecidedFinding>,
    blocked: &mut Option<BlockReason>,
    out: &mut Vec<u8>,
) {
    if blocked.is_some() {
        return;
    }
    match e {
        Event::Bytes(b) => out.extend_from_slice(b),
        Event::Finding(f, v) => match lane.action_for(f) {
            None => out.extend_from_slice(v),
            Some(action) => {
                match action {
                    Action::Block => {
                        *blocked = Some(BlockReason::Detector { detector: f.detector.clone(), hits: 1 });
                    }
                    Action::Tokenize | Action::Redact => lane.redactor.replace(f, v, out),
                    Action::Allow | Action::Warn => out.extend_from_slice(v),
                }
                findings.push(DecidedFinding { finding: f.clone(), action });
            }
        },
    }
}
