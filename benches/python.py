#!/usr/bin/env python3
"""The Python binding against the Rust engine, Python's `re` and Microsoft Presidio, on the
same generated chat messages (50-500 bytes each).

    python benches/python.py [--rows N] [--rounds R] [--re-rows N] [--presidio-rows N]

Run it with the Python that has dlpjet installed (the test command's virtual environment:
`.venv/bin/python benches/python.py`). It builds the engine baseline (benches' `rowscan`)
with cargo. Figures, all medians over paired rounds (the baseline and the binding in turn):

- scan_many over the rows as a pyarrow array and as a list of str, against `rowscan par` (the
  engine on every core, in a process of its own, over the same rows): throughput ratio, and
  the CPU time / wall time of the binding's call (2.0 = both cores busy);
- redact_many over the pyarrow array;
- per-call time of Scanner.scan on a 100-byte message against the engine's own per-scan time;
- Python `re` with patterns equivalent to the built-in detectors (and the same Luhn and
  mod-97 checks), and Presidio's AnalyzerEngine with pattern recognizers only on a blank
  spaCy pipeline, each on a sample of the rows (they are much slower), against scan_many on
  the same sample.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import pyarrow as pa

import dlpjet

ROOT = Path(__file__).resolve().parent.parent

WORDS = ("the a to and of we you it is for on that this with be have are not at our as can your "
         "ticket order update meeting deploy build release customer invoice account please thanks "
         "tomorrow today call review draft budget plan shipping refund login password reset").split()
SECRETS = [
    lambda r: "card %s" % r.choice(["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881"]),
    lambda r: "mail %s.%s@example.org" % (r.choice(WORDS), r.choice(WORDS)),
    lambda r: "call +1 212 555 %04d" % r.randint(0, 9999),
    lambda r: "SSN 123-45-%04d" % r.randint(1000, 9999),
    lambda r: "from 10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)),
    lambda r: "key AKIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
    lambda r: "IBAN GB82 WEST 1234 5698 7654 32",
    lambda r: "token ghp_" + "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(36)),
]


def messages(n: int, seed: int = 7) -> list[str]:
    """Chat messages of 50-500 bytes; about one in six carries something sensitive."""
    r = random.Random(seed)
    out = []
    for _ in range(n):
        target = r.randint(50, 500)
        words = []
        size = 0
        while size < target:
            w = r.choice(WORDS) if r.random() > 0.004 else r.choice(SECRETS)(r)
            words.append(w)
            size += len(w) + 1
        out.append(" ".join(words)[:target].strip())
    return out


def luhn(digits: str) -> bool:
    d = [int(c) for c in digits if c.isdigit()]
    if not 13 <= len(d) <= 19:
        return False
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2:
            x *= 2
            x -= 9 if x > 9 else 0
        total += x
    return total % 10 == 0


def mod97(iban: str) -> bool:
    s = iban.replace(" ", "")
    s = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97 == 1


RE_PATTERNS = {
    "credit_card": (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), luhn),
    "us_ssn": (re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    "email": (re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"), None),
    "phone": (re.compile(r"(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b"), None),
    "aws_access_key_id": (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z2-7]{16}\b"), None),
    "aws_secret_access_key": (re.compile(r"(?i)aws.{0,20}?['\"=: ]([A-Za-z0-9/+=]{40})\b"), None),
    "github_token": (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"), None),
    "slack_token": (re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"), None),
    "stripe_key": (re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{24,}\b"), None),
    "openai_key": (re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b"), None),
    "google_api_key": (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), None),
    "private_key": (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), None),
    "jwt": (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), None),
    "ipv4": (re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"), None),
    "ipv6": (re.compile(r"\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b"), None),
    "iban": (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), mod97),
}


def re_scan(rows: list[str]) -> int:
    n = 0
    for row in rows:
        for pattern, check in RE_PATTERNS.values():
            for m in pattern.finditer(row):
                if check is None or check(m.group(0)):
                    n += 1
    return n


def presidio_analyzer():
    """AnalyzerEngine with the predefined pattern recognizers only, on a blank spaCy pipeline."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class BlankSpacy(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankSpacy(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    for r in list(registry.recognizers):
        if not r.__class__.__name__.endswith("Recognizer") or r.name in ("SpacyRecognizer",) or not hasattr(r, "patterns"):
            registry.remove_recognizer(r.name)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def timed(f):
    c, t = cpu(), time.perf_counter()
    out = f()
    wall = time.perf_counter() - t
    return out, wall * 1e3, (cpu() - c) / wall


def mib(rows: list[str]) -> float:
    return sum(len(r.encode()) for r in rows) / (1 << 20)


def rowscan_binary() -> str:
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "dlpjet-benches", "--bin", "rowscan"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    return str(Path(target) / "release" / "rowscan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--re-rows", type=int, default=50_000)
    ap.add_argument("--presidio-rows", type=int, default=2_000)
    a = ap.parse_args()

    rowscan = rowscan_binary()
    rows = messages(a.rows)
    size = mib(rows)
    column = pa.array(rows, pa.large_string())
    scanner = dlpjet.Scanner()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(rows))
        path = f.name
    print(f"{len(rows)} messages, {size:.1f} MiB, {os.cpu_count()} cores, dlpjet {dlpjet.__version__}")

    # Paired rounds: the engine in its own process, then the binding, in turn.
    engine, arrow, listed, redacted, util = [], [], [], [], []
    scanner.scan_many(column)  # warm-up
    for _ in range(a.rounds):
        engine.append(float(subprocess.run([rowscan, path, "1", "par"], capture_output=True, check=True, text=True).stdout))
        table, ms, u = timed(lambda: scanner.scan_many(column))
        arrow.append(ms)
        util.append(u)
        listed.append(timed(lambda: scanner.scan_many(rows))[1])
        redacted.append(timed(lambda: scanner.redact_many(column))[1])
    os.unlink(path)
    med = statistics.median
    print(f"\nfindings: {table.num_rows}")
    print("| what | median ms | MiB/s | throughput vs engine (median per round) |")
    print("|---|---|---|---|")
    print(f"| engine, every core (rowscan par) | {med(engine):.1f} | {size / med(engine) * 1e3:.0f} | 1.00 |")
    for name, t in (("scan_many, pyarrow array", arrow), ("scan_many, list of str", listed),
                    ("redact_many, pyarrow array", redacted)):
        ratio = med([e / x for e, x in zip(engine, t)])
        print(f"| {name} | {med(t):.1f} | {size / med(t) * 1e3:.0f} | {ratio:.2f} |")
    print(f"\nscan_many CPU time / wall time: {med(util):.2f} (cores busy)")

    # Per call.
    clean = ("please review the draft budget plan before the meeting tomorrow and send the "
             "invoice to the customer")[:100]
    one = "please review the draft; card 4111 1111 1111 1111 for the invoice, thanks, see you tomorrow morning"[:100]
    print("\n| per call, 100 bytes | Scanner.scan ns | engine ns | overhead ns |")
    print("|---|---|---|---|")
    for name, text in (("no finding", clean), ("one finding", one)):
        calls = 200_000
        py = med(timeit.repeat(lambda: scanner.scan(text), number=calls, repeat=5)) / calls * 1e9
        rs = float(subprocess.run([rowscan, "percall", text, str(calls)], capture_output=True, check=True, text=True).stdout)
        print(f"| {name} | {py:.0f} | {rs:.0f} | {py - rs:.0f} |")

    # Slower baselines on a sample, against scan_many on the same sample.
    print("\n| baseline | rows | MiB | ms | MiB/s | scan_many ms (same rows) | dlpjet speed-up |")
    print("|---|---|---|---|---|---|---|")
    sample = rows[: a.re_rows]
    ours = med([timed(lambda: scanner.scan_many(sample))[1] for _ in range(5)])
    _, ms, _ = timed(lambda: re_scan(sample))
    print(f"| Python re ({len(RE_PATTERNS)} patterns + Luhn/mod-97) | {len(sample)} | {mib(sample):.1f} | {ms:.0f} "
          f"| {mib(sample) / ms * 1e3:.1f} | {ours:.1f} | {ms / ours:.0f}x |")
    try:
        analyzer = presidio_analyzer()
    except ImportError as e:
        print(f"| Presidio | - | - | - | - | - | not installed ({e.name}); pip install presidio-analyzer |")
        return
    # Its email recognizer's tldextract tries to fetch the public suffix list once, then uses
    # its bundled copy: keep that attempt (and its logged traceback) out of the timing.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    analyzer.analyze(text="warm-up jane@example.org", language="en")
    sample = rows[: a.presidio_rows]
    ours = med([timed(lambda: scanner.scan_many(sample))[1] for _ in range(5)])
    names = sorted({r.name for r in analyzer.registry.recognizers})
    _, ms, _ = timed(lambda: [analyzer.analyze(text=r, language="en") for r in sample])
    print(f"| Presidio analyzer ({len(names)} pattern recognizers, blank spaCy) | {len(sample)} | {mib(sample):.2f} "
          f"| {ms:.0f} | {mib(sample) / ms * 1e3:.2f} | {ours:.2f} | {ms / ours:.0f}x |")


if __name__ == "__main__":
    sys.exit(main())
