"""Nothing unscanned crosses the gateway: provider error bodies, the provider key echoed back,
and the client-compatibility fixes (usage chunk, 429, provider auth failures, query strings,
Anthropic base URLs). Each test names the leak class or bug it covers."""
import http.client
import json

import anthropic
import openai
import pytest

from conftest import CANARY

EMAIL = "jane.doe@example.org"
CARD = "4111 1111 1111 1111"
ALLOW_ALL = "version = 1\n[default]\ndefault_action = \"allow\"\n"


def oai(gw):
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0, timeout=10)


def claude(gw):
    return anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0, timeout=10)


def raw(gw, path, body):
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    c.request("POST", path, body=json.dumps(body).encode(),
              headers={"authorization": f"Bearer {gw.key}", "content-type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def leaked(text):
    """Planted values, or any 8-character piece of them, in `text`."""
    for value in (CANARY, EMAIL, CARD.replace(" ", ""), CARD):
        for i in range(len(value) - 7):
            if value[i:i + 8] in text:
                return value[i:i + 8]
    return None


@pytest.mark.parametrize("stream", [False, True])
def test_leak1_openai_error_body_is_scanned_and_audited(gateway, upstreams, stream):
    primary, backup = upstreams
    primary.status = backup.status = 400
    primary.error_body = backup.error_body = {"error": {
        "message": f"Invalid key {CANARY} for {EMAIL}; card {CARD}", "type": "invalid_request_error",
        "code": "invalid_value"}}
    with pytest.raises(openai.BadRequestError) as e:
        r = oai(gateway).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}],
                                                 stream=stream)
        list(r) if stream else r
    body = json.dumps(e.value.body)
    assert e.value.status_code == 400
    assert leaked(body) is None, body
    assert e.value.body["type"] == "invalid_request_error" and e.value.body["code"] == "invalid_value"
    rec = gateway.records()[-1]
    assert rec["action"] == "block" and rec["gateway"]["status"] == 400, rec


def test_leak1_redacted_error_body_keeps_the_providers_shape(make_gateway, upstreams):
    primary, _ = upstreams
    gw = make_gateway("", policy="version = 1\n[default.detectors.email]\naction = \"redact\"\n")
    primary.status = 404
    primary.error_body = {"type": "error", "error": {"type": "not_found_error", "message": f"no model for {EMAIL}"}}
    with pytest.raises(anthropic.NotFoundError) as e:
        claude(gw).messages.create(model="claude-test", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert e.value.body["error"] == {"type": "not_found_error", "message": "no model for [EMAIL]"}
    assert gw.records()[-1]["action"] == "redact"


def test_leak1_a_text_error_body_is_scanned(make_gateway, upstreams):
    primary, backup = upstreams
    gw = make_gateway("", policy="version = 1\n[default.detectors.email]\naction = \"redact\"\n")
    primary.status = backup.status = 422
    primary.error_body = backup.error_body = f"bad input from {EMAIL} with {CANARY}".encode()
    r, data = raw(gw, "/v1/chat/completions", {"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status == 422
    assert data.decode() == "bad input from [EMAIL] with [REDACTED:provider_key]"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("dialect", ["openai", "anthropic"])
def test_leak2_an_echoed_provider_key_never_reaches_the_caller(make_gateway, upstreams, stream, dialect):
    primary, _ = upstreams
    gw = make_gateway("", policy=ALLOW_ALL)
    primary.reply = f"The key I was called with is {CANARY} and that is all."
    for chunk in (1, 3, 7, 64):
        primary.chunk = chunk
        if dialect == "openai":
            r = oai(gw).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}],
                                                stream=stream)
            text = "".join(c.choices[0].delta.content or "" for c in r if c.choices) if stream \
                else r.choices[0].message.content
        else:
            args = dict(model="claude-test", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
            if stream:
                with claude(gw).messages.stream(**args) as s:
                    text = "".join(s.text_stream)
            else:
                text = claude(gw).messages.create(**args).content[0].text
        assert text == "The key I was called with is [REDACTED:provider_key] and that is all.", chunk
    hits = gw.records()[-1]["dlp"]
    assert "provider_key" in json.dumps(hits), hits


def test_the_usage_chunk_is_not_forwarded_unless_asked(gateway, upstreams):
    primary, _ = upstreams
    stream = oai(gateway).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}],
                                                  stream=True)
    # The common loop: it raised IndexError on the gateway's extra usage chunk.
    text = "".join(c.choices[0].delta.content or "" for c in stream)
    assert text == "Hello from the provider."
    assert primary.bodies()[-1]["stream_options"] == {"include_usage": True}
    rec = gateway.records()[-1]["gateway"]
    assert rec["input_tokens"] == 11 and rec["output_tokens"] == 7, rec
    asked = oai(gateway).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}],
                                                 stream=True, stream_options={"include_usage": True})
    assert [c.usage.total_tokens for c in asked if not c.choices] == [18]


def test_upstream_429_on_every_route_is_a_429_with_retry_after(gateway, upstreams):
    primary, backup = upstreams
    primary.status = backup.status = 429
    primary.error_headers = {"retry-after": "7"}
    backup.error_headers = {"retry-after": "3"}
    r, data = raw(gateway, "/v1/chat/completions", {"model": "gpt-test", "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 429 and r.getheader("retry-after") == "7", data
    assert json.loads(data)["error"]["code"] == "upstream_rate_limited"


def test_a_provider_auth_failure_is_not_the_callers(gateway, upstreams):
    primary, backup = upstreams
    primary.status = backup.status = 401
    primary.error_body = backup.error_body = {"error": {"message": f"Incorrect API key provided: {CANARY}",
                                                        "type": "invalid_request_error", "code": "invalid_api_key"}}
    with pytest.raises(openai.InternalServerError) as e:
        oai(gateway).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    assert e.value.status_code == 502 and e.value.body["code"] == "provider_auth_failed"
    assert leaked(json.dumps(e.value.body)) is None


def test_query_strings_go_upstream(gateway, upstreams):
    primary, _ = upstreams
    r, _ = raw(gateway, "/v1/chat/completions?api-version=2024-10-21",
               {"model": "gpt-test", "messages": [{"role": "user", "content": "x"}]})
    assert r.status == 200
    assert primary.received[-1][0] == "/v1/chat/completions?api-version=2024-10-21"


def test_an_anthropic_base_url_may_be_the_host_alone(make_gateway, upstreams):
    primary, _ = upstreams
    host = primary.url()[: -len("/v1")]
    gw = make_gateway(f"""
[[upstreams]]
name = "anthropic-host"
kind = "anthropic"
base_url = "{host}"
key = "anthropic"
[models.claude-host]
route = [{{ upstream = "anthropic-host", model = "claude-real" }}]
""")
    r = claude(gw).messages.create(model="claude-host", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert r.content[0].text == "Hello from the provider."
    assert primary.received[-1][0] == "/v1/messages"


def test_a_request_in_the_other_dialect_is_refused(gateway):
    with pytest.raises(openai.BadRequestError) as e:
        oai(gateway).chat.completions.create(model="claude-test", messages=[{"role": "user", "content": "hi"}])
    assert e.value.body["code"] == "model_dialect_mismatch"


@pytest.mark.parametrize("chunk", [1, 3, 64])
def test_responses_api_both_ways_streamed_and_not(gateway, upstreams, chunk):
    """`POST /v1/responses`, the default API of current OpenAI SDK examples: the request's
    input and instructions are scanned, and the answer's text in every event that carries it."""
    primary, _ = upstreams
    primary.chunk = chunk
    primary.reply = f"Write to {EMAIL} or {EMAIL} please."
    client = oai(gateway)
    r = client.responses.create(model="gpt-test", input=f"mail {EMAIL}", instructions=f"cc {EMAIL}")
    assert r.output_text == "Write to [EMAIL] or [EMAIL] please."
    sent = primary.bodies()[-1]
    assert sent["input"] == "mail [EMAIL]" and sent["instructions"] == "cc [EMAIL]" and sent["model"] == "gpt-real"
    assert primary.received[-1][0] == "/v1/responses"
    assert "stream_options" not in sent
    events = list(client.responses.create(model="gpt-test", input="hi", stream=True))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "Write to [EMAIL] or [EMAIL] please."
    done = [e for e in events if e.type == "response.completed"][0]
    assert done.response.output_text == text
    assert leaked(json.dumps([e.model_dump() for e in events])) is None
    rec = gateway.records()[-1]
    assert rec["gateway"]["input_tokens"] == 9 and rec["gateway"]["output_tokens"] == 4, rec
    # Counted once, not once per event that repeats the text.
    assert {"detector": "email", "count": 2}.items() <= rec["dlp"][0].items(), rec


def test_responses_api_block_mid_stream(gateway, upstreams):
    primary, _ = upstreams
    primary.reply = f"card {CARD} here"
    primary.chunk = 5
    seen = []
    with pytest.raises(openai.APIError) as err:
        for e in oai(gateway).responses.create(model="gpt-test", input="hi", stream=True):
            seen.append(e.type)
            assert leaked(json.dumps(e.model_dump())) is None
    # The stream started, then the policy stopped it, naming the detector.
    assert "response.created" in seen, seen
    assert err.value.body["code"] == "credit_card", err.value.body


def streamed_raw(gw, primary, reply):
    primary.reply = reply
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    c.request("POST", "/v1/chat/completions", body=json.dumps(
        {"model": "gpt-test", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"authorization": f"Bearer {gw.key}", "content-type": "application/json"})
    return c.getresponse().read().decode()


def test_a_warning_on_a_streamed_answer_comes_as_a_trailing_comment(make_gateway, upstreams):
    gw = make_gateway("[dlp]\nstream_warning_comment = true\n")
    text = streamed_raw(gw, upstreams[0], "the host is 10.1.2.3 today")
    assert ": x-dlpjet-warning: ipv4\n\ndata: [DONE]" in text, text


def test_no_warning_comment_by_default(gateway, upstreams):
    text = streamed_raw(gateway, upstreams[0], "the host is 10.1.2.3 today")
    assert "x-dlpjet-warning" not in text and "10.1.2.3" in text, text


def test_tokenize_on_embeddings_can_be_refused(make_gateway, tmp_path):
    (tmp_path / "token.key").write_text("a tokenization key for the gateway tests\n")
    policy = "version = 1\n[default]\npseudonym_key = { file = \"token.key\" }\n" \
             "[default.detectors.email]\naction = \"tokenize\"\n"
    gw = make_gateway("[dlp]\ntokenize_on_embeddings = \"refuse\"\n", policy=policy)
    with pytest.raises(openai.PermissionDeniedError) as e:
        oai(gw).embeddings.create(model="gpt-test", input=f"mail {EMAIL}")
    assert e.value.body["code"] == "email"
    # Chat requests still tokenize.
    r = oai(gw).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": f"mail {EMAIL}"}])
    assert r.choices[0].message.content


def test_tokenize_on_embeddings_can_be_allowed(make_gateway, upstreams, tmp_path):
    (tmp_path / "token.key").write_text("a tokenization key for the gateway tests\n")
    policy = "version = 1\n[default]\npseudonym_key = { file = \"token.key\" }\n" \
             "[default.detectors.email]\naction = \"tokenize\"\n" \
             "[default.detectors.credit_card]\naction = \"redact\"\n"
    gw = make_gateway("[dlp]\ntokenize_on_embeddings = \"allow\"\n", policy=policy)
    r = oai(gw).embeddings.create(model="gpt-test", input=f"mail {EMAIL} card {CARD}")
    assert r.data
    # The value goes as it is; other actions still apply; the record says allow for it.
    sent = upstreams[0].bodies()[-1]["input"]
    assert EMAIL in sent and CARD not in sent, sent
    rec = gw.records()[-1]
    assert rec["action"] == "redact", rec
    hits = {h["detector"]: h for h in rec["findings"]} if isinstance(rec.get("findings"), list) else rec.get("findings")
    actions = {h["detector"]: h["action"] for h in rec["dlp"]}
    assert actions == {"email": "allow", "credit_card": "redact"}, rec


def test_metrics_may_require_a_bearer_token(make_gateway, tmp_path):
    gw = make_gateway("")
    gw.stop()
    (tmp_path / "metrics.token").write_text("a-scrape-token-of-some-length\n")
    gw.config.write_text('metrics_token_file = "metrics.token"\n' + gw.config.read_text())
    gw.start()

    def get(headers):
        c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
        c.request("GET", "/metrics", headers=headers)
        r = c.getresponse()
        return r.status, r.read()
    assert get({})[0] == 401
    assert get({"authorization": "Bearer wrong-token-of-some-length"})[0] == 401
    status, body = get({"authorization": "Bearer a-scrape-token-of-some-length"})
    assert status == 200 and b"dlpjet_" in body
