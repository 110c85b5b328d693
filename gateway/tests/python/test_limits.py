"""Rate limits and budgets of the real gateway, through the official SDKs."""
import concurrent.futures
import http.client
import json

import openai
import pytest

# The mock's chat usage (11 prompt, 7 completion tokens) at gpt-test's prices (2 and 8 per
# million tokens).
CHAT_COST = (11 * 2.0 + 7 * 8.0) / 1e6


def oai(gw, key=None, retries=0):
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key or gw.key, max_retries=retries, timeout=10)


def chat(gw, key=None, retries=0, max_tokens=20):
    return oai(gw, key, retries).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], max_tokens=max_tokens)


def post(gw, key, body=b'{"model":"gpt-test","messages":[]}'):
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    c.request("POST", "/v1/chat/completions", body=body,
              headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def test_a_keys_own_rate_and_the_user_rate(make_gateway, upstreams):
    gw = make_gateway("[rate_limits]\nper_user = { requests_per_minute = 60, burst = 4 }\n")
    slow = gw.create_key("acme", "bob", "--rate", "2")
    chat(gw, slow)
    chat(gw, slow)
    with pytest.raises(openai.RateLimitError) as e:
        chat(gw, slow)
    assert e.value.code == "rate_limit_exceeded"
    assert "per key" in e.value.message
    retry = int(e.value.response.headers["retry-after"])
    assert 1 <= retry <= 30
    # Bob's other key is not limited per key, but Bob is per user: 2 used of his burst of 4.
    other = gw.create_key("acme", "bob")
    chat(gw, other)
    chat(gw, other)
    with pytest.raises(openai.RateLimitError) as e:
        chat(gw, other)
    assert "per user" in e.value.message
    # Alice is another user.
    chat(gw)
    sent = len(upstreams[0].received)
    assert sent == 5
    # Refused requests are audited with their status, and never reached the provider.
    statuses = [r["gateway"]["status"] for r in gw.records()]
    assert statuses.count(429) == 2 and statuses.count(200) == 5


def test_the_address_limit_applies_before_authentication(make_gateway):
    gw = make_gateway("[rate_limits]\nper_ip = { requests_per_minute = 6, burst = 3 }\n")
    codes = [post(gw, "dlpjet_live_not_a_key")[0].status for _ in range(3)]
    assert codes == [401, 401, 401]
    r, data = post(gw, gw.key)
    assert r.status == 429
    assert r.getheader("retry-after") == "10"
    assert json.loads(data)["error"]["code"] == "rate_limit_exceeded"
    # Health checks are never limited.
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    c.request("GET", "/healthz")
    assert c.getresponse().status == 200
    # Refusals before authentication are audited too, without the key presented; health
    # checks are not.
    recs = gw.records()
    assert [(r["tenant"], r["gateway"]["status"]) for r in recs] == [("(unauthenticated)", 401)] * 3 + [
        ("(unauthenticated)", 429)]
    assert all(r["gateway"]["client_ip"] == "127.0.0.1" and "actor" not in r for r in recs)
    assert "dlpjet_live_not_a_key" not in json.dumps(recs)


def test_a_spent_budget_refuses_and_survives_a_restart(make_gateway, upstreams):
    # Each request is held at its estimate (body/3 tokens in, max_tokens out) and then costs
    # CHAT_COST; the cap allows a few.
    cap = 10 * CHAT_COST
    gw = make_gateway(f"[budgets]\nperiod = \"month\"\ntenants = {{ acme = {cap!r} }}\n")
    passed = 0
    for _ in range(20):
        try:
            chat(gw)
            passed += 1
        except openai.RateLimitError as e:
            refusal = e
            break
    else:
        pytest.fail("the budget never refused")
    assert 3 <= passed < 10, passed
    assert refusal.code == "budget_exceeded"
    assert refusal.response.headers["x-should-retry"] == "false"
    assert "tenant's budget" in refusal.message
    # The SDK does not retry it, even when allowed to.
    before = len(upstreams[0].received)
    with pytest.raises(openai.RateLimitError):
        chat(gw, retries=2)
    assert len(upstreams[0].received) == before
    spent = sum(r["gateway"].get("cost", 0) for r in gw.records())
    assert spent == pytest.approx(passed * CHAT_COST)
    assert spent <= cap
    # A request that asks for less output fits again — the estimate follows max_tokens.
    chat(gw, max_tokens=1)
    # After a restart the spend is counted again from the audit log.
    gw.stop()
    gw.start()
    with pytest.raises(openai.RateLimitError) as e:
        chat(gw)
    assert e.value.code == "budget_exceeded"


def test_concurrent_requests_do_not_overshoot_the_budget(make_gateway, upstreams):
    cap = 6 * CHAT_COST
    gw = make_gateway(f"[budgets]\ntenants = {{ acme = {cap!r} }}\n")
    keys = [gw.create_key("acme", f"user{i}") for i in range(4)]

    def one(i):
        try:
            chat(gw, keys[i % 4], max_tokens=10)
            return True
        except openai.RateLimitError:
            return False
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(48)))
    spent = sum(r["gateway"].get("cost", 0) for r in gw.records())
    assert any(results) and not all(results)
    assert spent == pytest.approx(results.count(True) * CHAT_COST)
    assert spent <= cap + 1e-12


def test_a_keys_budget(make_gateway):
    gw = make_gateway("")
    key = gw.create_key("acme", "carol", "--budget", repr(3 * CHAT_COST))
    chat(gw, key, max_tokens=1)
    with pytest.raises(openai.RateLimitError) as e:
        for _ in range(5):
            chat(gw, key, max_tokens=1)
    assert "key's budget" in e.value.message
    # Other keys of the tenant are not affected.
    chat(gw)


def test_a_key_whose_limits_do_not_read_is_refused_not_unlimited(make_gateway, upstreams):
    """A key's limits are attributes the vault keeps for the gateway; one that another tool
    wrote wrong stops the key (500, key_misconfigured) instead of serving it without a limit."""
    import sqlite3

    gw = make_gateway("")
    key = gw.create_key("acme", "dave", "--rate", "5")
    chat(gw, key)
    key_id = key.split("_")[2]
    db = sqlite3.connect(gw.store)
    with db:
        changed = db.execute(
            "UPDATE api_key_attributes SET value = 'five' WHERE id = ? AND name = 'rate_limit'", (key_id,)
        ).rowcount
    db.close()
    assert changed == 1
    sent = len(upstreams[0].received)
    # A new gateway reads the key afresh (the running one may still hold it for 500 ms).
    gw.stop()
    gw.start()
    r, data = post(gw, key)
    assert r.status == 500 and json.loads(data)["error"]["code"] == "key_misconfigured", data
    assert len(upstreams[0].received) == sent
    # Other keys still work.
    chat(gw)
