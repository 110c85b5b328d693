//! Which strings of a provider's JSON are text a person or a model wrote — the ones DLP scans —
//! and the policy applied to them.
//!
//! Only those strings are scanned and rewritten; keys, numbers, model names, ids and the JSON
//! syntax around them are never touched, so the body that goes on is the body that came in
//! with exactly the decided strings changed.

use crate::dlp::json::{quote, Node, Value};
use crate::dlp::tokenize::Tokens;
use dlpjet_policy::{Action, BlockReason, Direction, Tenant};
use std::collections::BTreeMap;
use std::ops::Range;

/// The kinds of body the gateway inspects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// OpenAI `POST /chat/completions` request.
    ChatRequest,
    /// OpenAI `POST /completions` request.
    CompletionRequest,
    /// OpenAI `POST /embeddings` request.
    EmbeddingRequest,
    /// Anthropic `POST /messages` request.
    MessagesRequest,
    /// OpenAI chat completion (non-streamed).
    ChatResponse,
    /// OpenAI text completion (non-streamed).
    CompletionResponse,
    /// Anthropic message (non-streamed).
    MessagesResponse,
}

/// The text strings of `doc`, read as `shape`, in document order.
pub fn text_fields(doc: &Node, shape: Shape) -> Vec<&Node> {
    let mut out = Vec::new();
    match shape {
        Shape::ChatRequest => {
            for m in doc.get("messages").map(Node::items).unwrap_or_default() {
                openai_message(m, &mut out);
            }
        }
        Shape::CompletionRequest => strings_or_list(doc.get("prompt"), &mut out),
        Shape::EmbeddingRequest => strings_or_list(doc.get("input"), &mut out),
        Shape::MessagesRequest => {
            anthropic_content(doc.get("system"), &mut out);
            for m in doc.get("messages").map(Node::items).unwrap_or_default() {
                anthropic_content(m.get("content"), &mut out);
            }
        }
        Shape::ChatResponse => {
            for c in doc.get("choices").map(Node::items).unwrap_or_default() {
                if let Some(m) = c.get("message") {
                    openai_message(m, &mut out);
                }
            }
        }
        Shape::CompletionResponse => {
            for c in doc.get("choices").map(Node::items).unwrap_or_default() {
                push_str(c.get("text"), &mut out);
            }
        }
        Shape::MessagesResponse => anthropic_content(doc.get("content"), &mut out),
    }
    out.sort_by_key(|n| n.span.start);
    out
}

fn push_str<'a>(n: Option<&'a Node>, out: &mut Vec<&'a Node>) {
    if let Some(n) = n.filter(|n| n.as_str().is_some()) {
        out.push(n);
    }
}

/// A string, or a list of strings (token arrays are numbers and are skipped).
fn strings_or_list<'a>(n: Option<&'a Node>, out: &mut Vec<&'a Node>) {
    let Some(n) = n else { return };
    push_str(Some(n), out);
    for i in n.items() {
        push_str(Some(i), out);
    }
}

/// Every string inside `n` (tool inputs given as JSON objects).
fn all_strings<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    match &n.value {
        Value::String(_) => out.push(n),
        Value::Array(a) => a.iter().for_each(|i| all_strings(i, out)),
        Value::Object(m) => m.iter().for_each(|(_, v)| all_strings(v, out)),
        _ => {}
    }
}

/// An OpenAI message: `content` as a string or parts, `tool_calls[].function.arguments`,
/// the legacy `function_call.arguments`, and `refusal`.
fn openai_message<'a>(m: &'a Node, out: &mut Vec<&'a Node>) {
    match m.get("content") {
        Some(c) if c.as_str().is_some() => out.push(c),
        Some(c) => {
            for part in c.items() {
                if part.get("type").and_then(Node::as_str) == Some("text") {
                    push_str(part.get("text"), out);
                }
            }
        }
        None => {}
    }
    push_str(m.get("refusal"), out);
    for call in m.get("tool_calls").map(Node::items).unwrap_or_default() {
        push_str(call.get("function").and_then(|f| f.get("arguments")), out);
    }
    push_str(m.get("function_call").and_then(|f| f.get("arguments")), out);
}

/// Anthropic content: a string, or blocks — `text`, `tool_use.input` (every string in it),
/// `tool_result.content` (a string or text blocks).
fn anthropic_content<'a>(c: Option<&'a Node>, out: &mut Vec<&'a Node>) {
    let Some(c) = c else { return };
    if c.as_str().is_some() {
        out.push(c);
        return;
    }
    for block in c.items() {
        match block.get("type").and_then(Node::as_str) {
            Some("text") => push_str(block.get("text"), out),
            Some("tool_use") => {
                if let Some(input) = block.get("input") {
                    all_strings(input, out);
                }
            }
            Some("tool_result") => anthropic_content(block.get("content"), out),
            _ => {}
        }
    }
}

/// What one detector found across a body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    /// How many findings.
    pub count: usize,
    /// The strictest action taken on them.
    pub action: Option<Action>,
}

/// The policy's verdict on a body.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The strictest action over all fields (`allow` when nothing was found).
    pub action: Action,
    /// Why, when blocked.
    pub blocked: Option<BlockReason>,
    /// Findings per detector.
    pub hits: BTreeMap<String, Hits>,
    /// The redacted strings: byte span in the body → the JSON literal that replaces it
    /// (in document order; empty when nothing was redacted). See [`crate::dlp::json::splice`].
    pub edits: Vec<(Range<usize>, Vec<u8>)>,
}

/// What [`inspect`] does with tokens.
#[derive(Debug)]
pub enum TokenUse<'a> {
    /// A request: the tokens its `tokenize` findings become are recorded with their values.
    Record(&'a mut Tokens),
    /// An answer: the tokens of its request are put back (after the policy has decided).
    Restore(&'a Tokens),
}

/// Applies `tenant`'s policy to every text field of `doc`; stops at the first blocked one.
pub fn inspect(tenant: &Tenant, direction: Direction, doc: &Node, shape: Shape, mut tokens: TokenUse<'_>) -> Verdict {
    let mut v = Verdict { action: Action::Allow, blocked: None, hits: BTreeMap::new(), edits: Vec::new() };
    for field in text_fields(doc, shape) {
        let Some(text) = field.as_str() else { continue };
        let d = tenant.evaluate(direction, text.as_bytes());
        for f in &d.findings {
            let h = v.hits.entry(f.finding.detector.to_string()).or_default();
            h.count += 1;
            h.action = h.action.max(Some(f.action));
            if let (Action::Tokenize, TokenUse::Record(t)) = (f.action, &mut tokens) {
                let value = f.finding.bytes(text.as_bytes());
                if let Some(token) = tenant.token(&f.finding, value) {
                    t.insert(token, value);
                }
            }
        }
        v.action = v.action.max(d.action);
        if let Some(reason) = d.reason.filter(|_| d.action == Action::Block) {
            v.blocked = Some(reason);
            v.edits.clear();
            return v;
        }
        let restored = match &tokens {
            TokenUse::Restore(t) => t.restore(d.redacted.as_deref().unwrap_or(text.as_bytes())),
            TokenUse::Record(_) => None,
        };
        if let Some(r) = restored.as_ref().or(d.redacted.as_ref()) {
            v.edits.push((field.span.clone(), quote(&String::from_utf8_lossy(r))));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlp::json::parse;
    use dlpjet_policy::PolicySet;

    fn texts(body: &str, shape: Shape) -> Vec<String> {
        let doc = parse(body.as_bytes(), 64).unwrap();
        text_fields(&doc, shape).iter().map(|n| n.as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn openai_chat_fields() {
        let body = r#"{"model":"gpt","messages":[
            {"role":"system","content":"sys"},
            {"role":"user","content":[{"type":"text","text":"part"},{"type":"image_url","image_url":{"url":"u"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":\"arg\"}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"result"}]}"#;
        assert_eq!(texts(body, Shape::ChatRequest), ["sys", "part", "{\"a\":\"arg\"}", "result"]);
    }

    #[test]
    fn anthropic_fields() {
        let body = r#"{"model":"claude","system":[{"type":"text","text":"sys"}],"messages":[
            {"role":"user","content":"hello"},
            {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":{"q":"in","n":1}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"out"}]}]}]}"#;
        assert_eq!(texts(body, Shape::MessagesRequest), ["sys", "hello", "in", "out"]);
    }

    #[test]
    fn other_shapes() {
        assert_eq!(texts(r#"{"prompt":["a","b"]}"#, Shape::CompletionRequest), ["a", "b"]);
        assert_eq!(texts(r#"{"input":[[1,2],"c"]}"#, Shape::EmbeddingRequest), ["c"]);
        assert_eq!(texts(r#"{"choices":[{"message":{"content":"x"}}]}"#, Shape::ChatResponse), ["x"]);
        assert_eq!(texts(r#"{"choices":[{"text":"y"}]}"#, Shape::CompletionResponse), ["y"]);
        assert_eq!(texts(r#"{"content":[{"type":"text","text":"z"}]}"#, Shape::MessagesResponse), ["z"]);
    }

    #[test]
    fn redacts_only_the_text_fields() {
        let policy =
            PolicySet::from_toml("version = 1\n[default.detectors.email]\naction = \"redact\"\n", None).unwrap();
        let tenant = policy.tenant("default").unwrap();
        let body = br#"{"model":"jane@example.org","messages":[{"role":"user","content":"mail jane@example.org"}]}"#;
        let doc = parse(body, 64).unwrap();
        let v = inspect(tenant, Direction::Inbound, &doc, Shape::ChatRequest, TokenUse::Record(&mut Tokens::default()));
        assert_eq!(v.action, Action::Redact);
        assert_eq!(v.hits["email"], Hits { count: 1, action: Some(Action::Redact) });
        let out = String::from_utf8(crate::dlp::json::splice(body, &v.edits)).unwrap();
        assert_eq!(out, r#"{"model":"jane@example.org","messages":[{"role":"user","content":"mail [EMAIL]"}]}"#);
    }

    #[test]
    fn tokens_of_the_request_come_back_in_the_answer() {
        std::env::set_var("DLPJET_GATEWAY_FIELDS_KEY", "a key of at least sixteen bytes");
        let policy = PolicySet::from_toml(
            "version = 1\n[default]\npseudonym_key = { env = \"DLPJET_GATEWAY_FIELDS_KEY\" }\n\
             [default.detectors.email]\naction = \"tokenize\"\n",
            None,
        )
        .unwrap();
        let tenant = policy.tenant("default").unwrap();
        let body = br#"{"model":"m","messages":[{"role":"user","content":"mail \"jane@example.org\" and a@b.io"}]}"#;
        let doc = parse(body, 64).unwrap();
        let mut tokens = Tokens::default();
        let v = inspect(tenant, Direction::Inbound, &doc, Shape::ChatRequest, TokenUse::Record(&mut tokens));
        assert_eq!(v.action, Action::Tokenize);
        assert_eq!(tokens.len(), 2);
        let sent = String::from_utf8(crate::dlp::json::splice(body, &v.edits)).unwrap();
        assert!(!sent.contains("jane@") && !sent.contains("a@b.io") && sent.contains("[EMAIL:"), "{sent}");
        // The provider answers with the tokens: they come back as the caller's values.
        let sent_doc = parse(sent.as_bytes(), 64).unwrap();
        let content = sent_doc.get("messages").unwrap().items()[0].get("content").unwrap();
        let tokenized = content.as_str().unwrap();
        let answer =
            format!(r#"{{"choices":[{{"message":{{"content":{}}}}}]}}"#, String::from_utf8(quote(tokenized)).unwrap());
        let doc = parse(answer.as_bytes(), 64).unwrap();
        let v = inspect(tenant, Direction::Outbound, &doc, Shape::ChatResponse, TokenUse::Restore(&tokens));
        let back = String::from_utf8(crate::dlp::json::splice(answer.as_bytes(), &v.edits)).unwrap();
        assert_eq!(back, r#"{"choices":[{"message":{"content":"mail \"jane@example.org\" and a@b.io"}}]}"#);
    }
}
