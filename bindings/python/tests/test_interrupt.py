"""Ctrl-C lands during a large `scan_many`: the batch is cut into waves and signals are checked
between them, so KeyboardInterrupt comes long before the whole batch could have finished."""
import signal
import subprocess
import sys
import time

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


def run(interrupt_after=None):
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, str(ROWS)], stdout=subprocess.PIPE, text=True)
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
