//! The leak suite: recorded-shape streams of every dialect, carrying planted values in every
//! field a client reads (text, reasoning, refusals, tool-call arguments with escapes, logprobs,
//! citations, start events, error events, the final response object), replayed through the
//! filter split at every byte offset and a byte at a time. A leak checker fails on any planted
//! value, or any 8-character piece of one, in what reaches the client.

use super::*;
use dlpjet_policy::PolicySet;

/// The planted values, as the client would read them once decoded.
const PLANTED: &[&str] = &["jane.doe@example.org", "4111 1111 1111 1111", "078-05-1121", "AKIAQ4XN7HZ2LBPVKD6R"];
/// The key the gateway lends the request.
const LENT: &str = "sk-proj-Lent0Key1For2The3Leak4Suite5Only6";

fn redact_all() -> PolicySet {
    let mut toml = String::from("version = 1\n");
    for d in ["email", "credit_card", "us_ssn", "aws_access_key_id"] {
        toml.push_str(&format!("[default.detectors.{d}]\naction = \"redact\"\n"));
    }
    PolicySet::from_toml(&toml, None).unwrap()
}

fn sse(events: &[serde_json::Value], named: bool) -> String {
    let mut s = String::new();
    for e in events {
        if named {
            s.push_str(&format!("event: {}\n", e["type"].as_str().unwrap()));
        }
        s.push_str(&format!("data: {e}\n\n"));
    }
    s
}

fn openai_chat() -> String {
    let chunk = |delta: serde_json::Value| {
        serde_json::json!({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o",
            "choices":[{"index":0,"delta":delta,"logprobs":null,"finish_reason":null}]})
    };
    let mut events = vec![
        chunk(serde_json::json!({"role":"assistant","content":""})),
        chunk(serde_json::json!({"reasoning_content":"the caller's ssn is 078-"})),
        chunk(serde_json::json!({"reasoning_content":"05-1121, "})),
        chunk(serde_json::json!({"content":"Write to jane.d"})),
        chunk(serde_json::json!({"content":"oe@exam"})),
        chunk(serde_json::json!({"content":"ple.org; the card is 4111 1111 "})),
        chunk(serde_json::json!({"content":"1111 1111."})),
        chunk(serde_json::json!({"refusal":"I will not repeat 4111 1111 1111 1111"})),
        chunk(serde_json::json!({"tool_calls":[{"index":0,"id":"call_1","type":"function",
            "function":{"name":"send","arguments":""}}]})),
        chunk(serde_json::json!({"tool_calls":[{"index":0,"function":{"arguments":"{\"to\":\"jane.doe\\u00"}}]})),
        chunk(
            serde_json::json!({"tool_calls":[{"index":0,"function":{"arguments":"40example.org\",\"key\":\"AKIAQ4XN7HZ2LBPVKD6R\"}"}}]}),
        ),
        chunk(serde_json::json!({"content":"key echoed: sk-proj-Lent0Key1For2The3Leak4Suite5Only6"})),
    ];
    events.push(serde_json::json!({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o",
        "choices":[{"index":0,"delta":{"content":" "},"logprobs":{"content":[
            {"token":"jane.doe@example.org","logprob":-0.1,"bytes":null,"top_logprobs":[{"token":"078-05-1121","logprob":-2.0,"bytes":null}]}]},
        "finish_reason":null}]}));
    events.push(serde_json::json!({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o",
        "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}));
    let mut s = sse(&events, false);
    s.push_str("data: [DONE]\n\n");
    s
}

fn anthropic() -> String {
    let events = [
        serde_json::json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",
            "model":"claude","content":[{"type":"text","text":"ssn 078-05-1121"}],"stop_reason":null,
            "usage":{"input_tokens":10,"output_tokens":1}}}),
        serde_json::json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"mail jane.doe@example.org"}}),
        serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"card 4111 1111 "}}),
        serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"1111 1111 done"}}),
        serde_json::json!({"type":"content_block_stop","index":0}),
        serde_json::json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":"Key AKIAQ4XN"}}),
        serde_json::json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"7HZ2LBPVKD6R and jane.doe%40"}}),
        serde_json::json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"example.org now"}}),
        serde_json::json!({"type":"content_block_delta","index":1,"delta":{"type":"citations_delta",
            "citation":{"type":"char_location","cited_text":"ssn 078-05-1121","document_index":0,"start_char_index":0,"end_char_index":15}}}),
        serde_json::json!({"type":"content_block_stop","index":1}),
        serde_json::json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"tu_1","name":"send","input":{}}}),
        serde_json::json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"to\": \"jane.doe\\u0040exa"}}),
        serde_json::json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"mple.org\", \"lent\": \"sk-proj-Lent0Key1For2The3Leak4Suite5Only6\"}"}}),
        serde_json::json!({"type":"content_block_stop","index":2}),
        serde_json::json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":40}}),
        serde_json::json!({"type":"error","error":{"type":"overloaded_error","message":"retry for 4111 1111 1111 1111"}}),
        serde_json::json!({"type":"message_stop"}),
    ];
    sse(&events, true)
}

fn openai_responses() -> String {
    let events = [
        serde_json::json!({"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response",
            "status":"in_progress","output":[],"instructions":"caller jane.doe@example.org"}}),
        serde_json::json!({"type":"response.reasoning_summary_text.delta","sequence_number":1,"item_id":"rs_1",
            "output_index":0,"summary_index":0,"delta":"ssn 078-05-1121"}),
        serde_json::json!({"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":1,
            "content_index":0,"delta":"card 4111 1111"}),
        serde_json::json!({"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":1,
            "content_index":0,"delta":" 1111 1111, key AKIAQ4XN7HZ2LBPVKD6R"}),
        serde_json::json!({"type":"response.function_call_arguments.delta","sequence_number":4,"item_id":"fc_1",
            "output_index":2,"delta":"{\"to\":\"jane.doe\\u0040example.org\"}"}),
        serde_json::json!({"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":1,
            "content_index":0,"text":"card 4111 1111 1111 1111, key AKIAQ4XN7HZ2LBPVKD6R"}),
        serde_json::json!({"type":"response.completed","sequence_number":6,"response":{"id":"resp_1","object":"response",
            "status":"completed","output":[{"type":"message","id":"msg_1","role":"assistant","content":[
                {"type":"output_text","text":"card 4111 1111 1111 1111, key AKIAQ4XN7HZ2LBPVKD6R","annotations":[]}]}],
            "usage":{"input_tokens":5,"output_tokens":9,"total_tokens":14}}}),
    ];
    sse(&events, true)
}

/// Runs `stream` through a filter split at `cuts`; the client's bytes.
fn replay(protocol: Protocol, p: &PolicySet, stream: &[u8], cuts: impl Iterator<Item = usize>) -> Vec<u8> {
    let mut lent = Secrets::default();
    lent.add(LENT.as_bytes());
    let mut f = StreamFilter::new(protocol, p.tenant("default").unwrap(), 64).reading(OpaqueFiles::Refuse, lent);
    let mut out = Vec::new();
    let mut from = 0;
    for c in cuts.chain(std::iter::once(stream.len())) {
        f.push(&stream[from..c], &mut out).unwrap();
        from = c;
    }
    f.finish(&mut out).unwrap();
    out
}

/// Every 8-character piece of every planted value (and of the lent key): none may appear.
fn assert_no_leak(out: &[u8], what: &str) {
    for v in PLANTED.iter().chain([&LENT]) {
        for piece in v.as_bytes().windows(8) {
            if out.windows(8).any(|w| w == piece) {
                panic!(
                    "{what}: {:?} of {v:?} reached the client:\n{}",
                    String::from_utf8_lossy(piece),
                    String::from_utf8_lossy(out)
                );
            }
        }
    }
}

#[test]
fn no_planted_value_crosses_at_any_split() {
    let p = redact_all();
    for (protocol, name, stream) in [
        (Protocol::OpenAiChat, "openai chat", openai_chat()),
        (Protocol::Anthropic, "anthropic", anthropic()),
        (Protocol::OpenAiResponses, "openai responses", openai_responses()),
    ] {
        let b = stream.as_bytes();
        // The fixtures do carry every value.
        for v in PLANTED {
            assert!(
                stream.contains(v)
                    || stream.contains(&v.replace('@', "\\\\u0040"))
                    || stream.contains(&v.replace('@', "%40"))
                    || v.starts_with("AKIA")
                    || v.starts_with("078")
                    || v.starts_with("4111"),
                "{name} lacks {v}"
            );
        }
        let whole = replay(protocol, &p, b, std::iter::empty());
        assert_no_leak(&whole, name);
        for cut in 1..b.len() {
            let out = replay(protocol, &p, b, std::iter::once(cut));
            assert_no_leak(&out, &format!("{name}, split at {cut}"));
        }
        let out = replay(protocol, &p, b, 1..b.len());
        assert_no_leak(&out, &format!("{name}, a byte at a time"));
    }
}

/// Whole answers and requests (not streamed): every field of each dialect's body, read both
/// ways, with the same leak checker.
#[test]
fn no_planted_value_crosses_in_whole_bodies() {
    use crate::dlp::fields::{inspect, Reading, TokenUse};
    use crate::dlp::json::{parse, splice};
    use crate::dlp::tokenize::Tokens;
    use dlpjet_policy::Direction;
    let bodies = [
        // An OpenAI chat answer: content, reasoning, refusal, tool calls with escapes,
        // annotations, audio transcript, logprobs.
        r#"{"id":"chatcmpl-9","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,"message":{
            "role":"assistant","content":"mail jane.doe@example.org","reasoning_content":"ssn 078-05-1121",
            "refusal":"not 4111 1111 1111 1111","tool_calls":[{"id":"c","type":"function","function":{"name":"send",
            "arguments":"{\"to\":\"jane.doe\\u0040example.org\",\"key\":\"AKIAQ4XN7HZ2LBPVKD6R\"}"}}],
            "annotations":[{"type":"url_citation","url_citation":{"url":"https://docs.fabrikam.net/a","title":"078-05-1121"}}],
            "audio":{"id":"a","transcript":"card 4111 1111 1111 1111"}},
            "logprobs":{"content":[{"token":"jane.doe@example.org","logprob":-0.1,"top_logprobs":[]}]},
            "finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        // An Anthropic answer: text with citations, thinking, tool use, a server tool's result.
        r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[
            {"type":"thinking","thinking":"ssn 078-05-1121","signature":"c2ln"},
            {"type":"text","text":"mail jane.doe%40example.org","citations":[{"type":"char_location","cited_text":"card 4111 1111 1111 1111","document_index":0}]},
            {"type":"tool_use","id":"t","name":"send","input":{"to":"jane.doe@example.org","nested":{"key":"AKIAQ4XN7HZ2LBPVKD6R"}}},
            {"type":"web_search_tool_result","tool_use_id":"s","content":[{"type":"web_search_result","title":"078-05-1121","url":"https://docs.fabrikam.net"}]}],
            "stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}"#,
        // An OpenAI Responses answer.
        r#"{"id":"resp_1","object":"response","status":"completed","instructions":"caller 078-05-1121","output":[
            {"type":"reasoning","id":"rs","summary":[{"type":"summary_text","text":"card 4111 1111 1111 1111"}]},
            {"type":"message","id":"m","role":"assistant","content":[{"type":"output_text","text":"mail jane.doe@example.org","annotations":[]}]},
            {"type":"function_call","id":"fc","call_id":"c","name":"send","arguments":"{\"key\":\"AKIAQ4XN7HZ2LBPVKD6R\"}"}]}"#,
        // A request in each dialect, with documents, metadata and tool descriptions.
        r#"{"model":"gpt-4o","user":"jane.doe@example.org","metadata":{"ssn":"078-05-1121"},"messages":[
            {"role":"user","content":"card 4111 1111 1111 1111"}],
            "tools":[{"type":"function","function":{"name":"f","description":"key AKIAQ4XN7HZ2LBPVKD6R","parameters":{}}}]}"#,
        r#"{"model":"claude","max_tokens":5,"metadata":{"user_id":"jane.doe@example.org"},"messages":[{"role":"user","content":[
            {"type":"document","source":{"type":"text","media_type":"text/plain","data":"ssn 078-05-1121"},"title":"card 4111 1111 1111 1111","context":"AKIAQ4XN7HZ2LBPVKD6R"}]}]}"#,
    ];
    let p = redact_all();
    let tenant = p.tenant("default").unwrap();
    let mut lent = Secrets::default();
    lent.add(LENT.as_bytes());
    for body in bodies {
        for direction in [Direction::Inbound, Direction::Outbound] {
            let doc = parse(body.as_bytes(), 64).unwrap();
            let reading = Reading { opaque: OpaqueFiles::Refuse, secrets: &lent };
            let v = inspect(tenant, direction, &doc, &reading, TokenUse::Restore(&Tokens::default()));
            assert!(v.blocked.is_none(), "{body}");
            let out = splice(body.as_bytes(), &v.edits);
            assert_no_leak(&out, &format!("{direction:?} body"));
        }
    }
}
