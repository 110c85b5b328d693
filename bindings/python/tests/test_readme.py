"""The README's Spark and Dask examples run as printed, from the repository's root."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def example(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split(f"### {heading}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, f"one python example under {heading!r}"
    return blocks[0]


def expected() -> tuple[dict[str, int], list]:
    import pandas as pd

    import dlpjet

    tickets = pd.read_csv(ROOT / "bindings/python/examples/support_tickets.csv")
    scanner = dlpjet.Scanner()
    counts = scanner.scan_many(tickets["note"])["detector"].astype(str).value_counts().to_dict()
    clean = sorted(zip(tickets["ticket"], scanner.redact_many(tickets["note"])))
    return counts, clean


@pytest.mark.parametrize(
    "heading, counted, written",
    [
        ("Scanning a dataset on Spark", r"\|\s*(\w+)\|\s*(\d+)\|", "/tmp/support_tickets_clean.parquet"),
        ("Scanning a dataset on Dask", r"^(\w+)\s+(\d+)$", "/tmp/support_tickets_clean_dask.parquet"),
    ],
)
def test_readme_example_runs(heading, counted, written, tmp_path):
    import pandas as pd

    shutil.rmtree(written, ignore_errors=True)  # what the example writes, not a leftover
    script = tmp_path / "example.py"
    script.write_text(example(heading))
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    run = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    counts, clean = expected()
    shown = {d: int(n) for d, n in re.findall(counted, run.stdout, re.M) if d not in ("detector", "count")}
    assert shown == counts, run.stdout
    out = pd.read_parquet(written)
    assert sorted(zip(out["ticket"].astype(int), out["note"])) == clean
