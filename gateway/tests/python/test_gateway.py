"""The real gateway binary between the official SDKs and mock providers."""
import gzip
import http.client
import json
import time

import anthropic
import openai
import pytest

from conftest import CANARY

EMAIL = "jane.doe@example.org"
CARD = "4111 1111 1111 1111"


def oai(gw, key=None):
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key or gw.key, max_retries=0, timeout=10)


def claude(gw):
    return anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0, timeout=10)


def raw(gw, method, path, body=b"", headers=None):
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    h = {"authorization": f"Bearer {gw.key}", "content-type": "application/json"}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def test_chat_request_and_answer_are_redacted(gateway, upstreams):
    primary, _ = upstreams
    primary.reply = f"Sure, I will write to {EMAIL} today."
    r = oai(gateway).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": f"my address is {EMAIL}"}])
    assert r.choices[0].message.content == "Sure, I will write to [EMAIL] today."
    sent = primary.bodies()[-1]
    assert sent["messages"][0]["content"] == "my address is [EMAIL]"
    assert sent["model"] == "gpt-real"
    path, headers, _ = primary.received[-1]
    assert headers["authorization"] == f"Bearer {CANARY}"
    assert r.usage.total_tokens == 18


def test_streamed_answer_split_across_deltas(gateway, upstreams):
    primary, _ = upstreams
    for chunk in (1, 2, 3, 5, 8):
        primary.chunk = chunk
        primary.reply = f"Contact {EMAIL} or {EMAIL} for help."
        stream = oai(gateway).chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == "Contact [EMAIL] or [EMAIL] for help.", chunk
        # The gateway asked for usage in the stream, to meter cost.
        assert primary.bodies()[-1]["stream_options"] == {"include_usage": True}


def test_blocked_request_never_leaves(gateway, upstreams):
    primary, _ = upstreams
    with pytest.raises(openai.PermissionDeniedError) as e:
        oai(gateway).chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": f"pay with {CARD}"}])
    assert e.value.status_code == 403
    assert "credit_card" in str(e.value) and "4111" not in str(e.value)
    assert e.value.body["code"] == "credit_card"
    assert primary.received == []


def test_blocked_stream_ends_in_an_error_without_the_value(gateway, upstreams):
    primary, _ = upstreams
    primary.chunk = 3
    preamble = "The weather is fine today and the sun is out. " * 3
    primary.reply = f"{preamble}Your card is {CARD}, keep it safe."
    stream = oai(gateway).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True)
    seen = ""
    with pytest.raises(openai.APIError) as e:
        for c in stream:
            if c.choices:
                seen += c.choices[0].delta.content or ""
    assert "blocked" in str(e.value)
    # Text before the value flows on (only a bounded tail is held back); nothing of it does.
    assert len(seen) > len(preamble) // 2 and (preamble + "Your card is ").startswith(seen), seen
    assert not any(ch.isdigit() for ch in seen)


def test_anthropic_sdk_redaction_both_ways(gateway, upstreams):
    primary, _ = upstreams
    primary.reply = f"Noted: {EMAIL}."
    m = claude(gateway).messages.create(
        model="claude-test", max_tokens=50, system=f"The user is {EMAIL}",
        messages=[{"role": "user", "content": [{"type": "text", "text": f"mail {EMAIL}"}]}])
    assert m.content[0].text == "Noted: [EMAIL]."
    path, headers, body = primary.received[-1]
    sent = json.loads(body)
    assert path == "/v1/messages" and headers["x-api-key"] == CANARY
    assert sent["system"] == "The user is [EMAIL]" and sent["messages"][0]["content"][0]["text"] == "mail [EMAIL]"
    primary.chunk = 2
    with claude(gateway).messages.stream(model="claude-test", max_tokens=50,
                                         messages=[{"role": "user", "content": "hi"}]) as s:
        text = "".join(s.text_stream)
    assert text == "Noted: [EMAIL]."


def test_completions_embeddings_and_models(gateway, upstreams):
    primary, _ = upstreams
    primary.reply = f"reach {EMAIL}"
    c = oai(gateway).completions.create(model="gpt-test", prompt=f"from {EMAIL}")
    assert c.choices[0].text == "reach [EMAIL]"
    assert primary.bodies()[-1]["prompt"] == "from [EMAIL]"
    e = oai(gateway).embeddings.create(model="gpt-test", input=[f"x {EMAIL}", "y"])
    assert e.data[0].embedding == [0.1, 0.2]
    assert primary.bodies()[-1]["input"] == ["x [EMAIL]", "y"]
    assert sorted(m.id for m in oai(gateway).models.list()) == ["claude-test", "gpt-test"]


def test_warn_passes_with_a_header(gateway, upstreams):
    r = oai(gateway).chat.completions.with_raw_response.create(
        model="gpt-test", messages=[{"role": "user", "content": "server 10.1.2.3 is down"}])
    assert r.headers["x-dlpjet-warning"] == "ipv4"
    assert upstreams[0].bodies()[-1]["messages"][0]["content"] == "server 10.1.2.3 is down"


def test_fallback_to_the_next_upstream(gateway, upstreams):
    primary, backup = upstreams
    primary.status = 500
    backup.reply = "from the backup"
    r = oai(gateway).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].message.content == "from the backup"
    assert backup.bodies()[-1]["model"] == "gpt-backup"
    primary.status = 429
    stream = oai(gateway).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "from the backup"
    backup.status = 503
    with pytest.raises(openai.APIStatusError) as e:
        oai(gateway).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    assert e.value.status_code == 502


def test_unknown_and_revoked_keys(gateway, wait_for):
    with pytest.raises(openai.AuthenticationError):
        oai(gateway, key="dlpjet_live_notakey").models.list()
    r, body = raw(gateway, "GET", "/v1/models", headers={"authorization": ""})
    assert r.status == 401 and json.loads(body)["error"]["message"] == "invalid API key"
    key = gateway.create_key("acme", "bob")
    assert oai(gateway, key).models.list().data
    key_id = key.split("_")[2]
    gateway.run("keys", "revoke", "--tenant", "acme", "--id", key_id)
    # Verified keys are cached for at most half a second.
    def refused():
        try:
            oai(gateway, key).models.list()
            return False
        except openai.AuthenticationError:
            return True
    assert wait_for(refused, timeout=1.5)


@pytest.mark.parametrize("body,status,code", [
    (b'{"model":"gpt-test","model":"x","messages":[]}', 400, "duplicate_key"),
    (b'{"model":"gpt-test","messages":[{"role":"user","content":"\\ud800"}]}', 400, "lone_surrogate"),
    (b'{"model":"gpt-test","temperature":1e999,"messages":[]}', 400, "number_out_of_range"),
    (b'{"model":"gpt-test","messages":' + b"[" * 40 + b"]" * 40 + b"}", 400, "too_deep"),
    (b'{"model":"gpt-test","messages":[{"role":"user","content":"\xff"}]}', 400, "invalid_utf8"),
    (b'{"model":"gpt-test",}', 400, "invalid_json"),
    (b'{"model":"nope","messages":[]}', 404, "model_not_found"),
    (b'{"model":"gpt-test","messages":[{"role":"user","content":"' + b"a" * 70000 + b'"}]}', 413, "body_too_large"),
])
def test_bad_requests(gateway, upstreams, body, status, code):
    r, data = raw(gateway, "POST", "/v1/chat/completions", body)
    assert r.status == status, data
    assert json.loads(data)["error"]["code"] == code
    assert upstreams[0].received == []


def test_compressed_bodies(gateway, upstreams):
    body = json.dumps({"model": "gpt-test", "messages": [{"role": "user", "content": f"to {EMAIL}"}]}).encode()
    r, data = raw(gateway, "POST", "/v1/chat/completions", gzip.compress(body), {"content-encoding": "gzip"})
    assert r.status == 200, data
    assert upstreams[0].bodies()[-1]["messages"][0]["content"] == "to [EMAIL]"
    bomb = gzip.compress(b'{"model":"gpt-test","messages":[{"role":"user","content":"' + b" " * 60000 + b'"}]}')
    r, data = raw(gateway, "POST", "/v1/chat/completions", bomb, {"content-encoding": "gzip"})
    assert r.status == 413 and json.loads(data)["error"]["code"] == "inflate_limit"
    r, data = raw(gateway, "POST", "/v1/chat/completions", body, {"content-encoding": "br"})
    assert r.status == 415


def test_routes_and_security_headers(gateway):
    r, data = raw(gateway, "GET", "/healthz")
    assert r.status == 200 and json.loads(data) == {"status": "ok"}
    for h, v in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY")]:
        assert r.getheader(h) == v
    assert "default-src 'none'" in r.getheader("content-security-policy")
    r, _ = raw(gateway, "GET", "/v1/nothing")
    assert r.status == 404 and r.getheader("x-content-type-options") == "nosniff"
    r, _ = raw(gateway, "GET", "/v1/chat/completions")
    assert r.status == 405


def test_slow_headers_are_cut_off(gateway):
    import socket
    s = socket.create_connection((gateway.host, gateway.port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(6)
    start = time.monotonic()
    data = s.recv(4096)  # the gateway gives up on the headers after header_timeout_ms
    assert time.monotonic() - start < 5.5
    assert data == b"" or b"408" in data
    s.close()


def test_audit_records_and_the_key_canary(gateway, upstreams):
    primary, _ = upstreams
    primary.reply = f"hello {EMAIL}"
    client = oai(gateway)
    client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": f"I am {EMAIL}"}])
    list(client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True))
    with pytest.raises(openai.PermissionDeniedError) as blocked:
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": CARD}])
    responses = [blocked.value.response.text, json.dumps(dict(blocked.value.response.headers))]
    r = client.chat.completions.with_raw_response.create(model="gpt-test", messages=[{"role": "user", "content": "x"}])
    responses += [r.http_response.text, json.dumps(dict(r.headers))]
    stderr = gateway.stop()
    verify = gateway.run("audit", "verify", str(gateway.audit), vault=False, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    records = gateway.records()
    assert len(records) == 4
    first, streamed, block, plain = records
    assert first["action"] == "redact" and first["tenant"] == "acme"
    assert {"detector": "email", "count": 2, "action": "redact"}.items() <= first["dlp"][0].items()
    g = first["gateway"]
    assert g["model"] == "gpt-test" and g["provider"] == "primary" and g["status"] == 200
    assert g["input_tokens"] == 11 and g["output_tokens"] == 7
    assert g["cost"] == pytest.approx((11 * 2.0 + 7 * 8.0) / 1e6)
    assert first["actor"].startswith("key:") and first["details"]["user"] == "alice"
    assert first["details"]["instance"] == "gw-test"
    assert streamed["gateway"]["output_tokens"] == 7 and streamed["dlp"][0]["detector"] == "email"
    assert block["action"] == "block" and block["gateway"]["status"] == 403
    everything = "\n".join(responses) + stderr + json.dumps(records)
    for s in (CANARY, EMAIL, "4111 1111"):
        assert s not in everything
