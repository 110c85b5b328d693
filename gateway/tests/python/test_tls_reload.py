"""TLS on the listener and to upstreams (certificates from trustme), and reloading the
configuration and policy on SIGHUP without dropping streams in flight."""
import http.client
import signal
import ssl
import threading

import openai
import pytest
import trustme

from conftest import CANARY, Gateway
from mock_upstream import Upstream

EMAIL = "jane.doe@example.org"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def write_cert(ca, tmp):
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp / "key.pem"))
    with open(tmp / "cert.pem", "wb") as f:
        for blob in cert.cert_chain_pems:
            f.write(blob.bytes())
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    return cert


def chat(gw, http_client=None, content="hi", **kw):
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0, timeout=10,
                           http_client=http_client)
    return client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": content}], **kw)


def test_the_listener_serves_https_only(make_gateway, tmp_path, ca):
    write_cert(ca, tmp_path)
    gw = make_gateway('[tls]\ncert_file = "cert.pem"\nkey_file = "key.pem"\n')
    assert gw.url.startswith("https://")
    ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    r = chat(gw, openai.DefaultHttpx2Client(verify=ctx), f"mail {EMAIL}")
    assert r.choices[0].message.content
    c = http.client.HTTPSConnection(gw.host, gw.port, context=ctx, timeout=10)
    c.request("GET", "/healthz")
    resp = c.getresponse()
    assert resp.status == 200
    assert resp.getheader("strict-transport-security") == "max-age=31536000; includeSubDomains"
    # Plain HTTP to the TLS port gets no HTTP answer.
    with pytest.raises((http.client.HTTPException, OSError)):
        p = http.client.HTTPConnection(gw.host, gw.port, timeout=5)
        p.request("GET", "/healthz")
        p.getresponse()
    # A client that does not trust the certificate is refused by its own TLS check.
    with pytest.raises(openai.APIConnectionError):
        chat(gw)


def test_https_upstreams_are_verified(tmp_path, ca, upstreams):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    ca.cert_pem.write_to_path(str(two / "ca.pem"))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    secure = Upstream(tls=server_ctx)
    try:
        # Not trusted: the upstream is skipped as unreachable and the fallback (plain) serves.
        gw = Gateway(one, secure, upstreams[1])
        assert chat(gw).model == "gpt-backup"
        assert secure.received == []
        gw.stop()
        # Trusted through upstream_ca_file: the request goes over TLS, with the vault's key.
        gw = Gateway(two, secure, upstreams[1], extra='[tls]\nupstream_ca_file = "ca.pem"\n')
        assert chat(gw, content=f"to {EMAIL}").model == "gpt-real"
        path, headers, body = secure.received[-1]
        assert headers["authorization"] == f"Bearer {CANARY}"
        assert EMAIL not in body.decode()
        gw.stop()
    finally:
        secure.close()


def test_sighup_reloads_config_and_policy_without_dropping_streams(gateway, upstreams, wait_for):
    primary, _ = upstreams
    primary.chunk = 2
    primary.delay = 0.03
    primary.reply = "a slow answer that is still streaming while the gateway reloads"
    got = {}

    def stream():
        s = chat(gateway, stream=True)
        got["text"] = "".join(c.choices[0].delta.content or "" for c in s if c.choices)
    t = threading.Thread(target=stream)
    t.start()
    assert wait_for(lambda: len(primary.received) == 1)
    # E-mail addresses are now blocked, and a model alias is added.
    policy = gateway.tmp / "policy.toml"
    policy.write_text(policy.read_text().replace('[default.detectors.email]\naction = "redact"',
                                                 '[default.detectors.email]\naction = "block"'))
    config = gateway.config.read_text()
    gateway.config.write_text(config + '\n[models.gpt-new]\nroute = [{ upstream = "backup", model = "b" }]\n')
    gateway.proc.send_signal(signal.SIGHUP)
    models = openai.OpenAI(base_url=gateway.url + "/v1", api_key=gateway.key, max_retries=0).models
    assert wait_for(lambda: "gpt-new" in [m.id for m in models.list()])
    t.join(10)
    assert got["text"] == primary.reply
    primary.delay = 0
    with pytest.raises(openai.PermissionDeniedError) as e:
        chat(gateway, content=f"mail {EMAIL}")
    assert e.value.code == "email"
    # A broken file, or a change that needs a restart, leaves the running configuration.
    stderr = gateway.tmp / "gateway.stderr"
    gateway.config.write_text(config + "\nbogus = 1\n")
    gateway.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: stderr.read_text().count("not reloaded") == 1)
    gateway.config.write_text(config.replace('listen = "127.0.0.1:0"', 'listen = "127.0.0.1:1"'))
    gateway.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: stderr.read_text().count("not reloaded") == 2)
    log = stderr.read_text()
    assert "unknown field `bogus`" in log
    assert "listen changed, which takes a restart" in log
    assert "gpt-new" in [m.id for m in models.list()]
    # The stream that was in flight during the reload ended normally and was audited.
    assert gateway.records()[0]["gateway"]["status"] == 200
