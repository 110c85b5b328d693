//! Which strings of a provider's JSON DLP reads: every string value, in both directions, except
//! the values of a short list of structural keys; base64 payloads are decoded first.
//!
//! Failing closed means text the provider or the caller can read is scanned unless it is
//! provably structural. So the gateway does not list the fields that hold text (a list that
//! misses every field a provider adds); it reads every string and exempts only [`STRUCTURAL`]
//! keys — identifiers, model names, roles, types and enums, whose values the protocol itself
//! constrains and whose rewriting would break the exchange. Under a [`FREE_FORM`] key (a tool's
//! input, a JSON schema, metadata) the caller chose the keys, so nothing is exempt there.
//!
//! Object keys are not read (a limit: a value used as a key of a tool's input passes).

use crate::dlp::json::{Node, Value};
use base64::Engine as _;

/// Keys whose string values are structural and not read: identifiers the provider or SDK
/// makes, the model's name, roles, types, enum-valued settings and opaque signatures.
pub const STRUCTURAL: &[&str] = &[
    "id",
    "object",
    "model",
    "role",
    "type",
    "finish_reason",
    "stop_reason",
    "tool_call_id",
    "tool_use_id",
    "call_id",
    "item_id",
    "response_id",
    "previous_response_id",
    "system_fingerprint",
    "service_tier",
    "media_type",
    "detail",
    "encoding_format",
    "reasoning_effort",
    "signature",
    "status",
    "voice",
];

/// Keys whose value is free-form data: inside, every string is read, structural names
/// included (a tool's `{"id": "…"}` argument is the caller's text).
pub const FREE_FORM: &[&str] =
    &["input", "arguments", "metadata", "parameters", "input_schema", "schema", "properties"];

/// Payloads longer than this (decoded bytes) are not decoded: they count as opaque.
pub const MAX_DECODED: usize = 32 << 20;

/// A string DLP reads.
#[derive(Debug)]
pub struct Piece<'a> {
    /// The string's node (its span is what an edit replaces).
    pub node: &'a Node,
    /// How to read it.
    pub form: Form<'a>,
}

/// How a string is read.
#[derive(Debug, PartialEq, Eq)]
pub enum Form<'a> {
    /// As it is.
    Text,
    /// A base64 payload: `prefix` (a data URL's `data:…;base64,`, or nothing) then the
    /// encoded bytes; `media_type` when the body says what they are.
    Base64 {
        /// What comes before the encoded bytes in the string.
        prefix: &'a str,
        /// The payload's declared media type (`image/png`), when known.
        media_type: Option<&'a str>,
    },
}

/// What a base64 payload decodes to.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// UTF-8 text: read like any other text, re-encoded when rewritten.
    Text(String),
    /// An image or audio: passed without reading (nothing DLP can read in it).
    Media,
    /// Anything else (a PDF, an archive, …): cannot be read here; passed or refused as the
    /// gateway's `[dlp] opaque_files` says.
    Opaque,
    /// Not base64 after all: read as the text it is.
    NotBase64,
}

/// Every string of `doc` DLP reads, in document order.
pub fn strings(doc: &Node) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    walk(doc, None, None, false, &mut out);
    out.sort_by_key(|p| p.node.span.start);
    out
}

/// Every string of `doc`, structural keys included (`doc` is free-form data: the JSON a
/// tool-call's arguments hold).
pub fn every_string(doc: &Node) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    walk(doc, None, None, true, &mut out);
    out.sort_by_key(|p| p.node.span.start);
    out
}

fn walk<'a>(n: &'a Node, key: Option<&str>, parent: Option<&'a Node>, free: bool, out: &mut Vec<Piece<'a>>) {
    match &n.value {
        Value::String(s) => {
            if !free && key.is_some_and(|k| STRUCTURAL.contains(&k)) {
                return;
            }
            out.push(Piece { node: n, form: form(s, key, parent) });
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, key, parent, free, out)),
        Value::Object(members) => {
            for (k, v) in members {
                walk(v, Some(k), Some(n), free || FREE_FORM.contains(&k.as_str()), out);
            }
        }
        _ => {}
    }
}

/// A data URL, or the `data` / `file_data` of an object that carries a payload (Anthropic's
/// `{"type": "base64", "media_type": …, "data": …}`, OpenAI's `input_audio` and `audio`).
fn form<'a>(s: &'a str, key: Option<&str>, parent: Option<&'a Node>) -> Form<'a> {
    if let Some(rest) = s.strip_prefix("data:") {
        if let Some(comma) = rest.find(',') {
            let header = &rest[..comma];
            if let Some(media) = header.strip_suffix(";base64") {
                let media_type = media.split(';').next().filter(|m| !m.is_empty());
                return Form::Base64 { prefix: &s[..5 + comma + 1], media_type };
            }
        }
    }
    // `data` is a payload only where its object says so (an Anthropic `"type": "base64"`
    // source, OpenAI audio with its `format` or `transcript`): a tool's `{"data": "…"}` is text.
    let declared = parent.is_some_and(|p| {
        p.get("type").and_then(Node::as_str) == Some("base64")
            || p.get("format").is_some()
            || p.get("transcript").is_some()
    });
    let payload_key = key == Some("file_data") || (key == Some("data") && declared);
    if payload_key && s.len() >= 16 && looks_base64(s) {
        let media_type = parent.and_then(|p| p.get("media_type")).and_then(Node::as_str);
        let audio = parent.is_some_and(|p| p.get("format").is_some() || p.get("transcript").is_some());
        return Form::Base64 { prefix: "", media_type: media_type.or(audio.then_some("audio/*")) };
    }
    Form::Text
}

fn looks_base64(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'\n' | b'\r'))
}

/// Decodes the payload part of `s` (after `prefix`).
pub fn decode(s: &str, prefix: &str, media_type: Option<&str>) -> Decoded {
    let payload: Vec<u8> = s[prefix.len()..].bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if payload.len() / 4 * 3 > MAX_DECODED {
        return Decoded::Opaque;
    }
    let engines = [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE];
    let Some(bytes) = engines.iter().find_map(|e| e.decode(&payload).ok()).or_else(|| {
        let lenient =
            [&base64::engine::general_purpose::STANDARD_NO_PAD, &base64::engine::general_purpose::URL_SAFE_NO_PAD];
        lenient.iter().find_map(|e| e.decode(&payload).ok())
    }) else {
        return Decoded::NotBase64;
    };
    match String::from_utf8(bytes) {
        Ok(text) if is_text(&text) => Decoded::Text(text),
        _ if media_type.is_some_and(|m| m.starts_with("image/") || m.starts_with("audio/")) => Decoded::Media,
        _ => Decoded::Opaque,
    }
}

/// Text a person could read: no control characters but tabs, line breaks and form feeds.
fn is_text(s: &str) -> bool {
    s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// `text` encoded again after `prefix`, the way the payload was.
pub fn encode(prefix: &str, text: &[u8]) -> String {
    format!("{prefix}{}", base64::engine::general_purpose::STANDARD.encode(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlp::json::parse;

    fn read(body: &str) -> Vec<String> {
        let doc = parse(body.as_bytes(), 64).unwrap();
        strings(&doc).iter().map(|p| p.node.as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn every_string_but_structural_keys() {
        let body = r#"{"model":"gpt","user":"u1","metadata":{"id":"m-id","note":"n"},
            "messages":[{"role":"user","name":"ann","content":[{"type":"text","text":"hi"}],
              "tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}],
            "tools":[{"type":"function","function":{"name":"g","description":"d",
              "parameters":{"type":"object","properties":{"id":{"type":"string","description":"pd"}}}}}],
            "unknown_field":{"deep":["x"]}}"#;
        assert_eq!(read(body), ["u1", "m-id", "n", "ann", "hi", "f", "{}", "g", "d", "object", "string", "pd", "x"]);
    }

    #[test]
    fn payloads_are_decoded() {
        let text = base64::engine::general_purpose::STANDARD.encode("card 4111 1111 1111 1111");
        let url = format!("data:text/plain;base64,{text}");
        let doc = parse(format!(r#"{{"file":{{"file_data":"{url}"}}}}"#).as_bytes(), 8).unwrap();
        let p = &strings(&doc)[0];
        let Form::Base64 { prefix, media_type } = p.form else { panic!("{p:?}") };
        assert_eq!((prefix, media_type), ("data:text/plain;base64,", Some("text/plain")));
        assert_eq!(decode(&url, prefix, media_type), Decoded::Text("card 4111 1111 1111 1111".into()));
        assert_eq!(encode(prefix, b"card [CARD]"), format!("data:text/plain;base64,{}", "Y2FyZCBbQ0FSRF0="));

        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        let body = format!(r#"{{"source":{{"type":"base64","media_type":"image/png","data":"{png}"}}}}"#);
        let doc = parse(body.as_bytes(), 8).unwrap();
        let p = &strings(&doc)[0];
        assert_eq!(p.form, Form::Base64 { prefix: "", media_type: Some("image/png") });
        assert_eq!(decode(p.node.as_str().unwrap(), "", Some("image/png")), Decoded::Media);
        assert_eq!(decode(p.node.as_str().unwrap(), "", Some("application/pdf")), Decoded::Opaque);
        assert_eq!(decode("data:;base64,%%%", "data:;base64,", None), Decoded::NotBase64);
        // A tool's own `data` field is text, not a payload.
        let doc = parse(br#"{"input":{"data":"customerReference12345"}}"#, 8).unwrap();
        assert_eq!(strings(&doc)[0].form, Form::Text);
    }
}
