"""Tokenize and restore through the real gateway: the provider sees only tokens, the caller gets
its values back — in whole answers and in streams split at any delta size."""
import json
import re

import anthropic
import openai
import pytest

EMAIL = "jane.doe@example.org"
PHONE = "+1 212 555 0147"
TOKEN = re.compile(r"\[(EMAIL|PHONE):[a-p]{16}\]")
POLICY = """
version = 1
[default]
pseudonym_key = { file = "token.key" }
[default.detectors.email]
action = "tokenize"
[default.detectors.phone]
action = "tokenize"
[default.detectors.credit_card]
action = "block"
"""


@pytest.fixture
def gw(make_gateway, tmp_path, upstreams):
    (tmp_path / "token.key").write_text("a tokenization key for the gateway tests\n")
    upstreams[0].echo = True
    return make_gateway("", policy=POLICY)


def oai(gw):
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0, timeout=10)


def ask(gw, **kw):
    return oai(gw).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": f"mail {EMAIL} or call {PHONE}"}], **kw)


def test_the_provider_sees_tokens_and_the_caller_its_values(gw, upstreams):
    r = ask(gw)
    assert r.choices[0].message.content == f"You said: mail {EMAIL} or call {PHONE}"
    sent = upstreams[0].bodies()[-1]["messages"][0]["content"]
    assert EMAIL not in sent and "555" not in sent
    tokens = TOKEN.findall(sent)
    assert [t for t in tokens] == ["EMAIL", "PHONE"]
    # The same values get the same tokens in the next request (stable per tenant).
    ask(gw)
    assert upstreams[0].bodies()[-1]["messages"][0]["content"] == sent
    rec = gw.records()[-1]
    assert rec["action"] == "tokenize"
    assert {d["detector"]: d["action"] for d in rec["dlp"]} == {"email": "tokenize", "phone": "tokenize"}
    assert EMAIL not in json.dumps(gw.records())


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 24])
def test_tokens_split_across_streamed_deltas_are_restored(gw, upstreams, chunk):
    upstreams[0].chunk = chunk
    stream = ask(gw, stream=True)
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces) == f"You said: mail {EMAIL} or call {PHONE}"
    # No piece carries a fragment of a token: what is held back waits for the rest of it.
    assert not any("[EMAIL:" in p or "[PHONE:" in p for p in pieces)


def test_anthropic_stream_restores_tokens(gw, upstreams):
    upstreams[0].chunk = 3
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0, timeout=10)
    with client.messages.stream(model="claude-test", max_tokens=50,
                                messages=[{"role": "user", "content": f"reach {EMAIL}"}]) as s:
        text = "".join(s.text_stream)
    assert text == f"You said: reach {EMAIL}"
    assert EMAIL not in json.dumps(upstreams[0].bodies()[-1])


def test_only_this_requests_tokens_are_restored(gw, upstreams):
    # A token-shaped text the caller made up, or one of another request, stays as it is.
    first = ask(gw)
    assert first.choices[0].message.content.endswith(PHONE)
    token = TOKEN.search(upstreams[0].bodies()[-1]["messages"][0]["content"]).group(0)
    r = oai(gw).chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": f"what is {token}?"}])
    assert r.choices[0].message.content == f"You said: what is {token}?"
