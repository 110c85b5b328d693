//! DLP over a streamed answer: the provider's event stream is read event by event, the text
//! deltas of each choice (OpenAI) or content block (Anthropic) are fed through one streaming
//! policy evaluation each, and the events are written back out carrying only the text the
//! policy released.
//!
//! A value split across any number of deltas is still caught, and no prefix of it is ever
//! written: the streaming scanner holds back only the bytes that could still be the start of
//! a finding, and releases them when the next delta (or the end of the choice) settles them.
//! What is held back at the end of a choice is written before the event that ends it.

use crate::dlp::fields::{inspect_pieces, OpaqueFiles, Reading, TokenUse};
use crate::dlp::json::{self, quote, splice, Node};
use crate::dlp::secrets::{self, Scrubber, Secrets};
use crate::dlp::sse::{self, Item};
use crate::dlp::tokenize::{Restorer, Tokens};
use crate::dlp::walk;
use dlpjet_policy::{Action, BlockReason, Direction, PolicyStream, Tenant};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// Which provider stream is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OpenAI chat completions: `choices[].delta.content`, `.refusal`, `.tool_calls[].function.arguments`.
    OpenAiChat,
    /// OpenAI text completions: `choices[].text`.
    OpenAiCompletion,
    /// Anthropic messages: `content_block_delta` text, `input_json_delta` and thinking.
    Anthropic,
    /// OpenAI responses: `response.output_text.delta`, function-call arguments, refusals,
    /// reasoning summaries and reasoning text.
    OpenAiResponses,
}

/// One scanned text within a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Content,
    Refusal,
    Tool(u64),
    Text,
    Json,
    /// OpenAI-compatible reasoning deltas: `reasoning_content` (`true`) or `reasoning`.
    Reasoning(bool),
    /// A Responses output item's content part.
    Part(u64),
    /// A Responses reasoning summary part.
    Summary(u64),
    Thinking,
}

/// Token counts the provider reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens.
    pub input: Option<u64>,
    /// Completion tokens.
    pub output: Option<u64>,
}

/// The stream was stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Stop {
    /// By the policy; the error event has been written.
    #[error("blocked by policy: {0}")]
    Blocked(BlockReason),
    /// The provider's stream was not a well-formed event stream of its kind; the error event
    /// has been written.
    #[error("malformed upstream stream: {0}")]
    Malformed(String),
}

/// One text being streamed: its policy evaluation, the restoring of the request's tokens in
/// what the policy releases, and the start of a UTF-8 character whose rest has not been
/// released yet (a character is never split between two events).
#[derive(Debug)]
struct Text {
    policy: PolicyStream,
    restore: Option<Restorer>,
    /// Removes the secrets lent to the request from what the policy released.
    scrub: Option<Scrubber>,
    carry: Vec<u8>,
    /// What the policy released, before tokens are restored in it (reused across deltas).
    settled: Vec<u8>,
}

/// Edits to one event's data: byte span → the text (unquoted) that replaces the string there.
type Edits = Vec<(Range<usize>, String)>;

/// Filters one provider stream.
#[derive(Debug)]
pub struct StreamFilter {
    protocol: Protocol,
    tenant: Tenant,
    reader: sse::Reader,
    open: BTreeMap<(u64, Slot), Text>,
    max_depth: usize,
    /// Findings per detector, with the strictest action taken.
    pub hits: BTreeMap<String, (usize, Action)>,
    /// The strictest action so far.
    pub action: Action,
    /// Token counts, when the provider sent them.
    pub usage: Usage,
    /// The last event's data (OpenAI), the envelope for text flushed at the end.
    last: Option<String>,
    stopped: bool,
    /// The request's tokens, put back into the answer.
    tokens: Option<Arc<Tokens>>,
    /// Secrets lent to the request, removed whatever the policy says.
    secrets: Secrets,
    opaque: OpaqueFiles,
    /// The caller did not ask for usage in the stream (the gateway did, to meter it): the
    /// usage-only chunk is read, not passed on.
    hide_usage: bool,
    /// Where the strings of the current event that went through `feed` start.
    fed: Vec<usize>,
    /// Responses: the item id of each output index, for the events the filter writes itself.
    items: BTreeMap<u64, String>,
    /// Edits of the current event that replace a value outright (JSON text, not a string).
    raw: Vec<(Range<usize>, Vec<u8>)>,
    /// Whether the detectors that warned are named in a comment at the end of the stream
    /// (a header cannot be added once the first byte has left); `warned` once written.
    warn_comment: bool,
    warned: bool,
}

impl StreamFilter {
    /// A filter applying `tenant`'s outbound policy to a `protocol` stream.
    pub fn new(protocol: Protocol, tenant: &Tenant, max_depth: usize) -> StreamFilter {
        StreamFilter {
            protocol,
            tenant: tenant.clone(),
            reader: sse::Reader::new(4 << 20),
            open: BTreeMap::new(),
            max_depth,
            hits: BTreeMap::new(),
            action: Action::Allow,
            usage: Usage::default(),
            last: None,
            stopped: false,
            tokens: None,
            secrets: Secrets::default(),
            opaque: OpaqueFiles::default(),
            hide_usage: false,
            fed: Vec::new(),
            items: BTreeMap::new(),
            raw: Vec::new(),
            warn_comment: false,
            warned: false,
        }
    }

    /// Removes `secrets` from everything passed on, and treats payloads it cannot read as
    /// `opaque` says.
    pub fn reading(mut self, opaque: OpaqueFiles, secrets: Secrets) -> StreamFilter {
        self.opaque = opaque;
        self.secrets = secrets;
        self
    }

    /// Names the detectors that warned in an SSE comment (`: x-dlpjet-warning: email,ipv4`)
    /// before the stream's last event; off by default (strict clients may not expect comments).
    pub fn warning_comment(mut self, on: bool) -> StreamFilter {
        self.warn_comment = on;
        self
    }

    /// Writes the warning comment, once, if it is on and something warned.
    fn write_warning(&mut self, out: &mut Vec<u8>) {
        if !self.warn_comment || self.warned {
            return;
        }
        self.warned = true;
        let warned: Vec<&str> =
            self.hits.iter().filter(|(_, (_, a))| *a == Action::Warn).map(|(d, _)| d.as_str()).collect();
        if !warned.is_empty() {
            sse::write_comment(out, &format!(" x-dlpjet-warning: {}", warned.join(",")));
        }
    }

    /// Reads the OpenAI usage-only chunk (`"choices": []`) without passing it on: the gateway
    /// asked for it, not the caller, whose `chunk.choices[0]` would fail on it.
    pub fn hiding_usage(mut self, hide: bool) -> StreamFilter {
        self.hide_usage = hide;
        self
    }

    /// Puts the request's `tokens` back where the answer's text repeats them (after the
    /// policy has decided on the text as the provider wrote it).
    pub fn restoring(mut self, tokens: Arc<Tokens>) -> StreamFilter {
        self.tokens = (!tokens.is_empty()).then_some(tokens);
        self
    }

    /// Reads the next bytes of the provider's stream and appends what may go to the client to
    /// `out`. After a [`Stop`], `out` ends with an error event and the stream is over.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Stop> {
        if self.stopped {
            return Ok(());
        }
        let mut items = Vec::new();
        if let Err(e) = self.reader.push(chunk, &mut items) {
            return Err(self.stop(Stop::Malformed(e.to_string()), out));
        }
        for item in items {
            let r = match item {
                Item::Comment(c) => {
                    sse::write_comment(out, &c);
                    Ok(())
                }
                Item::Event(e) => self.event(e, out),
            };
            if let Err(s) = r {
                return Err(self.stop(s, out));
            }
        }
        Ok(())
    }

    /// The provider's stream ended: whatever is still held back is settled and written.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), Stop> {
        if self.stopped {
            return Ok(());
        }
        let keys: Vec<_> = self.open.keys().copied().collect();
        for key in keys {
            let rest = self.close(key).map_err(|s| self.stop(s, out))?;
            if !rest.is_empty() {
                let e = self.synthetic(key, &rest);
                sse::write_event(out, &e);
            }
        }
        self.write_warning(out);
        Ok(())
    }

    fn stop(&mut self, s: Stop, out: &mut Vec<u8>) -> Stop {
        self.stopped = true;
        self.open.clear();
        let (kind, message) = match &s {
            Stop::Blocked(r) => {
                ("dlp_blocked", format!("the response was blocked by the data loss prevention policy: {r}"))
            }
            Stop::Malformed(m) => ("upstream_error", format!("the provider's stream could not be read: {m}")),
        };
        let code = match &s {
            Stop::Blocked(BlockReason::Detector { detector, .. }) => detector.to_string(),
            Stop::Blocked(r) => r.code().to_string(),
            Stop::Malformed(_) => "malformed_stream".into(),
        };
        let e = match self.protocol {
            Protocol::Anthropic => sse::Event {
                event: Some("error".into()),
                data: format!(
                    r#"{{"type":"error","error":{{"type":{},"message":{}}}}}"#,
                    String::from_utf8_lossy(&quote(kind)),
                    String::from_utf8_lossy(&quote(&message))
                ),
                ..sse::Event::default()
            },
            _ => sse::Event {
                data: format!(
                    r#"{{"error":{{"message":{},"type":{},"code":{}}}}}"#,
                    String::from_utf8_lossy(&quote(&message)),
                    String::from_utf8_lossy(&quote(kind)),
                    String::from_utf8_lossy(&quote(&code))
                ),
                ..sse::Event::default()
            },
        };
        sse::write_event(out, &e);
        if let Stop::Blocked(_) = s {
            self.action = Action::Block;
        }
        s
    }

    fn event(&mut self, e: sse::Event, out: &mut Vec<u8>) -> Result<(), Stop> {
        if self.protocol != Protocol::Anthropic && e.data == "[DONE]" {
            self.finish(out)?;
            self.write_warning(out);
            sse::write_event(out, &e);
            return Ok(());
        }
        if e.data.is_empty() {
            // Event-stream readers do not dispatch an event without data (WHATWG), and the SDKs
            // would fail to parse an empty one: nothing to pass on.
            return Ok(());
        }
        let data = e.data.as_bytes();
        let doc = json::parse(data, self.max_depth).map_err(|err| Stop::Malformed(format!("event data: {err}")))?;
        let mut edits = Edits::new();
        let mut before = Vec::new();
        self.fed.clear();
        self.raw.clear();
        let mut repeats = false;
        match self.protocol {
            Protocol::OpenAiChat | Protocol::OpenAiCompletion => {
                self.openai(&doc, &mut edits, &mut before)?;
                self.last = Some(e.data.clone());
            }
            Protocol::Anthropic => self.anthropic(&e, &doc, &mut edits, &mut before)?,
            Protocol::OpenAiResponses => repeats = self.responses(&e, &doc, &mut edits, &mut before)?,
        }
        for b in &before {
            sse::write_event(out, b);
        }
        let usage_only = self.hide_usage
            && doc.get("usage").is_some_and(|u| !u.is_null())
            && doc.get("choices").is_some_and(|c| c.items().is_empty());
        if usage_only {
            return Ok(());
        }
        // Every other string of the event (ids and types aside) is read whole: text a provider
        // puts in a start event, an error event, logprobs, fields no dialect lists yet.
        let rest: Vec<_> = walk::strings(&doc)
            .into_iter()
            .filter(|p| !self.fed.contains(&p.node.span.start))
            .filter(|p| !self.raw.iter().any(|(r, _)| r.start <= p.node.span.start && p.node.span.end <= r.end))
            .collect();
        let reading = Reading { opaque: self.opaque, secrets: &self.secrets };
        let none = Tokens::default();
        let tokens = TokenUse::Restore(self.tokens.as_deref().unwrap_or(&none));
        let v = inspect_pieces(&self.tenant, Direction::Outbound, rest, &reading, tokens);
        if !repeats {
            for (d, h) in &v.hits {
                self.count(d, h.count, h.action.unwrap_or(Action::Allow));
            }
        }
        self.action = self.action.max(v.action);
        if let Some(reason) = v.blocked {
            return Err(Stop::Blocked(reason));
        }
        let raw = std::mem::take(&mut self.raw);
        let mut all: Vec<_> = edits.into_iter().map(|(r, t)| (r, quote(&t))).chain(v.edits).chain(raw).collect();
        all.sort_by_key(|(r, _)| r.start);
        let mut data = if all.is_empty() { data.to_vec() } else { splice(data, &all) };
        // A lent secret anywhere else in the event (an object key, say).
        if let Some((scrubbed, n)) = self.secrets.scrub(&data) {
            self.count(secrets::DETECTOR, n, Action::Redact);
            data = scrubbed;
        }
        let kind = doc.get("type").and_then(Node::as_str);
        if matches!(kind, Some("message_stop" | "response.completed" | "response.incomplete")) {
            self.write_warning(out);
        }
        if all.is_empty() && data.len() == e.data.len() {
            sse::write_event(out, &e);
        } else {
            let data = String::from_utf8(data).map_err(|_| Stop::Malformed("rewritten event is not UTF-8".into()))?;
            sse::write_event(out, &sse::Event { data, ..e });
        }
        Ok(())
    }

    fn count(&mut self, detector: &str, n: usize, action: Action) {
        let h = self.hits.entry(detector.to_string()).or_insert((0, Action::Allow));
        h.0 += n;
        h.1 = h.1.max(action);
        self.action = self.action.max(action);
    }

    /// Feeds one delta string; the released text replaces it in the event.
    fn feed(&mut self, key: (u64, Slot), node: &Node, edits: &mut Edits) -> Result<(), Stop> {
        let Some(text) = node.as_str() else { return Ok(()) };
        self.fed.push(node.span.start);
        let secrets = &self.secrets;
        let t = self.open.entry(key).or_insert_with(|| Text {
            policy: self.tenant.stream(Direction::Outbound),
            restore: self.tokens.clone().map(Restorer::new),
            scrub: (!secrets.is_empty()).then(|| Scrubber::new(secrets.clone())),
            carry: Vec::new(),
            settled: Vec::new(),
        });
        let mut released = std::mem::take(&mut t.carry);
        if t.restore.is_none() && t.scrub.is_none() {
            t.policy.push(text.as_bytes(), &mut released).map_err(|b| Stop::Blocked(b.reason))?;
        } else {
            t.settled.clear();
            t.policy.push(text.as_bytes(), &mut t.settled).map_err(|b| Stop::Blocked(b.reason))?;
            let mut restored = Vec::new();
            let settled = match &mut t.restore {
                Some(r) => {
                    r.push(&t.settled, &mut restored);
                    &restored
                }
                None => &t.settled,
            };
            match &mut t.scrub {
                Some(s) => s.push(settled, &mut released),
                None => released.extend_from_slice(settled),
            }
        }
        let keep = dlpjet::offsets::incomplete_tail(&released);
        t.carry.extend_from_slice(&released[released.len() - keep..]);
        released.truncate(released.len() - keep);
        edits.push((node.span.clone(), String::from_utf8_lossy(&released).into_owned()));
        Ok(())
    }

    /// Ends one text: the rest of it, now settled.
    fn close(&mut self, key: (u64, Slot)) -> Result<String, Stop> {
        let Some(Text { policy, restore, scrub, carry: mut rest, settled: mut tail }) = self.open.remove(&key) else {
            return Ok(String::new());
        };
        tail.clear();
        let d = policy.finish(&mut tail);
        let mut restored = Vec::new();
        match restore {
            Some(mut r) => {
                r.push(&tail, &mut restored);
                r.finish(&mut restored);
            }
            None => restored = tail,
        }
        if let Some(mut s) = scrub {
            s.push(&restored, &mut rest);
            s.finish(&mut rest);
            if s.found > 0 {
                self.count(secrets::DETECTOR, s.found, Action::Redact);
            }
        } else {
            rest.extend_from_slice(&restored);
        }
        for f in &d.findings {
            self.count(&f.finding.detector, 1, f.action);
        }
        self.action = self.action.max(d.action);
        if let (Action::Block, Some(r)) = (d.action, d.reason) {
            return Err(Stop::Blocked(r));
        }
        Ok(String::from_utf8_lossy(&rest).into_owned())
    }

    /// Appends the settled rest of `key` to the edit of its field in this event, if the event
    /// has that field; otherwise returns it for an event of its own.
    fn close_into(
        &mut self,
        key: (u64, Slot),
        field: Option<&Node>,
        edits: &mut Edits,
    ) -> Result<Option<String>, Stop> {
        let rest = self.close(key)?;
        if rest.is_empty() {
            return Ok(None);
        }
        if let Some(edit) = field.and_then(|f| edits.iter_mut().find(|(r, _)| *r == f.span)) {
            edit.1.push_str(&rest);
            return Ok(None);
        }
        Ok(Some(rest))
    }

    fn openai(&mut self, doc: &Node, edits: &mut Edits, before: &mut Vec<sse::Event>) -> Result<(), Stop> {
        if let Some(u) = doc.get("usage") {
            self.usage.input = u.get("prompt_tokens").and_then(Node::as_u64).or(self.usage.input);
            self.usage.output = u.get("completion_tokens").and_then(Node::as_u64).or(self.usage.output);
        }
        for choice in doc.get("choices").map(Node::items).unwrap_or_default() {
            let idx = choice.get("index").and_then(Node::as_u64).unwrap_or(0);
            let mut fields: Vec<((u64, Slot), &Node)> = Vec::new();
            if self.protocol == Protocol::OpenAiCompletion {
                if let Some(t) = choice.get("text") {
                    fields.push(((idx, Slot::Text), t));
                }
            } else if let Some(delta) = choice.get("delta") {
                if let Some(c) = delta.get("content") {
                    fields.push(((idx, Slot::Content), c));
                }
                if let Some(c) = delta.get("refusal") {
                    fields.push(((idx, Slot::Refusal), c));
                }
                if let Some(c) = delta.get("reasoning_content") {
                    fields.push(((idx, Slot::Reasoning(true)), c));
                }
                if let Some(c) = delta.get("reasoning") {
                    fields.push(((idx, Slot::Reasoning(false)), c));
                }
                for call in delta.get("tool_calls").map(Node::items).unwrap_or_default() {
                    let ti = call.get("index").and_then(Node::as_u64).unwrap_or(0);
                    if let Some(a) = call.get("function").and_then(|f| f.get("arguments")) {
                        fields.push(((idx, Slot::Tool(ti)), a));
                    }
                }
            }
            for (key, node) in &fields {
                self.feed(*key, node, edits)?;
            }
            let finished = choice.get("finish_reason").is_some_and(|f| !f.is_null());
            if finished {
                let keys: Vec<_> =
                    self.open.range((idx, Slot::Content)..=(idx, Slot::Thinking)).map(|(k, _)| *k).collect();
                for key in keys {
                    let field = fields.iter().find(|(k, _)| *k == key).map(|(_, n)| *n);
                    if let Some(rest) = self.close_into(key, field, edits)? {
                        before.push(self.synthetic(key, &rest));
                    }
                }
            }
            // Logprobs carry the delta's text again, token by token: where the text that
            // leaves differs from what came (held back, redacted), they would give it away.
            let changed = fields.iter().any(|(_, n)| {
                edits.iter().find(|(r, _)| *r == n.span).is_some_and(|(_, t)| Some(t.as_str()) != n.as_str())
            });
            if let Some(lp) = choice.get("logprobs").filter(|lp| changed && !lp.is_null()) {
                self.raw.push((lp.span.clone(), b"null".to_vec()));
            }
        }
        Ok(())
    }

    fn anthropic(
        &mut self,
        e: &sse::Event,
        doc: &Node,
        edits: &mut Edits,
        before: &mut Vec<sse::Event>,
    ) -> Result<(), Stop> {
        let kind = doc.get("type").and_then(Node::as_str).or(e.event.as_deref()).unwrap_or_default();
        let idx = doc.get("index").and_then(Node::as_u64).unwrap_or(0);
        match kind {
            "message_start" => {
                let u = doc.get("message").and_then(|m| m.get("usage"));
                self.usage.input = u.and_then(|u| u.get("input_tokens")).and_then(Node::as_u64).or(self.usage.input);
            }
            "message_delta" => {
                let u = doc.get("usage");
                self.usage.output = u.and_then(|u| u.get("output_tokens")).and_then(Node::as_u64).or(self.usage.output);
            }
            // A block may start with text (`"text": "Key AKIAQ4XN"`) that its first delta
            // continues: it is the first piece of the block's text, not a string of its own.
            "content_block_start" => {
                let Some(block) = doc.get("content_block") else { return Ok(()) };
                let (slot, field) = match block.get("type").and_then(Node::as_str) {
                    Some("text") => (Slot::Text, "text"),
                    Some("thinking") => (Slot::Thinking, "thinking"),
                    _ => return Ok(()),
                };
                if let Some(n) = block.get(field).filter(|n| n.as_str().is_some_and(|t| !t.is_empty())) {
                    self.feed((idx, slot), n, edits)?;
                }
            }
            "content_block_delta" => {
                let Some(delta) = doc.get("delta") else { return Ok(()) };
                let (slot, field) = match delta.get("type").and_then(Node::as_str) {
                    Some("text_delta") => (Slot::Text, "text"),
                    Some("input_json_delta") => (Slot::Json, "partial_json"),
                    Some("thinking_delta") => (Slot::Thinking, "thinking"),
                    _ => return Ok(()),
                };
                if let Some(n) = delta.get(field) {
                    self.feed((idx, slot), n, edits)?;
                }
            }
            "content_block_stop" => {
                let keys: Vec<_> =
                    self.open.range((idx, Slot::Content)..=(idx, Slot::Thinking)).map(|(k, _)| *k).collect();
                for key in keys {
                    if let Some(rest) = self.close_into(key, None, edits)? {
                        before.push(self.synthetic(key, &rest));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// An event of its own carrying the settled rest of one text.
    fn synthetic(&self, (idx, slot): (u64, Slot), rest: &str) -> sse::Event {
        let text = String::from_utf8_lossy(&quote(rest)).into_owned();
        match self.protocol {
            Protocol::OpenAiResponses => self.responses_delta((idx, slot), rest),
            Protocol::Anthropic => {
                let (ty, field) = match slot {
                    Slot::Json => ("input_json_delta", "partial_json"),
                    Slot::Thinking => ("thinking_delta", "thinking"),
                    _ => ("text_delta", "text"),
                };
                sse::Event {
                    event: Some("content_block_delta".into()),
                    data: format!(
                        r#"{{"type":"content_block_delta","index":{idx},"delta":{{"type":"{ty}","{field}":{text}}}}}"#
                    ),
                    ..sse::Event::default()
                }
            }
            _ => {
                let choice = match slot {
                    Slot::Text => format!(r#"{{"index":{idx},"text":{text},"logprobs":null,"finish_reason":null}}"#),
                    Slot::Refusal => format!(r#"{{"index":{idx},"delta":{{"refusal":{text}}},"finish_reason":null}}"#),
                    Slot::Reasoning(true) => {
                        format!(r#"{{"index":{idx},"delta":{{"reasoning_content":{text}}},"finish_reason":null}}"#)
                    }
                    Slot::Reasoning(false) => {
                        format!(r#"{{"index":{idx},"delta":{{"reasoning":{text}}},"finish_reason":null}}"#)
                    }
                    Slot::Tool(ti) => format!(
                        r#"{{"index":{idx},"delta":{{"tool_calls":[{{"index":{ti},"function":{{"arguments":{text}}}}}]}},"finish_reason":null}}"#
                    ),
                    _ => format!(r#"{{"index":{idx},"delta":{{"content":{text}}},"finish_reason":null}}"#),
                };
                // The envelope (id, object, created, model) of the last event, with this choice.
                let data = self
                    .last
                    .as_deref()
                    .and_then(|last| {
                        let doc = json::parse(last.as_bytes(), self.max_depth).ok()?;
                        let choices = doc.get("choices")?;
                        let mut edits = vec![(choices.span.clone(), format!("[{choice}]").into_bytes())];
                        if let Some(u) = doc.get("usage") {
                            edits.push((u.span.clone(), b"null".to_vec()));
                            edits.sort_by_key(|(r, _)| r.start);
                        }
                        String::from_utf8(splice(last.as_bytes(), &edits)).ok()
                    })
                    .unwrap_or_else(|| format!(r#"{{"object":"chat.completion.chunk","choices":[{choice}]}}"#));
                sse::Event { data, ..sse::Event::default() }
            }
        }
    }
}

#[cfg(test)]
mod leaks;
mod responses;
#[cfg(test)]
mod tests;
