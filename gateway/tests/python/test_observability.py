"""/metrics (read with the Prometheus client's own parser) and CORS of the real gateway."""
import http.client

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

EMAIL = "jane.doe@example.org"


def get(gw, path, headers=None, method="GET"):
    c = http.client.HTTPConnection(gw.host, gw.port, timeout=10)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def samples(gw):
    r, data = get(gw, "/metrics")
    assert r.status == 200
    assert r.getheader("content-type").startswith("text/plain; version=0.0.4")
    out = {}
    for family in text_string_to_metric_families(data.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_requests_findings_limits_and_upstream_errors(make_gateway, upstreams):
    gw = make_gateway("[rate_limits]\nper_key = { requests_per_minute = 60, burst = 5 }\n")
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0, timeout=10)
    client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": f"to {EMAIL}"}])
    upstreams[0].status = 500
    client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    upstreams[0].status = 200
    stream = client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "4111 1111 1111 1111"}])
    client.models.list()
    with pytest.raises(openai.RateLimitError):
        client.models.list()
    m = samples(gw)
    req = "dlpjet_gateway_requests_total"
    assert m[(req, (("route", "chat_completions"), ("status", "200")))] == 3
    assert m[(req, (("route", "chat_completions"), ("status", "403")))] == 1
    assert m[(req, (("route", "models"), ("status", "429")))] == 1
    assert m[("dlpjet_gateway_request_duration_seconds_count", (("route", "chat_completions"),))] == 4
    inf = m[("dlpjet_gateway_request_duration_seconds_bucket", (("le", "+Inf"), ("route", "chat_completions")))]
    assert inf == 4
    found = "dlpjet_gateway_dlp_findings_total"
    assert m[(found, (("action", "redact"), ("detector", "email"), ("direction", "inbound")))] == 1
    assert m[(found, (("action", "block"), ("detector", "credit_card"), ("direction", "inbound")))] == 1
    assert m[("dlpjet_gateway_upstream_errors_total", (("kind", "status_5xx"), ("upstream", "primary")))] == 1
    assert m[("dlpjet_gateway_refused_total", (("limit", "key"),))] == 1
    assert m[("dlpjet_gateway_stream_duration_seconds_count", ())] == 1
    assert m[("dlpjet_gateway_stream_first_event_seconds_count", ())] == 1
    assert m[("dlpjet_gateway_streams_open", ())] == 0
    # No tenant, user, key or value in any label.
    text = get(gw, "/metrics")[1].decode()
    for secret in ("acme", "alice", gw.key, EMAIL, "4111"):
        assert secret not in text


def test_metrics_can_be_turned_off(make_gateway):
    gw = make_gateway("")
    gw.stop()
    gw.config.write_text("metrics = false\n" + gw.config.read_text())
    gw.start()
    assert get(gw, "/metrics")[0].status == 404


def test_cors_only_for_listed_origins(make_gateway):
    gw = make_gateway('[cors]\nallow_origins = ["https://chat.example.com"]\n')
    ask = {"origin": "https://chat.example.com", "access-control-request-method": "POST",
           "access-control-request-headers": "authorization, content-type, x-stainless-os"}
    r, _ = get(gw, "/v1/chat/completions", ask, method="OPTIONS")
    assert r.status == 204
    assert r.getheader("access-control-allow-origin") == "https://chat.example.com"
    assert r.getheader("access-control-allow-methods") == "GET, POST"
    assert r.getheader("access-control-allow-headers") == "authorization, content-type, x-stainless-os"
    assert r.getheader("access-control-max-age") == "600"
    # Another origin gets no grant, on the preflight or on the request.
    r, _ = get(gw, "/v1/chat/completions", dict(ask, origin="https://evil.example"), method="OPTIONS")
    assert r.status == 204 and r.getheader("access-control-allow-origin") is None
    r, _ = get(gw, "/v1/models", {"origin": "https://evil.example", "authorization": f"Bearer {gw.key}"})
    assert r.status == 200 and r.getheader("access-control-allow-origin") is None
    assert r.getheader("vary") == "origin"
    r, _ = get(gw, "/v1/models", {"origin": "https://chat.example.com", "authorization": f"Bearer {gw.key}"})
    assert r.getheader("access-control-allow-origin") == "https://chat.example.com"
    assert "x-request-id" in r.getheader("access-control-expose-headers")


def test_cors_is_off_without_an_allowlist(gateway):
    r, _ = get(gateway, "/v1/models", {"origin": "https://chat.example.com", "authorization": f"Bearer {gateway.key}"})
    assert r.status == 200 and r.getheader("access-control-allow-origin") is None
    r, _ = get(gateway, "/v1/chat/completions", {"origin": "https://chat.example.com",
                                                   "access-control-request-method": "POST"}, method="OPTIONS")
    assert r.status == 405 and r.getheader("access-control-allow-origin") is None


def test_records_committed_in_the_background_are_all_there_after_shutdown(make_gateway):
    gw = make_gateway("")
    gw.stop()
    gw.config.write_text(gw.config.read_text().replace('dir = "audit"', 'dir = "audit"\nwait_for_commit = false'))
    gw.start()
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0, timeout=10)
    for i in range(30):
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": f"hi {i}"}])
    gw.stop()
    assert len(gw.records()) == 30
    verified = gw.run("audit", "verify", str(gw.audit), vault=False)
    assert verified.returncode == 0, verified.stderr


def test_a_caller_who_goes_away_still_gets_a_record(gateway, upstreams, wait_for):
    upstreams[0].wait = 1.0
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=gateway.key, max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hi"}])
    assert wait_for(lambda: any(r["gateway"]["status"] == 499 for r in gateway.records()), timeout=5)
    rec = next(r for r in gateway.records() if r["gateway"]["status"] == 499)
    assert rec["tenant"] == "acme" and rec["actor"].startswith("key:") and rec["gateway"]["model"] == "gpt-test"
