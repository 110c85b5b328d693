//! The OpenAI Responses API's event stream (`POST /v1/responses` with `"stream": true`): text,
//! refusal, function-call argument, reasoning-summary and reasoning deltas are streamed through
//! the policy per output item and part; the `.done`, `response.output_item.done` and
//! `response.completed` events that repeat the whole text are read whole like every other
//! event (so they carry the same redactions), without counting its findings again.

use super::{Edits, Slot, Stop, StreamFilter};
use crate::dlp::json::{quote, Node};
use crate::dlp::sse;

/// The delta event type of each streamed slot, and the index field that names its part.
fn delta_type(slot: Slot) -> (&'static str, Option<(&'static str, u64)>) {
    match slot {
        Slot::Part(ci) => ("response.output_text.delta", Some(("content_index", ci))),
        Slot::Refusal => ("response.refusal.delta", Some(("content_index", 0))),
        Slot::Json => ("response.function_call_arguments.delta", None),
        Slot::Summary(si) => ("response.reasoning_summary_text.delta", Some(("summary_index", si))),
        _ => ("response.reasoning_text.delta", Some(("content_index", 0))),
    }
}

impl StreamFilter {
    /// Reads one Responses event. Returns whether it repeats text already streamed (its
    /// findings are not counted again).
    pub(super) fn responses(
        &mut self,
        e: &sse::Event,
        doc: &Node,
        edits: &mut Edits,
        before: &mut Vec<sse::Event>,
    ) -> Result<bool, Stop> {
        let kind = doc.get("type").and_then(Node::as_str).or(e.event.as_deref()).unwrap_or_default();
        let idx = doc.get("output_index").and_then(Node::as_u64).unwrap_or(0);
        let index = |k: &str| doc.get(k).and_then(Node::as_u64).unwrap_or(0);
        if let Some(id) = doc.get("item_id").and_then(Node::as_str) {
            self.items.insert(idx, id.to_string());
        }
        let (base, done) = match (kind.strip_suffix(".delta"), kind.strip_suffix(".done")) {
            (Some(b), _) => (b, false),
            (_, Some(b)) => (b, true),
            _ => (kind, false),
        };
        let slot = match base {
            "response.output_text" => Some(Slot::Part(index("content_index"))),
            "response.refusal" => Some(Slot::Refusal),
            "response.function_call_arguments" => Some(Slot::Json),
            "response.reasoning_summary_text" => Some(Slot::Summary(index("summary_index"))),
            "response.reasoning_text" => Some(Slot::Thinking),
            _ => None,
        };
        match (slot, done) {
            (Some(slot), false) => {
                if let Some(n) = doc.get("delta") {
                    self.feed((idx, slot), n, edits)?;
                }
                Ok(false)
            }
            (Some(slot), true) => {
                if let Some(rest) = self.close_into((idx, slot), None, edits)? {
                    before.push(self.responses_delta((idx, slot), &rest));
                }
                Ok(true)
            }
            (None, _) => match kind {
                "response.completed" | "response.incomplete" | "response.failed" => {
                    let u = doc.get("response").and_then(|r| r.get("usage"));
                    self.usage.input =
                        u.and_then(|u| u.get("input_tokens")).and_then(Node::as_u64).or(self.usage.input);
                    self.usage.output =
                        u.and_then(|u| u.get("output_tokens")).and_then(Node::as_u64).or(self.usage.output);
                    let keys: Vec<_> = self.open.keys().copied().collect();
                    for key in keys {
                        if let Some(rest) = self.close_into(key, None, edits)? {
                            before.push(self.responses_delta(key, &rest));
                        }
                    }
                    Ok(true)
                }
                "response.output_item.done" | "response.content_part.done" => Ok(true),
                _ => Ok(false),
            },
        }
    }

    /// A delta event of its own carrying the settled rest of one text.
    pub(super) fn responses_delta(&self, (idx, slot): (u64, Slot), rest: &str) -> sse::Event {
        let (ty, part) = delta_type(slot);
        let item = self.items.get(&idx).map(|s| s.as_str()).unwrap_or_default();
        let part = part.map(|(k, v)| format!(r#","{k}":{v}"#)).unwrap_or_default();
        let (item, rest) =
            (String::from_utf8_lossy(&quote(item)).into_owned(), String::from_utf8_lossy(&quote(rest)).into_owned());
        sse::Event {
            event: Some(ty.into()),
            data: format!(r#"{{"type":"{ty}","item_id":{item},"output_index":{idx}{part},"delta":{rest}}}"#),
            ..sse::Event::default()
        }
    }
}
