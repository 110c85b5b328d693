//! Each request's audit record: what it did, its metered cost, and its append to the log.

use super::Gateway;
use crate::audit_record::{GatewayRecord, SECTION};
use crate::dlp::fields::{Shape, Verdict};
use crate::dlp::json::Node;
use crate::limits::budget::Hold;
use dlpjet_audit::{AuditEvent, AuditLog, DetectorResult, EventAction};
use dlpjet_policy::Action;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// What one request did, for its audit record.
#[derive(Debug, Default)]
pub(super) struct Record {
    pub(super) tenant: String,
    pub(super) key_id: Option<String>,
    pub(super) user: Option<String>,
    pub(super) model: Option<String>,
    pub(super) provider: Option<String>,
    pub(super) input_tokens: Option<u64>,
    pub(super) output_tokens: Option<u64>,
    pub(super) cost: Option<f64>,
    pub(super) action: Option<Action>,
    pub(super) hits: BTreeMap<String, (usize, Action)>,
    pub(super) status: u16,
    pub(super) block: Option<String>,
    pub(super) path: String,
    pub(super) client_ip: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) request_id: String,
    pub(super) started: Option<Instant>,
    /// The request's cost estimate, held against its budgets until the cost is known.
    pub(super) hold: Option<Hold>,
}

impl Gateway {
    /// Adds a verdict's findings to the request's record and the metrics.
    pub(super) fn merge_hits(&self, rec: &mut Record, v: &Verdict, direction: &'static str) {
        for (d, h) in &v.hits {
            let a = h.action.unwrap_or(Action::Allow);
            self.metrics.findings(direction, d, a.as_str(), h.count);
            let e = rec.hits.entry(d.clone()).or_insert((0, a));
            e.0 += h.count;
            e.1 = e.1.max(a);
        }
    }

    /// Settles the request's budget hold with its metered cost and appends its record. With
    /// `wait_for_commit` (the default) this returns once the record is durable, so no answer
    /// leaves before its record (the append waits on the blocking pool, never on an async
    /// worker); without it the record is queued for the log's next group commit.
    pub(super) async fn write_audit(&self, rec: &mut Record) {
        if let Some(h) = rec.hold.take() {
            h.settle_now(rec.cost.unwrap_or(0.0)).await;
        }
        let Some((log, e)) = self.audit_event(rec) else { return };
        let wait = self.live.load().config.audit.as_ref().is_none_or(|a| a.wait_for_commit);
        if !wait {
            // Queued for the committer thread's next batch: no thread is woken per request
            // beyond it, and closing the log at shutdown writes whatever is queued.
            if let Err(err) = log.append_queued(&e) {
                eprintln!("dlpjet gateway: audit record not written: {err}");
            }
            return;
        }
        let Ok(slot) = self.audit_slots.clone().acquire_owned().await else { return };
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(err) = log.append(&e) {
                eprintln!("dlpjet gateway: audit record not written: {err}");
            }
            drop(slot);
        })
        .await;
    }

    /// Settles the request's budget hold with its metered cost, and builds its record (none
    /// without an audit log).
    pub(super) fn audit_event(&self, rec: &mut Record) -> Option<(Arc<AuditLog>, AuditEvent)> {
        if let Some(h) = rec.hold.take() {
            h.settle(rec.cost.unwrap_or(0.0));
        }
        let log = self.audit.clone()?;
        let live = self.live.load();
        let action = EventAction::of(rec.action.unwrap_or(Action::Allow));
        let mut e = AuditEvent::new(rec.tenant.clone(), action)
            .target(rec.path.clone())
            .detail("instance", live.config.instance.clone());
        if let Some(k) = &rec.key_id {
            e = e.actor(format!("key:{k}"));
        }
        if let Some(u) = &rec.user {
            e = e.detail("user", u.clone());
        }
        if let Some(b) = &rec.block {
            e = e.detail("blocked", b.clone());
        }
        for (d, (n, a)) in &rec.hits {
            e.dlp.push(DetectorResult {
                detector: d.clone(),
                count: *n,
                action: a.as_str().into(),
                offsets: Vec::new(),
                fingerprints: Vec::new(),
            });
        }
        let gateway = GatewayRecord {
            model: rec.model.clone(),
            provider: rec.provider.clone(),
            input_tokens: rec.input_tokens,
            output_tokens: rec.output_tokens,
            cost: rec.cost,
            status: Some(rec.status),
            client_ip: rec.client_ip.clone(),
            user_agent: rec.user_agent.clone(),
            request_id: Some(rec.request_id.clone()),
            latency_ms: rec.started.map(|t| t.elapsed().as_secs_f64() * 1e3),
        };
        match gateway.section() {
            Ok(section) => e = e.section(SECTION, section),
            // Plain data always serializes; were it ever not to, the record keeps the rest.
            Err(err) => eprintln!("dlpjet gateway: audit record without its gateway fields: {err}"),
        }
        Some((log, e))
    }
}

/// The record of a request still being served; see [`Gateway::handle`].
pub(super) struct Unfinished {
    pub(super) gw: Arc<Gateway>,
    pub(super) rec: Option<Record>,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        // Taken when the request finished; a stream's record has moved to its task.
        let Some(mut rec) = self.rec.take().filter(|r| !r.tenant.is_empty()) else { return };
        rec.status = 499;
        // No waiting in a destructor: queued for the next group commit.
        if let Some((log, e)) = self.gw.audit_event(&mut rec) {
            if let Err(err) = log.append_queued(&e) {
                eprintln!("dlpjet gateway: audit record not written: {err}");
            }
        }
    }
}

pub(super) fn usage_of(doc: &Node, rec: &mut Record) {
    if let Some(u) = doc.get("usage") {
        rec.input_tokens = u.get("prompt_tokens").or_else(|| u.get("input_tokens")).and_then(Node::as_u64);
        rec.output_tokens = u.get("completion_tokens").or_else(|| u.get("output_tokens")).and_then(Node::as_u64);
    }
}

pub(super) fn cost(model: &crate::config::Model, (input, output): (Option<u64>, Option<u64>)) -> Option<f64> {
    if input.is_none() && output.is_none() {
        return None;
    }
    Some(input.unwrap_or(0) as f64 * model.input_price / 1e6 + output.unwrap_or(0) as f64 * model.output_price / 1e6)
}

/// The most a request can cost: its input counted as one token per three bytes of body (more
/// than any provider's tokenizer makes of text), and the output it allows (`max_tokens` or its
/// aliases, times `n` choices; `default_output_tokens` when it sets none).
pub(super) fn estimate_cost(
    model: &crate::config::Model,
    doc: &Node,
    body_len: usize,
    shape: Shape,
    default_out: u64,
) -> f64 {
    let input = body_len.div_ceil(3) as u64;
    let output = if shape == Shape::EmbeddingRequest {
        0
    } else {
        let max = ["max_tokens", "max_completion_tokens", "max_output_tokens"]
            .iter()
            .find_map(|k| doc.get(k).and_then(Node::as_u64))
            .unwrap_or(default_out);
        max.saturating_mul(doc.get("n").and_then(Node::as_u64).unwrap_or(1).max(1))
    };
    cost(model, (Some(input), Some(output))).unwrap_or(0.0)
}
