//! DLP over a streamed answer: the provider's event stream is read event by event, the text
//! deltas of each choice (OpenAI) or content block (Anthropic) are fed through one streaming
//! policy evaluation each, and the events are written back out carrying only the text the
//! policy released.
//!
//! A value split across any number of deltas is still caught, and no prefix of it is ever
//! written: the streaming scanner holds back only the bytes that could still be the start of
//! a finding, and releases them when the next delta (or the end of the choice) settles them.
//! What is held back at the end of a choice is written before the event that ends it.

use crate::dlp::json::{self, quote, splice, Node};
use crate::dlp::sse::{self, Item};
use crate::dlp::tokenize::{Restorer, Tokens};
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
}

/// One scanned text within a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Content,
    Refusal,
    Tool(u64),
    Text,
    Json,
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
        }
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
        match self.protocol {
            Protocol::OpenAiChat | Protocol::OpenAiCompletion => {
                self.openai(&doc, &mut edits, &mut before)?;
                self.last = Some(e.data.clone());
            }
            Protocol::Anthropic => self.anthropic(&e, &doc, &mut edits, &mut before)?,
        }
        for b in &before {
            sse::write_event(out, b);
        }
        if edits.is_empty() {
            sse::write_event(out, &e);
        } else {
            let mut edits: Vec<_> = edits.into_iter().map(|(r, t)| (r, quote(&t))).collect();
            edits.sort_by_key(|(r, _)| r.start);
            let data = splice(data, &edits);
            let data = String::from_utf8(data).map_err(|_| Stop::Malformed("rewritten event is not UTF-8".into()))?;
            sse::write_event(out, &sse::Event { data, ..e });
        }
        Ok(())
    }

    /// Feeds one delta string; the released text replaces it in the event.
    fn feed(&mut self, key: (u64, Slot), node: &Node, edits: &mut Edits) -> Result<(), Stop> {
        let Some(text) = node.as_str() else { return Ok(()) };
        let t = self.open.entry(key).or_insert_with(|| Text {
            policy: self.tenant.stream(Direction::Outbound),
            restore: self.tokens.clone().map(Restorer::new),
            carry: Vec::new(),
            settled: Vec::new(),
        });
        let mut released = std::mem::take(&mut t.carry);
        match &mut t.restore {
            None => t.policy.push(text.as_bytes(), &mut released).map_err(|b| Stop::Blocked(b.reason))?,
            Some(r) => {
                t.settled.clear();
                t.policy.push(text.as_bytes(), &mut t.settled).map_err(|b| Stop::Blocked(b.reason))?;
                r.push(&t.settled, &mut released);
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
        let Some(Text { policy, restore, carry: mut rest, settled: mut tail }) = self.open.remove(&key) else {
            return Ok(String::new());
        };
        let d = match restore {
            None => policy.finish(&mut rest),
            Some(mut r) => {
                tail.clear();
                let d = policy.finish(&mut tail);
                r.push(&tail, &mut rest);
                r.finish(&mut rest);
                d
            }
        };
        for f in &d.findings {
            let h = self.hits.entry(f.finding.detector.to_string()).or_insert((0, Action::Allow));
            h.0 += 1;
            h.1 = h.1.max(f.action);
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
mod tests {
    use super::*;
    use dlpjet_policy::PolicySet;

    const CARD: &str = "4111 1111 1111 1111";

    fn policy() -> PolicySet {
        PolicySet::from_toml(
            "version = 1\n[default.detectors.email]\naction = \"redact\"\n[default.detectors.credit_card]\naction = \"block\"\n",
            None,
        )
        .unwrap()
    }

    fn openai_stream(pieces: &[&str]) -> String {
        let mut s = String::new();
        for p in pieces {
            let data = serde_json::json!({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",
                "choices":[{"index":0,"delta":{"content":p},"finish_reason":null}]});
            s.push_str(&format!("data: {data}\n\n"));
        }
        let end = serde_json::json!({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",
            "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]});
        s.push_str(&format!("data: {end}\n\ndata: [DONE]\n\n"));
        s
    }

    /// The text the client reassembles from the filtered stream, and whether it saw an error.
    fn client_text(out: &[u8]) -> (String, bool) {
        let mut r = sse::Reader::new(1 << 20);
        let mut items = Vec::new();
        r.push(out, &mut items).unwrap();
        let mut text = String::new();
        let mut error = false;
        for i in items {
            let Item::Event(e) = i else { continue };
            if e.data == "[DONE]" {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            if v.get("error").is_some() || v["type"] == "error" {
                error = true;
            }
            for c in v["choices"].as_array().into_iter().flatten() {
                text.push_str(c["delta"]["content"].as_str().unwrap_or_default());
            }
            if v["type"] == "content_block_delta" {
                text.push_str(v["delta"]["text"].as_str().unwrap_or_default());
            }
        }
        (text, error)
    }

    fn run(protocol: Protocol, stream: &str, cuts: &[usize]) -> (Vec<u8>, Result<(), Stop>) {
        let p = policy();
        let mut f = StreamFilter::new(protocol, p.tenant("default").unwrap(), 64);
        let mut out = Vec::new();
        let b = stream.as_bytes();
        let mut from = 0;
        for &c in cuts.iter().chain(std::iter::once(&b.len())) {
            if let Err(e) = f.push(&b[from..c], &mut out) {
                return (out, Err(e));
            }
            from = c;
        }
        let r = f.finish(&mut out);
        (out, r)
    }

    #[test]
    fn value_split_across_deltas_is_redacted() {
        let s = openai_stream(&["write to ja", "ne@exa", "mple.org", " today"]);
        let (out, r) = run(Protocol::OpenAiChat, &s, &[]);
        r.unwrap();
        assert_eq!(client_text(&out), ("write to [EMAIL] today".into(), false));
    }

    #[test]
    fn characters_are_never_split_between_events() {
        let text: String = "写信给🙂é ".repeat(60) + "jane@example.org" + &"é🙂".repeat(40);
        let chars: Vec<char> = text.chars().collect();
        let expected = text.replace("jane@example.org", "[EMAIL]");
        for k in 1..8 {
            let pieces: Vec<String> = chars.chunks(k).map(|c| c.iter().collect()).collect();
            let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
            let (out, r) = run(Protocol::OpenAiChat, &openai_stream(&refs), &[]);
            r.unwrap();
            assert_eq!(client_text(&out).0, expected, "{k} characters per delta");
        }
    }

    #[test]
    fn held_back_text_is_written_before_the_finish() {
        let s = openai_stream(&["mail jane@example.org"]);
        let (out, r) = run(Protocol::OpenAiChat, &s, &[]);
        r.unwrap();
        let text = String::from_utf8(out).unwrap();
        let rest = text.find("[EMAIL]").unwrap();
        assert!(rest < text.find("\"stop\"").unwrap(), "{text}");
        assert!(text.ends_with("data: [DONE]\n\n"));
    }

    #[test]
    fn a_blocked_card_never_reaches_the_client() {
        let s = openai_stream(&["card 4111 11", "11 1111 1", "111 thanks"]);
        let (out, r) = run(Protocol::OpenAiChat, &s, &[]);
        assert!(matches!(r, Err(Stop::Blocked(_))));
        let (text, error) = client_text(&out);
        assert!(error);
        assert!(!text.contains("4111"), "{text}");
    }

    #[test]
    fn anthropic_stream() {
        let mut s = String::from(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":7}}}\n\n",
        );
        s.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for p in ["to jane@ex", "ample.org"] {
            let d = serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":p}});
            s.push_str(&format!("event: content_block_delta\ndata: {d}\n\n"));
        }
        s.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        s.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n");
        s.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        let p = policy();
        let mut f = StreamFilter::new(Protocol::Anthropic, p.tenant("default").unwrap(), 64);
        let mut out = Vec::new();
        f.push(s.as_bytes(), &mut out).unwrap();
        f.finish(&mut out).unwrap();
        assert_eq!(client_text(&out), ("to [EMAIL]".into(), false));
        assert_eq!(f.usage, Usage { input: Some(7), output: Some(5) });
        assert_eq!(f.hits["email"], (1, Action::Redact));
    }

    #[test]
    fn garbage_from_upstream_ends_in_an_error_event() {
        let (out, r) = run(Protocol::OpenAiChat, "data: {not json\n\n", &[]);
        assert!(matches!(r, Err(Stop::Malformed(_))));
        assert!(client_text(&out).1);
    }

    #[test]
    fn tokens_split_at_every_offset_come_back_as_values() {
        std::env::set_var("DLPJET_GATEWAY_STREAM_KEY", "a key of at least sixteen bytes");
        let p = PolicySet::from_toml(
            "version = 1\n[default]\npseudonym_key = { env = \"DLPJET_GATEWAY_STREAM_KEY\" }\n\
             [default.detectors.email]\naction = \"tokenize\"\n",
            None,
        )
        .unwrap();
        let tenant = p.tenant("default").unwrap();
        let value = "jane@example.org";
        let d = tenant.evaluate(Direction::Inbound, value.as_bytes());
        let token = String::from_utf8(d.redacted.unwrap()).unwrap();
        let mut tokens = Tokens::default();
        tokens.insert(token.clone().into_bytes(), value.as_bytes());
        let tokens = Arc::new(tokens);
        let text = format!("Dear {token}, [note] I wrote to {token}.");
        let expected = format!("Dear {value}, [note] I wrote to {value}.");
        // Every split of the text into two deltas, and every split of the wire into two reads.
        for at in 0..=text.len() {
            let s = openai_stream(&[&text[..at], &text[at..]]);
            for cut in [0, s.len() / 3, s.len() / 2] {
                let mut f = StreamFilter::new(Protocol::OpenAiChat, tenant, 64).restoring(tokens.clone());
                let mut out = Vec::new();
                f.push(&s.as_bytes()[..cut], &mut out).unwrap();
                f.push(&s.as_bytes()[cut..], &mut out).unwrap();
                f.finish(&mut out).unwrap();
                assert_eq!(client_text(&out), (expected.clone(), false), "split at {at}, read cut at {cut}");
            }
        }
    }

    /// Every byte offset of the wire, as the boundary between two network reads, with the card
    /// and the e-mail address also split across deltas: no prefix of the card reaches the client
    /// and the address always arrives redacted.
    #[test]
    fn every_read_boundary_is_safe() {
        let pieces = ["Sure. Pay with 4111 11", "11 1111 1111 and mail ja", "ne@exa", "mple.org today."];
        let s = openai_stream(&pieces);
        for cut in 0..=s.len() {
            let (out, r) = run(Protocol::OpenAiChat, &s, &[cut]);
            assert!(r.is_err(), "cut {cut}: the card was not blocked");
            let (text, error) = client_text(&out);
            assert!(error, "cut {cut}: no error event");
            assert!(!text.contains("4111"), "cut {cut}: {text:?}");
            assert!(!String::from_utf8_lossy(&out).contains("4111 1"), "cut {cut}");
        }
        let s = openai_stream(&pieces[2..]);
        for cut in 0..=s.len() {
            let (out, r) = run(Protocol::OpenAiChat, &s, &[cut]);
            r.unwrap();
            assert_eq!(client_text(&out), ("[EMAIL] today.".to_string(), false), "cut {cut}");
        }
    }

    proptest::proptest! {
        /// Split anywhere across network reads, a planted card never reaches the client and
        /// a planted email always arrives redacted.
        #[test]
        fn no_split_leaks(cuts in proptest::collection::vec(0usize..2000, 0..6), at in 1usize..8) {
            let text = format!("hello there {} bye", "x".repeat(at));
            let (a, b) = text.split_at(at);
            let pieces = [a, b, " card ", &CARD[..at], &CARD[at..], " end"];
            let s = openai_stream(&pieces);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (s.len() + 1)).collect();
            cuts.sort();
            let (out, r) = run(Protocol::OpenAiChat, &s, &cuts);
            proptest::prop_assert!(r.is_err());
            let all = String::from_utf8_lossy(&out);
            proptest::prop_assert!(!all.contains(&CARD[..at.max(4)]), "{}", all);
            let digits: String = client_text(&out).0.chars().filter(char::is_ascii_digit).collect();
            proptest::prop_assert!(!digits.contains("4111"));

            let mail = ["mail ja", "ne@exam", "ple.org", " ok"];
            let s = openai_stream(&mail);
            let mut cuts2: Vec<usize> = cuts.iter().map(|c| c % (s.len() + 1)).collect();
            cuts2.sort();
            let (out, r) = run(Protocol::OpenAiChat, &s, &cuts2);
            proptest::prop_assert!(r.is_ok());
            proptest::prop_assert_eq!(client_text(&out), ("mail [EMAIL] ok".to_string(), false));
        }
    }
}
