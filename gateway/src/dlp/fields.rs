//! The policy applied to a provider's JSON: every string [`crate::dlp::walk`] reads is
//! evaluated, and the decided ones rewritten.
//!
//! Keys, numbers, structural values and the JSON syntax around them are never touched, so the
//! body that goes on is the body that came in with exactly the decided strings changed. What
//! cannot be read (an opaque file) is passed or refused as [`OpaqueFiles`] says, and counted
//! under [`UNSCANNED`] either way; secrets the gateway lent the request are replaced whatever
//! the policy says ([`crate::dlp::secrets`]).

use crate::dlp::json::{quote, Node};
use crate::dlp::secrets::{self, Secrets};
use crate::dlp::tokenize::Tokens;
use crate::dlp::walk::{self, Decoded, Form};
use dlpjet_policy::{Action, BlockReason, Direction, Tenant};
use std::collections::BTreeMap;
use std::ops::Range;

/// The detector name under which payloads that could not be read are counted.
pub const UNSCANNED: &str = "unscanned_file";

/// What happens to a base64 payload that is neither text, an image nor audio (a PDF, an
/// archive): the gateway cannot read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpaqueFiles {
    /// Refused (403, `unscanned_file`): the default, failing closed.
    #[default]
    Refuse,
    /// Passed unread, and counted in the audit record under `unscanned_file`.
    Pass,
}

/// How a body is read besides the tenant's policy.
#[derive(Clone, Copy, Debug)]
pub struct Reading<'a> {
    /// Opaque payloads: passed or refused.
    pub opaque: OpaqueFiles,
    /// Secrets lent to the request, replaced wherever they appear.
    pub secrets: &'a Secrets,
}

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
    /// OpenAI `POST /responses` request.
    ResponsesRequest,
    /// OpenAI chat completion (non-streamed).
    ChatResponse,
    /// OpenAI text completion (non-streamed).
    CompletionResponse,
    /// Anthropic message (non-streamed).
    MessagesResponse,
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

impl Verdict {
    /// The findings of one decision on a whole text, counted per detector (no edits).
    pub fn of(d: &dlpjet_policy::Decision) -> Verdict {
        let mut v = Verdict { action: d.action, blocked: d.reason.clone(), hits: BTreeMap::new(), edits: Vec::new() };
        for f in &d.findings {
            count(&mut v, &f.finding.detector, 1, f.action);
        }
        v
    }
}

/// What [`inspect`] does with tokens.
#[derive(Debug)]
pub enum TokenUse<'a> {
    /// A request: the tokens its `tokenize` findings become are recorded with their values.
    Record(&'a mut Tokens),
    /// An answer: the tokens of its request are put back (after the policy has decided).
    Restore(&'a Tokens),
}

/// Applies `tenant`'s policy to every string of `doc` that [`walk::strings`] reads; stops at
/// the first blocked one.
pub fn inspect(
    tenant: &Tenant,
    direction: Direction,
    doc: &Node,
    reading: &Reading<'_>,
    tokens: TokenUse<'_>,
) -> Verdict {
    inspect_pieces(tenant, direction, walk::strings(doc), reading, tokens)
}

/// [`inspect`] on the strings `pieces` (a stream reads the rest of an event this way, apart
/// from the deltas it streams through the policy).
pub fn inspect_pieces(
    tenant: &Tenant,
    direction: Direction,
    pieces: Vec<walk::Piece<'_>>,
    reading: &Reading<'_>,
    mut tokens: TokenUse<'_>,
) -> Verdict {
    let mut v = Verdict { action: Action::Allow, blocked: None, hits: BTreeMap::new(), edits: Vec::new() };
    for piece in pieces {
        let Some(raw) = piece.node.as_str() else { continue };
        let (text, prefix) = match piece.form {
            Form::Text => (std::borrow::Cow::Borrowed(raw), None),
            Form::Base64 { prefix, media_type } => match walk::decode(raw, prefix, media_type) {
                Decoded::Text(t) => (std::borrow::Cow::Owned(t), Some(prefix)),
                Decoded::Media => continue,
                Decoded::Opaque => {
                    let action = match reading.opaque {
                        OpaqueFiles::Refuse => Action::Block,
                        OpaqueFiles::Pass => Action::Allow,
                    };
                    count(&mut v, UNSCANNED, 1, action);
                    if action == Action::Block {
                        v.action = Action::Block;
                        v.blocked = Some(BlockReason::Detector { detector: UNSCANNED.into(), hits: 1 });
                        v.edits.clear();
                        return v;
                    }
                    continue;
                }
                Decoded::NotBase64 => (std::borrow::Cow::Borrowed(raw), None),
            },
        };
        let d = tenant.evaluate(direction, text.as_bytes());
        for f in &d.findings {
            count(&mut v, &f.finding.detector, 1, f.action);
            record_token(tenant, f, text.as_bytes(), &mut tokens);
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
        let mut changed = restored.or(d.redacted);
        // What an encoding hides from the raw text (`jane%40example.com`, `&#64;`): decided on
        // the decoded text; a string to rewrite goes on decoded and rewritten.
        let current = changed.as_deref().unwrap_or(text.as_bytes());
        if let Some(decoded) = std::str::from_utf8(current).ok().and_then(crate::dlp::decode::decode) {
            let d2 = tenant.evaluate(direction, decoded.as_bytes());
            let seen: Vec<(&str, &[u8])> =
                d.findings.iter().map(|f| (&*f.finding.detector, f.finding.bytes(text.as_bytes()))).collect();
            for f in &d2.findings {
                // Found in the raw text too (and left as it was): counted once.
                if seen.contains(&(&*f.finding.detector, f.finding.bytes(decoded.as_bytes()))) {
                    continue;
                }
                count(&mut v, &f.finding.detector, 1, f.action);
                record_token(tenant, f, decoded.as_bytes(), &mut tokens);
            }
            v.action = v.action.max(d2.action);
            if let Some(reason) = d2.reason.filter(|_| d2.action == Action::Block) {
                v.blocked = Some(reason);
                v.edits.clear();
                return v;
            }
            if let Some(r) = d2.redacted {
                changed = Some(r);
            }
        }
        // A string that holds JSON (tool-call arguments): its escaped strings decode to what
        // the raw text hides (`\u0040` for `@`), so they are read decoded as well.
        let current = changed.as_deref().unwrap_or(text.as_bytes());
        if let Some((sub, rewritten)) = nested(tenant, direction, current, reading, reborrow(&mut tokens)) {
            for (d, h) in &sub.hits {
                count(&mut v, d, h.count, h.action.unwrap_or(Action::Allow));
            }
            v.action = v.action.max(sub.action);
            if sub.blocked.is_some() {
                v.blocked = sub.blocked;
                v.edits.clear();
                return v;
            }
            if let Some(r) = rewritten {
                changed = Some(r);
            }
        }
        let current = changed.as_deref().unwrap_or(text.as_bytes());
        if let Some((scrubbed, n)) = reading.secrets.scrub(current) {
            count(&mut v, secrets::DETECTOR, n, Action::Redact);
            v.action = v.action.max(Action::Redact);
            changed = Some(scrubbed);
        }
        if let Some(r) = changed {
            let r = String::from_utf8_lossy(&r);
            let replacement = match prefix {
                None => quote(&r),
                Some(prefix) => quote(&walk::encode(prefix, r.as_bytes())),
            };
            v.edits.push((piece.node.span.clone(), replacement));
        }
    }
    v
}

/// Drops (`null`) the `logprobs` of every choice of an answer whose text `edits` rewrite:
/// logprobs repeat the text token by token, so they would give away what was redacted. Edits
/// inside a dropped `logprobs` are removed with it.
pub fn drop_rewritten_logprobs(doc: &Node, edits: &mut Vec<(Range<usize>, Vec<u8>)>) {
    let mut dropped = Vec::new();
    for choice in doc.get("choices").map(Node::items).unwrap_or_default() {
        let Some(lp) = choice.get("logprobs").filter(|lp| !lp.is_null()) else { continue };
        let inside = |r: &Range<usize>, outer: &Range<usize>| outer.start <= r.start && r.end <= outer.end;
        if edits.iter().any(|(r, _)| inside(r, &choice.span) && !inside(r, &lp.span)) {
            dropped.push(lp.span.clone());
        }
    }
    if dropped.is_empty() {
        return;
    }
    edits.retain(|(r, _)| !dropped.iter().any(|d| d.start <= r.start && r.end <= d.end));
    edits.extend(dropped.into_iter().map(|d| (d, b"null".to_vec())));
    edits.sort_by_key(|(r, _)| r.start);
}

/// The strings of the JSON document `text` holds that carry escapes, read decoded (every one
/// of them: the keys of a tool's arguments are the caller's). `None` when `text` is not JSON
/// or has no escaped string; else the verdict on them and `text` rewritten when they were.
fn nested(
    tenant: &Tenant,
    direction: Direction,
    text: &[u8],
    reading: &Reading<'_>,
    tokens: TokenUse<'_>,
) -> Option<(Verdict, Option<Vec<u8>>)> {
    memchr::memchr(b'\\', text)?;
    if !matches!(text.trim_ascii_start().first(), Some(b'{' | b'[')) {
        return None;
    }
    let doc = crate::dlp::json::parse(text, MAX_NESTED_DEPTH).ok()?;
    let pieces: Vec<_> =
        walk::every_string(&doc).into_iter().filter(|p| text[p.node.span.clone()].contains(&b'\\')).collect();
    if pieces.is_empty() {
        return None;
    }
    let v = inspect_pieces(tenant, direction, pieces, reading, tokens);
    let rewritten = (!v.edits.is_empty()).then(|| crate::dlp::json::splice(text, &v.edits));
    Some((v, rewritten))
}

/// How deep JSON held in a string is read.
const MAX_NESTED_DEPTH: usize = 32;

fn reborrow<'a>(t: &'a mut TokenUse<'_>) -> TokenUse<'a> {
    match t {
        TokenUse::Record(r) => TokenUse::Record(r),
        TokenUse::Restore(r) => TokenUse::Restore(r),
    }
}

/// In a request, records the token a `tokenize` finding in `text` becomes, with its value.
fn record_token(tenant: &Tenant, f: &dlpjet_policy::DecidedFinding, text: &[u8], tokens: &mut TokenUse<'_>) {
    if let (Action::Tokenize, TokenUse::Record(t)) = (f.action, tokens) {
        let value = f.finding.bytes(text);
        if let Some(token) = tenant.token(&f.finding, value) {
            t.insert(token, value);
        }
    }
}

fn count(v: &mut Verdict, detector: &str, n: usize, action: Action) {
    let h = v.hits.entry(detector.to_string()).or_default();
    h.count += n;
    h.action = h.action.max(Some(action));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlp::json::parse;
    use base64::Engine as _;
    use dlpjet_policy::PolicySet;

    fn texts(body: &str) -> Vec<String> {
        let doc = parse(body.as_bytes(), 64).unwrap();
        walk::strings(&doc).iter().map(|p| p.node.as_str().unwrap().to_string()).collect()
    }

    fn redacting() -> PolicySet {
        PolicySet::from_toml("version = 1\n[default.detectors.email]\naction = \"redact\"\n", None).unwrap()
    }

    static NONE_LENT: std::sync::LazyLock<Secrets> = std::sync::LazyLock::new(Secrets::default);
    static NO_EXTRAS: std::sync::LazyLock<Reading<'static>> =
        std::sync::LazyLock::new(|| Reading { opaque: OpaqueFiles::Refuse, secrets: &NONE_LENT });

    const PLANTED: &str = "jane.doe@example.org";

    /// Every planted email in `body` is redacted, in both directions: returns the rewritten body.
    fn all_redacted(body: &str, planted: usize, direction: Direction) -> String {
        let policy = redacting();
        let tenant = policy.tenant("default").unwrap();
        let doc = parse(body.as_bytes(), 64).unwrap();
        let reading = Reading { opaque: OpaqueFiles::Refuse, secrets: &Secrets::default() };
        let v = inspect(tenant, direction, &doc, &reading, TokenUse::Restore(&Tokens::default()));
        let out = String::from_utf8(crate::dlp::json::splice(body.as_bytes(), &v.edits)).unwrap();
        assert!(!out.contains("jane.doe"), "{out}");
        assert_eq!(v.hits.get("email").map(|h| h.count), Some(planted), "{out}");
        out
    }

    #[test]
    fn the_text_fields_of_every_shape_are_read() {
        let body = r#"{"model":"gpt","messages":[
            {"role":"system","content":"sys"},
            {"role":"user","content":[{"type":"text","text":"part"},{"type":"image_url","image_url":{"url":"u"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":\"arg\"}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"result"}]}"#;
        assert_eq!(texts(body), ["sys", "part", "u", "f", "{\"a\":\"arg\"}", "result"]);
        let body = r#"{"model":"claude","system":[{"type":"text","text":"sys"}],"messages":[
            {"role":"user","content":"hello"},
            {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":{"q":"in","n":1}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"out"}]}]}]}"#;
        assert_eq!(texts(body), ["sys", "hello", "n", "in", "out"]);
        assert_eq!(texts(r#"{"prompt":["a","b"]}"#), ["a", "b"]);
        assert_eq!(texts(r#"{"input":[[1,2],"c"]}"#), ["c"]);
        assert_eq!(texts(r#"{"choices":[{"message":{"content":"x"}}]}"#), ["x"]);
        assert_eq!(texts(r#"{"choices":[{"text":"y"}]}"#), ["y"]);
        assert_eq!(texts(r#"{"content":[{"type":"text","text":"z"}]}"#), ["z"]);
    }

    /// Leak class 5 (Anthropic): request text outside the fields read before.
    #[test]
    fn anthropic_request_fields_outside_messages_text_are_read() {
        let e = PLANTED;
        let text_doc = base64::engine::general_purpose::STANDARD.encode(format!("contact {e}"));
        let body = format!(
            r#"{{"model":"claude","metadata":{{"user_id":"{e}"}},
            "tools":[{{"name":"lookup","description":"ask {e}","input_schema":{{"type":"object","properties":{{"q":{{"type":"string","description":"{e}"}}}}}}}}],
            "messages":[{{"role":"user","content":[
              {{"type":"document","source":{{"type":"text","media_type":"text/plain","data":"doc {e}"}},"title":"{e}","context":"ctx {e}"}},
              {{"type":"document","source":{{"type":"base64","media_type":"text/plain","data":"{text_doc}"}}}},
              {{"type":"document","source":{{"type":"content","content":[{{"type":"text","text":"{e}"}}]}}}},
              {{"type":"search_result","source":"https://x.test/{e}","title":"t","content":[{{"type":"text","text":"{e}"}}]}},
              {{"type":"tool_result","tool_use_id":"t1","content":[{{"type":"document","source":{{"type":"text","media_type":"text/plain","data":"{e}"}}}}]}}]}},
             {{"role":"assistant","content":[{{"type":"thinking","thinking":"{e}","signature":"c2ln"}}]}}]}}"#
        );
        let out = all_redacted(&body, 12, Direction::Inbound);
        assert!(out.contains(r#""signature":"c2ln""#), "{out}");
    }

    /// Leak class 5 (OpenAI): request text outside the fields read before.
    #[test]
    fn openai_request_fields_outside_messages_text_are_read() {
        let e = PLANTED;
        let file = base64::engine::general_purpose::STANDARD.encode(format!("notes: {e}"));
        let body = format!(
            r#"{{"model":"gpt","user":"{e}","safety_identifier":"{e}","metadata":{{"who":"{e}"}},
            "prediction":{{"type":"content","content":"{e}"}},
            "tools":[{{"type":"function","function":{{"name":"f","description":"{e}","parameters":{{"type":"object","properties":{{"a":{{"type":"string","description":"{e}"}}}}}}}}}}],
            "response_format":{{"type":"json_schema","json_schema":{{"name":"s","schema":{{"type":"object","description":"{e}"}}}}}},
            "messages":[{{"role":"assistant","content":[{{"type":"refusal","refusal":"{e}"}}]}},
              {{"role":"user","content":[{{"type":"image_url","image_url":{{"url":"https://img.test/?u={e}"}}}},
                {{"type":"file","file":{{"filename":"n.txt","file_data":"data:text/plain;base64,{file}"}}}}]}}]}}"#
        );
        let out = all_redacted(&body, 10, Direction::Inbound);
        assert!(out.contains(r#""model":"gpt""#) && out.contains(r#""type":"json_schema""#), "{out}");
        // The file is still a data URL, of the redacted text.
        let redacted = base64::engine::general_purpose::STANDARD.encode("notes: [EMAIL]");
        assert!(out.contains(&format!("data:text/plain;base64,{redacted}")), "{out}");
    }

    /// Leak class 4: answer text outside the fields read before (non-streamed).
    #[test]
    fn answer_fields_outside_message_content_are_read() {
        let e = PLANTED;
        let openai = format!(
            r#"{{"id":"chatcmpl-1","object":"chat.completion","model":"gpt","choices":[{{"index":0,"finish_reason":"stop",
              "message":{{"role":"assistant","content":"ok","reasoning_content":"{e}","reasoning":"{e}","refusal":"{e}",
                "audio":{{"id":"a1","transcript":"{e}"}},"annotations":[{{"type":"url_citation","url_citation":{{"title":"{e}","url":"https://x.test"}}}}]}},
              "logprobs":{{"content":[{{"token":"{e}","top_logprobs":[{{"token":"{e}","logprob":-1}}]}}]}}}}],
              "vendor_extension":{{"note":"{e}"}}}}"#
        );
        all_redacted(&openai, 8, Direction::Outbound);
        let anthropic = format!(
            r#"{{"id":"msg_1","type":"message","role":"assistant","model":"claude","stop_reason":"end_turn","content":[
              {{"type":"thinking","thinking":"{e}","signature":"c2ln"}},
              {{"type":"text","text":"ok","citations":[{{"type":"char_location","cited_text":"{e}","document_title":"{e}"}}]}},
              {{"type":"server_tool_use","id":"s1","name":"web_search","input":{{"query":"{e}"}}}},
              {{"type":"web_search_tool_result","tool_use_id":"s1","content":[{{"type":"web_search_result","title":"{e}","url":"https://x.test","encrypted_content":"abc"}}]}}]}}"#
        );
        all_redacted(&anthropic, 5, Direction::Outbound);
    }

    /// Leak class 3: tool-call arguments are a JSON string holding JSON, whose escapes decode
    /// to an email or a card in the client, in history and in answers.
    #[test]
    fn escaped_values_inside_nested_json_are_read_decoded() {
        // The arguments, as the client reads them: {"to": "jane.doe\u0040example.org", ...}.
        let args =
            r#"{"to":"jane.doe\u0040example.org","note":"\u0034111 1111 1111 1111","id":"jane.doe\u0040example.org"}"#;
        let outer = String::from_utf8(quote(args)).unwrap();
        let request = format!(
            r#"{{"model":"m","messages":[{{"role":"assistant","tool_calls":[{{"id":"c1","type":"function","function":{{"name":"send","arguments":{outer}}}}}]}}]}}"#
        );
        let policy = PolicySet::from_toml(
            "version = 1\n[default.detectors.email]\naction = \"redact\"\n[default.detectors.credit_card]\naction = \"redact\"\n",
            None,
        )
        .unwrap();
        let tenant = policy.tenant("default").unwrap();
        for direction in [Direction::Inbound, Direction::Outbound] {
            let doc = parse(request.as_bytes(), 64).unwrap();
            let v = inspect(tenant, direction, &doc, &NO_EXTRAS, TokenUse::Record(&mut Tokens::default()));
            let out = crate::dlp::json::splice(request.as_bytes(), &v.edits);
            // Decode twice, as the client does, and look for the values.
            let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
            let inner = doc["messages"][0]["tool_calls"][0]["function"]["arguments"].as_str().unwrap();
            let args: serde_json::Value = serde_json::from_str(inner).unwrap();
            assert_eq!(
                args,
                serde_json::json!({"to": "[EMAIL]", "note": "[CREDIT_CARD]", "id": "[EMAIL]"}),
                "{direction:?}"
            );
            assert_eq!(v.hits["email"].count, 2);
            assert_eq!(v.hits["credit_card"].count, 1);
        }
    }

    /// When a choice's text is rewritten its logprobs go, with the edits inside them; a choice
    /// left alone keeps its logprobs.
    #[test]
    fn logprobs_of_a_rewritten_choice_are_dropped() {
        let body = r#"{"choices":[
            {"index":0,"message":{"content":"mail jane.doe@example.org"},"logprobs":{"content":[{"token":"jane.doe@example.org","logprob":-1},{"token":"jane","logprob":-1}]}},
            {"index":1,"message":{"content":"nothing here"},"logprobs":{"content":[{"token":"nothing","logprob":-1}]}}]}"#;
        let policy = redacting();
        let tenant = policy.tenant("default").unwrap();
        let doc = parse(body.as_bytes(), 64).unwrap();
        let mut v = inspect(tenant, Direction::Outbound, &doc, &NO_EXTRAS, TokenUse::Restore(&Tokens::default()));
        drop_rewritten_logprobs(&doc, &mut v.edits);
        let out: serde_json::Value =
            serde_json::from_slice(&crate::dlp::json::splice(body.as_bytes(), &v.edits)).unwrap();
        assert_eq!(out["choices"][0]["logprobs"], serde_json::Value::Null);
        assert_eq!(out["choices"][0]["message"]["content"], "mail [EMAIL]");
        assert_eq!(out["choices"][1]["logprobs"]["content"][0]["token"], "nothing");
    }

    /// Leak class 6: percent-encoded values, character references and escapes written into
    /// text are read decoded. The engine reports them with their encoded spans, so only the
    /// values are replaced and the rest of the string keeps its encoding (`&amp;`).
    #[test]
    fn encoded_values_are_read_decoded() {
        let body = r#"{"messages":[{"role":"user","content":"mail jane.doe%40example.org"},
            {"role":"user","content":"or jane.doe&#64;example.org &amp; jane.doe&commat;example.org"},
            {"role":"user","content":"and jane.doe\\u0040example.org"}]}"#;
        let out = all_redacted(body, 4, Direction::Inbound);
        assert!(out.contains(r#""mail [EMAIL]""#) && out.contains(r#""or [EMAIL] &amp; [EMAIL]""#), "{out}");
        // A blocked value behind an encoding blocks.
        let policy =
            PolicySet::from_toml("version = 1\n[default.detectors.credit_card]\naction = \"block\"\n", None).unwrap();
        let tenant = policy.tenant("default").unwrap();
        let doc = parse(br#"{"prompt":"card 4111%201111%201111%201111"}"#, 8).unwrap();
        let v = inspect(tenant, Direction::Inbound, &doc, &NO_EXTRAS, TokenUse::Record(&mut Tokens::default()));
        assert_eq!(v.action, Action::Block);
    }

    #[test]
    fn opaque_files_are_refused_unless_passed_and_images_pass() {
        let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7\n\x00\x01\x02\xff binary");
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
        let body = |data: &str, media: &str| {
            format!(
                r#"{{"messages":[{{"role":"user","content":[{{"type":"document","source":{{"type":"base64","media_type":"{media}","data":"{data}"}}}}]}}]}}"#
            )
        };
        let policy = redacting();
        let tenant = policy.tenant("default").unwrap();
        let run = |body: &str, opaque| {
            let doc = parse(body.as_bytes(), 64).unwrap();
            let reading = Reading { opaque, secrets: &Secrets::default() };
            inspect(tenant, Direction::Inbound, &doc, &reading, TokenUse::Record(&mut Tokens::default()))
        };
        let refused = run(&body(&pdf, "application/pdf"), OpaqueFiles::Refuse);
        assert_eq!(refused.action, Action::Block);
        assert_eq!(
            refused.blocked.unwrap().to_string(),
            BlockReason::Detector { detector: UNSCANNED.into(), hits: 1 }.to_string()
        );
        let passed = run(&body(&pdf, "application/pdf"), OpaqueFiles::Pass);
        assert_eq!(passed.action, Action::Allow);
        assert_eq!(passed.hits[UNSCANNED], Hits { count: 1, action: Some(Action::Allow) });
        let image = run(&body(&png, "image/png"), OpaqueFiles::Refuse);
        assert_eq!((image.action, image.hits.len()), (Action::Allow, 0));
    }

    /// Leak class 2: a lent key is replaced in every string, whatever the policy.
    #[test]
    fn lent_secrets_are_replaced_under_an_allow_all_policy() {
        let policy = PolicySet::from_toml("version = 1\n[default]\ndefault_action = \"allow\"\n", None).unwrap();
        let tenant = policy.tenant("default").unwrap();
        let key = "sk-proj-Q9x8W7v6U5t4S3r2Q1p0";
        let mut lent = Secrets::default();
        lent.add(key.as_bytes());
        // Escaped in JSON, and in a field no detector would look at.
        let escaped = key.replace('s', "\\u0073");
        let body = format!(r#"{{"choices":[{{"message":{{"content":"here: {escaped}"}}}}],"x":{{"y":"{key}"}}}}"#);
        let doc = parse(body.as_bytes(), 64).unwrap();
        let reading = Reading { opaque: OpaqueFiles::Refuse, secrets: &lent };
        let v = inspect(tenant, Direction::Outbound, &doc, &reading, TokenUse::Restore(&Tokens::default()));
        let out = String::from_utf8(crate::dlp::json::splice(body.as_bytes(), &v.edits)).unwrap();
        assert_eq!(
            out,
            r#"{"choices":[{"message":{"content":"here: [REDACTED:provider_key]"}}],"x":{"y":"[REDACTED:provider_key]"}}"#
        );
        assert_eq!(v.hits[secrets::DETECTOR], Hits { count: 2, action: Some(Action::Redact) });
    }

    #[test]
    fn redacts_only_the_text_fields() {
        let policy = redacting();
        let tenant = policy.tenant("default").unwrap();
        let body = br#"{"model":"jane@example.org","messages":[{"role":"user","content":"mail jane@example.org"}]}"#;
        let doc = parse(body, 64).unwrap();
        let v = inspect(tenant, Direction::Inbound, &doc, &NO_EXTRAS, TokenUse::Record(&mut Tokens::default()));
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
        let v = inspect(tenant, Direction::Inbound, &doc, &NO_EXTRAS, TokenUse::Record(&mut tokens));
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
        let v = inspect(tenant, Direction::Outbound, &doc, &NO_EXTRAS, TokenUse::Restore(&tokens));
        let back = String::from_utf8(crate::dlp::json::splice(answer.as_bytes(), &v.edits)).unwrap();
        assert_eq!(back, r#"{"choices":[{"message":{"content":"mail \"jane@example.org\" and a@b.io"}}]}"#);
    }
}
