"""Ctrl-C lands during a large `scan_many` (the batch is cut into waves) and during one `scan`,
`redact` or `evaluate` of a huge string (it is scanned in pieces): signals are checked between
them, so KeyboardInterrupt comes long before the whole could have finished."""
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = """
import sys, time, dlpjet
rows = ["mail jane.doe@example.org card 4111 1111 1111 1111 " * 40] * int(sys.argv[1])
scanner = dlpjet.Scanner()
print("ready", flush=True)
t = time.perf_counter()
try:
    scanner.scan_many(rows)
    print("done", time.perf_counter() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - t, flush=True)
"""
ROWS = 120_000  # about 250 MB of rows

ONE = """
import sys, time, dlpjet
text = "mail jane.doe@example.org card 4111 1111 1111 1111 and plain words " * int(sys.argv[1])
scanner = dlpjet.Scanner()
call = getattr(scanner, sys.argv[2])
print("ready", flush=True)
t = time.perf_counter()
try:
    call(text)
    print("done", time.perf_counter() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - t, flush=True)
"""
COPIES = 1_500_000  # about 100 MB in one string


def run(interrupt_after=None, script=SCRIPT, args=(str(ROWS),)):
    p = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    if interrupt_after is not None:
        time.sleep(interrupt_after)
        p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=600)
    word, seconds = out.split()
    return word, float(seconds)


def test_ctrl_c_interrupts_a_large_scan_many():
    word, full = run()
    assert word == "done"
    word, cut = run(interrupt_after=min(0.3, full / 10))
    assert word == "interrupted"
    # Before, the interrupt waited for the whole batch; now it lands within a wave.
    assert cut < full / 2, (cut, full)


@pytest.mark.parametrize("call", ["redact", "scan"])
def test_ctrl_c_interrupts_one_huge_string(call):
    args = (str(COPIES), call)
    word, full = run(script=ONE, args=args)
    assert word == "done"
    word, cut = run(interrupt_after=min(0.3, full / 10), script=ONE, args=args)
    assert word == "interrupted"
    # Before, one call ran to its end whatever came; now the interrupt lands within a piece.
    assert cut < full / 2, (cut, full)
