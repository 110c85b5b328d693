//! The stream filter's tests: every split of a stream gives what the whole gives.

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

/// Encoded values in streamed text are decoded by the engine's stream, across deltas too:
/// the encoded bytes are what the client would decode, so they are what is replaced.
#[test]
fn encoded_value_split_across_deltas_is_redacted() {
    for pieces in [
        &["mail ja", "ne%4", "0exa", "mple.org now"][..],
        &["mail jane&#", "64;example.org now"],
        &["mail jane", "\\u00", "40example.org now"],
        &["mail amFuZS5kb2VA", "ZXhhbXBsZS5vcmc= now"],
    ] {
        let s = openai_stream(pieces);
        for cut in (0..s.len()).step_by(7) {
            let (out, r) = run(Protocol::OpenAiChat, &s, &[cut]);
            r.unwrap();
            let (text, _) = client_text(&out);
            assert!(text.starts_with("mail [EMAIL]") && text.ends_with(" now"), "{pieces:?} cut {cut}: {text:?}");
            assert!(!text.contains("example"), "{pieces:?} cut {cut}: {text:?}");
        }
    }
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

const LENT: &str = "sk-ant-api03-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0";

fn allow_all() -> PolicySet {
    PolicySet::from_toml("version = 1\n[default]\ndefault_action = \"allow\"\n", None).unwrap()
}

/// Runs `stream` split at `cuts` through a filter with `LENT` lent and `p`'s default tenant.
fn run_lent(p: &PolicySet, protocol: Protocol, stream: &str, cuts: &[usize], hide_usage: bool) -> Vec<u8> {
    let mut lent = Secrets::default();
    lent.add(LENT.as_bytes());
    let mut f = StreamFilter::new(protocol, p.tenant("default").unwrap(), 64)
        .reading(OpaqueFiles::Refuse, lent)
        .hiding_usage(hide_usage);
    let mut out = Vec::new();
    let b = stream.as_bytes();
    let mut from = 0;
    for &c in cuts.iter().chain(std::iter::once(&b.len())) {
        let _ = f.push(&b[from..c], &mut out);
        from = c;
    }
    let _ = f.finish(&mut out);
    if out.windows(LENT.len()).any(|w| w == LENT.as_bytes()) {
        panic!("the lent key reached the client: {}", String::from_utf8_lossy(&out));
    }
    out
}

/// Leak class 2: an upstream that echoes its key, split across deltas at every offset, under a
/// policy that allows everything.
#[test]
fn a_lent_key_split_anywhere_never_reaches_the_client() {
    let p = allow_all();
    for cut in 1..LENT.len() {
        let (a, b) = LENT.split_at(cut);
        let s = openai_stream(&["your key is ", a, b, " ok"]);
        let out = run_lent(&p, Protocol::OpenAiChat, &s, &[], false);
        assert_eq!(client_text(&out).0, "your key is [REDACTED:provider_key] ok", "cut at {cut}");
    }
    // And split across network reads anywhere in one event.
    let s = openai_stream(&[&format!("k={LENT}.")]);
    for cut in 1..s.len() {
        run_lent(&p, Protocol::OpenAiChat, &s, &[cut], false);
    }
}

/// Leak class 4 (streams): reasoning deltas, text in start events, error events and fields no
/// dialect lists are read.
#[test]
fn text_outside_the_content_deltas_is_read() {
    let mut s = String::new();
    for (field, piece) in
        [("reasoning_content", "ask ja"), ("reasoning_content", "ne@example.org"), ("reasoning", "jane@example.org")]
    {
        let data = serde_json::json!({"id":"c1","object":"chat.completion.chunk","model":"m",
            "choices":[{"index":0,"delta":{field: piece},"finish_reason":null}]});
        s.push_str(&format!("data: {data}\n\n"));
    }
    let logprobs = serde_json::json!({"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,
        "delta":{"content":"x "},"logprobs":{"content":[{"token":"jane@example.org","top_logprobs":[]}]},"finish_reason":null}]});
    s.push_str(&format!("data: {logprobs}\n\n"));
    s.push_str("data: {\"error\":{\"message\":\"quota for jane@example.org\",\"type\":\"server_error\"}}\n\n");
    s.push_str(&openai_stream(&[]));
    let (out, _) = run(Protocol::OpenAiChat, &s, &[]);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("jane@") && !out.contains("ne@example"), "{out}");
    assert_eq!(out.matches("[EMAIL]").count(), 4, "{out}");

    let anthropic = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"jane@example.org\"}],\"usage\":{\"input_tokens\":1}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"jane@example.org\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"citation\":{\"type\":\"char_location\",\"cited_text\":\"jane@example.org\"}}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"jane@example.org\"}}\n\n",
    );
    let (out, _) = run(Protocol::Anthropic, anthropic, &[]);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("jane@"), "{out}");
    assert_eq!(out.matches("[EMAIL]").count(), 4, "{out}");
}

/// The usage-only chunk the gateway asked for is read for metering but not passed on when the
/// caller did not ask for it (`chunk.choices[0]` would fail on it).
#[test]
fn the_usage_chunk_is_hidden_unless_the_caller_asked() {
    let mut s = openai_stream(&["hi"]);
    let usage = r#"data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;
    s = s.replace("data: [DONE]", &format!("{usage}\n\ndata: [DONE]"));
    let p = allow_all();
    let hidden = String::from_utf8(run_lent(&p, Protocol::OpenAiChat, &s, &[], true)).unwrap();
    assert!(!hidden.contains("\"choices\":[]"), "{hidden}");
    assert!(hidden.contains("[DONE]"));
    let shown = String::from_utf8(run_lent(&p, Protocol::OpenAiChat, &s, &[], false)).unwrap();
    assert!(shown.contains("\"choices\":[]"), "{shown}");
}

/// Time to first token on prose with colons: each delta's text leaves with its event (only a
/// last word that may grow into a value waits), not at the end of the answer.
#[test]
fn prose_with_colons_is_released_as_it_arrives() {
    let p = policy();
    let mut f = StreamFilter::new(Protocol::OpenAiChat, p.tenant("default").unwrap(), 64);
    let pieces = ["Note: the meeting ", "moved to 10:30 today. ", "Summary: see https: docs. "];
    let stream = openai_stream(&pieces);
    let events: Vec<&str> = stream.split_inclusive("\n\n").collect();
    let (mut out, mut expected) = (Vec::new(), String::new());
    for (i, piece) in pieces.iter().enumerate() {
        f.push(events[i].as_bytes(), &mut out).unwrap();
        expected.push_str(piece);
        assert_eq!(client_text(&out).0, expected, "after delta {i}");
    }
}

/// Logprobs repeat a delta's text token by token: an event whose text was held back or
/// redacted loses them, so a held-back value cannot leave through them.
#[test]
fn logprobs_never_carry_held_back_text() {
    let mut s = String::new();
    for piece in ["write to jane.d", "oe@example.org now"] {
        let tokens: Vec<_> = piece
            .split_inclusive(['.', ' ', '@'])
            .map(|t| serde_json::json!({"token": t, "logprob": -1.0, "top_logprobs": []}))
            .collect();
        let data = serde_json::json!({"id":"c1","object":"chat.completion.chunk","model":"m",
            "choices":[{"index":0,"delta":{"content":piece},"logprobs":{"content":tokens},"finish_reason":null}]});
        s.push_str(&format!("data: {data}\n\n"));
    }
    s.push_str(&openai_stream(&["plain words "]));
    let (out, r) = run(Protocol::OpenAiChat, &s, &[]);
    r.unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("jane") && !out.contains("oe@"), "{out}");
    assert_eq!(client_text(out.as_bytes()).0, "write to [EMAIL] nowplain words ");
}
