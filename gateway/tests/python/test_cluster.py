"""Three gateway instances sharing a vault in PostgreSQL and their counters in Redis, configured
with the README's "Running several gateways" file: shared rate limits, one budget hammered from
all three, revocation reaching every instance within a second, one audit log per instance
merged by `dlpjet audit query`."""
import concurrent.futures
import json
import os
import re
import subprocess
import time

import openai
import pytest

import servers
from conftest import CANARY, ROOT, dlpjet_bin, gateway_address

WHY = servers.missing()
if WHY and os.environ.get("CI"):
    raise RuntimeError(f"{WHY}; the test command installs it in CI")
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"several gateways need real servers: {WHY}")

# The mock's chat usage (11 prompt, 7 completion tokens) at gpt-test's prices.
CHAT_COST = (11 * 2.0 + 7 * 8.0) / 1e6


def readme_block(kind):
    text = (ROOT / "README.md").read_text()
    section = text.split("### Running several gateways\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{kind}\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def readme_config():
    return readme_block("toml")


@pytest.fixture(scope="module")
def redis():
    r = servers.Redis()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def postgres():
    p = servers.Postgres()
    yield p
    p.stop()


class Cluster:
    """`n` gateways on the README's configuration (with `edits` applied), one mock provider."""

    def __init__(self, tmp, redis, postgres, upstream, n=3, edits=()):
        self.bin, self.tmp = dlpjet_bin(), tmp
        self.vault = postgres.database()
        self.env = dict(os.environ, DLPJET_VAULT=self.vault)
        (tmp / "master.key").write_text(self.cli("vault", "init").stdout.strip())
        (tmp / "master.key").chmod(0o600)  # a key file others can read is refused
        self.cli("vault", "put", "--tenant", "acme", "--id", "openai", input=CANARY)
        self.key = self.create_key("alice")
        base = readme_config()
        for old, new in [
            ("postgresql://dlpjet@127.0.0.1:5432/dlpjet", self.vault),
            ("redis://127.0.0.1:6379/0", redis.url()),
            ('listen = "0.0.0.0:8080"', 'listen = "127.0.0.1:0"'),
            *edits,
        ]:
            assert old in base, old
            base = base.replace(old, new)
        # Each test's counters apart from the others' in the one Redis.
        base = base.replace("[shared]\n", f'[shared]\nprefix = "{tmp.name}"\n')
        base += f"""
[[upstreams]]
name = "openai"
kind = "openai"
base_url = "{upstream.url()}"
key = "openai"
[models.gpt-test]
route = [{{ upstream = "openai", model = "gpt-real" }}]
input_price = 2.0
output_price = 8.0
"""
        self.gateways = []
        for i in range(1, n + 1):
            config = tmp / f"gw-{i}.toml"
            config.write_text(base.replace('"gw-1"', f'"gw-{i}"').replace('"audit-gw-1"', f'"audit-gw-{i}"'))
            stderr = open(tmp / f"gw-{i}.stderr", "w+")
            proc = subprocess.Popen([self.bin, "gateway", "--config", str(config)], stdout=subprocess.PIPE,
                                    stderr=stderr, text=True, env=self.env)
            self.gateways.append((proc, gateway_address(proc, stderr), stderr))

    def cli(self, *args, input=None, check=True):
        return subprocess.run([self.bin, *args, "--master-key-file", str(self.tmp / "master.key")], input=input,
                              capture_output=True, text=True, check=check, env=self.env, cwd=self.tmp)

    def create_key(self, user):
        return self.cli("keys", "create", "--tenant", "acme", "--user", user).stdout.strip().splitlines()[0]

    def client(self, i, key=None):
        return openai.OpenAI(base_url=self.gateways[i][1] + "/v1", api_key=key or self.key, max_retries=0, timeout=10)

    def chat(self, i, key=None, max_tokens=10):
        return self.client(i, key).chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}], max_tokens=max_tokens)

    def audit(self, *args):
        dirs = [str(self.tmp / f"audit-gw-{i}") for i in range(1, len(self.gateways) + 1)]
        return subprocess.run([self.bin, "audit", *args, *dirs], capture_output=True, text=True)

    def records(self):
        out = self.audit("query")
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines()]

    def stop(self):
        for proc, _, stderr in self.gateways:
            proc.terminate()
        for proc, _, stderr in self.gateways:
            proc.wait(timeout=35)
            stderr.seek(0)
            assert CANARY not in stderr.read()


@pytest.fixture
def cluster(tmp_path, redis, postgres):
    from mock_upstream import Upstream
    upstream = Upstream()
    made = []

    def make(**kw):
        c = Cluster(tmp_path, redis, postgres, upstream, **kw)
        made.append(c)
        return c
    yield make
    for c in made:
        c.stop()
    upstream.close()


def test_a_rate_limit_is_counted_once_across_instances(cluster):
    # One token every 10 s after a burst of 6: however slowly the 18 requests go, at most one
    # more is refilled while they run.
    c = cluster(edits=[("per_key = { requests_per_minute = 600 }", "per_key = { requests_per_minute = 6, burst = 6 }")])
    passed, refused = 0, []
    for n in range(18):
        try:
            c.chat(n % 3)
            passed += 1
        except openai.RateLimitError as e:
            refused.append(e)
    assert passed in (6, 7), passed
    assert {e.code for e in refused} == {"rate_limit_exceeded"}
    assert all(int(e.response.headers["retry-after"]) >= 1 for e in refused)


def test_a_budget_hammered_from_three_instances_is_not_overshot(cluster):
    cap = 9 * CHAT_COST
    c = cluster(edits=[("tenants = { acme = 500.0 }", f"tenants = {{ acme = {cap!r} }}")])
    keys = [c.create_key(f"user{i}") for i in range(4)]
    # Every instance knows every key before the hammering starts (listing models costs
    # nothing), and each spends one chat of the budget: all three take part whichever of them
    # wins the race for the rest.
    for i in range(3):
        for key in keys:
            assert c.client(i, key).models.list().data
    for i in range(3):
        c.chat(i, keys[i])

    def one(n):
        try:
            c.chat(n % 3, keys[n % 4])
            return True
        except openai.RateLimitError as e:
            assert e.code == "budget_exceeded"
            return False
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(48)))
    records = c.records()
    spent = sum(r["event"].get("gateway", {}).get("cost", 0) for r in records)
    assert any(results) and not all(results)
    assert spent == pytest.approx((3 + results.count(True)) * CHAT_COST)
    assert spent <= cap + 1e-12
    served = {r["event"]["details"]["instance"] for r in records if r["event"].get("gateway", {}).get("cost")}
    assert served == {"gw-1", "gw-2", "gw-3"}, served


def test_revocation_reaches_every_instance_within_a_second(cluster):
    c = cluster()
    bob = c.create_key("bob")
    for i in range(3):
        assert c.client(i, bob).models.list().data
    c.cli("keys", "revoke", "--tenant", "acme", "--id", bob.split("_")[2])
    revoked = time.monotonic()
    pending = {0, 1, 2}
    while pending and time.monotonic() - revoked < 1.0:
        for i in list(pending):
            try:
                c.client(i, bob).models.list()
            except openai.AuthenticationError:
                pending.discard(i)
        time.sleep(0.01)
    assert not pending, f"instances {pending} still accept the revoked key after 1 s"
    # The provider key: revoked in the vault, no longer used by any instance within a second.
    for i in range(3):
        assert c.chat(i).choices
    c.cli("vault", "revoke", "--tenant", "acme", "--id", "openai")
    revoked = time.monotonic()
    pending = {0, 1, 2}
    while pending and time.monotonic() - revoked < 1.0:
        for i in list(pending):
            try:
                c.chat(i)
            except openai.APIStatusError as e:
                assert e.status_code >= 500 and CANARY not in str(e.body)
                pending.discard(i)
        time.sleep(0.01)
    assert not pending, f"instances {pending} still use the revoked provider key after 1 s"


def test_each_instance_writes_its_log_and_the_logs_merge(cluster):
    c = cluster()
    for n in range(9):
        c.chat(n % 3)
    records = c.records()
    chats = [r for r in records if r["event"].get("gateway", {}).get("model") == "gpt-test"]
    assert len(chats) == 9
    for r in chats:
        assert r["log"].endswith("audit-gw-" + r["event"]["details"]["instance"].split("-")[1])
    times = [r["event"]["time"] for r in records]
    assert times == sorted(times)
    verified = c.audit("verify", "--json")
    assert verified.returncode == 0, verified.stderr
    reports = [json.loads(line) for line in verified.stdout.splitlines()]
    assert [r["ok"] for r in reports] == [True] * 3
    assert sum(r["records"] for r in reports) == len(records)


def test_the_readme_commands_run(cluster, postgres, tmp_path):
    c = cluster()
    for n in range(3):
        c.chat(n)
    # The README's commands, on a vault of their own, over the three instances' logs.
    where = tmp_path / "readme"
    where.mkdir()
    for i in range(1, 4):
        (where / f"audit-gw-{i}").symlink_to(tmp_path / f"audit-gw-{i}")
    script = readme_block("sh").replace("postgresql://dlpjet@127.0.0.1:5432/dlpjet", postgres.database())
    env = dict(os.environ, PATH=f"{os.path.dirname(c.bin)}:{os.environ['PATH']}", OPENAI_KEY="sk-readme-example")
    env.pop("DLPJET_VAULT", None)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=where, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    merged = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(merged) >= 3 and {r["event"]["details"]["instance"] for r in merged} == {"gw-1", "gw-2", "gw-3"}
    assert sum(": ok: " in line for line in lines) == 3
