"""Fixtures for the gateway's end-to-end tests: a vault with a caller's API key and provider
keys, two mock providers, and the real `dlpjet gateway` binary configured in front of them."""
import json
import os
import pathlib
import select
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from mock_upstream import Upstream  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
# A value planted as the provider key: it must never come back in any response, header, log,
# error or audit record.
CANARY = "sk-canary-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4"
POLICY = """
version = 1
[default.detectors.email]
action = "redact"
[default.detectors.credit_card]
action = "block"
[default.detectors.ipv4]
action = "warn"
"""


def dlpjet_bin():
    if os.environ.get("DLPJET_BIN"):
        return os.environ["DLPJET_BIN"]
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                          capture_output=True, check=True, text=True)
    return str(pathlib.Path(json.loads(meta.stdout)["target_directory"]) / "release" / "dlpjet")


def gateway_address(proc, stderr, timeout=30):
    """The URL a started `dlpjet gateway` prints once it listens. A gateway that prints
    anything else, exits first, or prints nothing for `timeout` seconds fails the test with what
    it wrote to `stderr` (a file) instead of holding the suite."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if line.startswith("dlpjet gateway listening on "):
        return line.split()[-1]
    if proc.poll() is None:
        proc.kill()
    code = proc.wait()
    why = (f"printed no address within {timeout} s" if not ready
           else f"printed {line!r} instead of its address" if line
           else f"exited with {code} before listening")
    pytest.fail(f"the gateway {why}; its standard error:\n{open(stderr.name).read()}")


class Gateway:
    """A running gateway and what it stands on."""

    def __init__(self, tmp, primary, backup, extra="", policy=POLICY):
        self.bin = dlpjet_bin()
        self.tmp = tmp
        self.primary, self.backup = primary, backup
        self.store = tmp / "vault.db"
        self.master = tmp / "master.key"
        self.master.write_text(self.run("vault", "init", "--store", str(self.store), vault=False).stdout.strip())
        self.master.chmod(0o600)  # a key file others can read is refused
        self.key = self.create_key("acme", "alice")
        for upstream in ("primary", "backup", "anthropic"):
            self.run("vault", "put", "--tenant", "acme", "--id", upstream, input=CANARY)
        (tmp / "policy.toml").write_text(policy)
        self.audit = tmp / "audit"
        self.config = tmp / "gateway.toml"
        self.config.write_text(f"""
listen = "127.0.0.1:0"
policy = "policy.toml"
instance = "gw-test"
[vault]
path = "vault.db"
master_key_file = "master.key"
[audit]
dir = "audit"
[limits]
max_body_bytes = 65536
max_json_depth = 16
body_timeout_ms = 2000
header_timeout_ms = 2000
[[upstreams]]
name = "primary"
kind = "openai"
base_url = "{primary.url()}"
key = "primary"
[[upstreams]]
name = "backup"
kind = "openai"
base_url = "{backup.url()}"
key = "backup"
[[upstreams]]
name = "anthropic"
kind = "anthropic"
base_url = "{primary.url()}"
key = "anthropic"
[models.gpt-test]
route = [{{ upstream = "primary", model = "gpt-real" }}, {{ upstream = "backup", model = "gpt-backup" }}]
input_price = 2.0
output_price = 8.0
[models.claude-test]
route = [{{ upstream = "anthropic", model = "claude-real" }}]
{extra}
""")
        self.stderr = open(tmp / "gateway.stderr", "w+")
        self.start()

    def start(self):
        self.proc = subprocess.Popen([self.bin, "gateway", "--config", str(self.config)],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.url = gateway_address(self.proc, self.stderr)
        self.host, self.port = self.url.split("://")[1].split(":")
        self.port = int(self.port)

    def run(self, *args, input=None, vault=True, check=True):
        extra = ["--store", str(self.store), "--master-key-file", str(self.master)] if vault else []
        return subprocess.run([self.bin, *args, *extra], input=input, capture_output=True, text=True, check=check)

    def create_key(self, tenant, user, *extra):
        out = self.run("keys", "create", "--tenant", tenant, "--user", user, *extra).stdout
        return out.strip().splitlines()[0]

    def records(self):
        """The audit log's records, through `dlpjet audit query`."""
        out = self.run("audit", "query", str(self.audit), vault=False).stdout
        return [json.loads(line)["event"] for line in out.splitlines() if line.strip()]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.stderr.seek(0)
        return self.stderr.read()


@pytest.fixture
def upstreams():
    a, b = Upstream(), Upstream()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def gateway(tmp_path, upstreams):
    gw = Gateway(tmp_path, *upstreams)
    yield gw
    if gw.proc.poll() is None:
        gw.stop()


@pytest.fixture
def make_gateway(tmp_path, upstreams):
    """A gateway with extra configuration text appended (rate limits, budgets)."""
    started = []

    def make(extra, policy=POLICY):
        gw = Gateway(tmp_path, *upstreams, extra=extra, policy=policy)
        started.append(gw)
        return gw
    yield make
    for gw in started:
        if gw.proc.poll() is None:
            gw.stop()


@pytest.fixture
def wait_for():
    def wait(cond, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.02)
        return cond()
    return wait
