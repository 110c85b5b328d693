"""A generated dataset for the cluster helpers' tests: rows with an id and a text, some with
something sensitive, some in other scripts, some null."""

from __future__ import annotations

import random

WORDS = "the a to and of we you it is for on that ticket order deploy refund login reset".split()
PLANTED = [
    lambda r: "card %s" % r.choice(["4111 1111 1111 1111", "5500-0000-0000-0004"]),
    lambda r: "mail %s.%s@example.org" % (r.choice(WORDS), r.choice(WORDS)),
    lambda r: "SSN 123-45-%04d" % r.randint(1000, 9999),
    lambda r: "from 10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)),
    lambda r: "key AKIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
    lambda r: "IBAN GB82 WEST 1234 5698 7654 32",
    lambda r: "héllo 日本語 🙂 tom@example.net",
]


def rows(n: int, seed: int = 11) -> list[tuple[int, str | None]]:
    r = random.Random(seed)
    out: list[tuple[int, str | None]] = []
    for i in range(n):
        if r.random() < 0.02:
            out.append((i, None))
            continue
        words = [r.choice(WORDS) for _ in range(r.randint(3, 30))]
        for _ in range(r.choice((0, 0, 0, 1, 2))):
            words.insert(r.randint(0, len(words)), r.choice(PLANTED)(r))
        out.append((i, " ".join(words)))
    return out


def expected_findings(scanner, data: list[tuple[int, str | None]]) -> list[tuple]:
    """What one process's ``scan_many`` finds in the same rows, keyed by id."""
    table = scanner.scan_many([t for _, t in data], include_values=True, output="arrow").to_pylist()
    return sorted(
        (data[f["row"]][0], f["detector"], f["start"], f["end"], f["action"], f["preview"], f["value"]) for f in table
    )


def expected_redacted(scanner, data: list[tuple[int, str | None]]) -> dict[int, str | None]:
    return dict(zip((i for i, _ in data), scanner.redact_many([t for _, t in data])))
