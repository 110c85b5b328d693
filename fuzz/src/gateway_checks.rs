//! Fuzz checks of the gateway's readers and stream filter, shared by the `gateway` fuzz target
//! and the regression replay test in `gateway/tests/fuzz_regressions.rs`.
//!
//! The first byte chooses what the rest is: a JSON body, or a provider stream (OpenAI chat,
//! OpenAI completion, Anthropic) split into two network reads at a point the second byte
//! chooses.

use dlpjet_gateway::dlp::json;
use dlpjet_gateway::dlp::sse::{self, Item};
use dlpjet_gateway::dlp::stream::{Protocol, StreamFilter};
use dlpjet_policy::PolicySet;
use std::sync::OnceLock;

/// Runs the check the first byte selects.
pub fn gateway(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 4 {
        0 => json_body(rest),
        1 => stream(rest, Protocol::OpenAiChat),
        2 => stream(rest, Protocol::OpenAiCompletion),
        _ => stream(rest, Protocol::Anthropic),
    }
}

/// What the strict reader accepts is JSON to any reader (serde_json), every span lies inside
/// the input, and rewriting every string with its own quoted text gives back an equal document.
fn json_body(data: &[u8]) {
    let Ok(doc) = json::parse(data, 32) else { return };
    let value: serde_json::Value = serde_json::from_slice(data).expect("accepted JSON that serde_json refuses");
    assert!(doc.span.end <= data.len());
    let mut edits = Vec::new();
    strings(&doc, &mut edits);
    let respliced = json::splice(data, &edits);
    let again: serde_json::Value = serde_json::from_slice(&respliced).expect("re-quoted strings broke the document");
    assert_eq!(again, value);
}

fn strings(n: &json::Node, edits: &mut Vec<(std::ops::Range<usize>, Vec<u8>)>) {
    match &n.value {
        json::Value::String(s) => edits.push((n.span.clone(), json::quote(s))),
        json::Value::Array(items) => items.iter().for_each(|i| strings(i, edits)),
        json::Value::Object(members) => members.iter().for_each(|(_, v)| strings(v, edits)),
        _ => {}
    }
}

/// Whatever a provider sends, the client receives well-formed events: the output reads back as
/// an event stream, and every event's data is `[DONE]` or JSON.
fn stream(data: &[u8], protocol: Protocol) {
    static POLICY: OnceLock<PolicySet> = OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        PolicySet::from_toml(
            "version = 1\n[default.detectors.email]\naction = \"redact\"\n[default.detectors.credit_card]\naction = \"block\"\n",
            None,
        )
        .expect("the fuzz policy compiles")
    });
    let Some((&cut, rest)) = data.split_first() else { return };
    let cut = usize::from(cut) * rest.len() / 255;
    let mut f = StreamFilter::new(protocol, policy.tenant("default").expect("default tenant"), 16);
    let mut out = Vec::new();
    let stopped = f.push(&rest[..cut], &mut out).is_err() || f.push(&rest[cut..], &mut out).is_err();
    if !stopped {
        let _ = f.finish(&mut out);
    }
    let mut reader = sse::Reader::new(usize::MAX);
    let mut items = Vec::new();
    reader.push(&out, &mut items).expect("the filter wrote an unreadable event stream");
    for item in items {
        if let Item::Event(e) = item {
            if e.data != "[DONE]" {
                serde_json::from_str::<serde_json::Value>(&e.data)
                    .unwrap_or_else(|err| panic!("event data is not JSON ({err}): {:?}", e.data));
            }
        }
    }
}
