"""One scanner per worker process, for the cluster helpers (``dlpjet.spark``, ``dlpjet.dask``).

A compiled scanner is native and not picklable, and compiling one per task (or per row) would
cost more than scanning a batch. So the helpers ship a ``ScannerSpec`` — the policy as the
caller gave it (a path, TOML text or a dict), the tenant and the detector list, all plain
Python data — and each worker process compiles it the first time it sees it, then reuses it
for every later task and batch.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Optional, Sequence

from . import Scanner

_lock = threading.Lock()
_scanners: dict[str, Scanner] = {}
_builds: dict[str, int] = {}


class ScannerSpec:
    """What a worker needs to build the caller's scanner: picklable, compared by content."""

    __slots__ = ("policy", "tenant", "detectors", "key")

    def __init__(self, policy: Any = None, tenant: Optional[str] = None, detectors: Optional[Sequence[str]] = None):
        if isinstance(policy, os.PathLike):
            policy = os.fspath(policy)
        if policy is not None and not isinstance(policy, (str, dict)):
            raise TypeError(f"policy must be a path, TOML text, a dict or None, not {type(policy).__name__}")
        if isinstance(policy, str) and not any(c in policy for c in "\n=["):
            # A path (the rule ``Scanner`` applies): made absolute here, because a worker
            # process may run in another directory than the driver.
            policy = os.path.abspath(policy)
        if detectors is not None:
            detectors = [str(d) for d in detectors]
        self.policy = policy
        self.tenant = tenant
        self.detectors = detectors
        self.key = json.dumps([policy, tenant, detectors], sort_keys=True, default=str)

    def check(self) -> None:
        """Builds the scanner here once, so that a bad policy fails on the driver (with the
        ``PolicyError``'s file, line and field) before any task is started."""
        self.scanner()

    def scanner(self) -> Scanner:
        """This process's scanner for the spec, compiled on first use."""
        found = _scanners.get(self.key)
        if found is not None:
            return found
        with _lock:
            found = _scanners.get(self.key)
            if found is None:
                found = Scanner(self.policy, tenant=self.tenant, detectors=self.detectors)
                _scanners[self.key] = found
                _builds[self.key] = _builds.get(self.key, 0) + 1
            return found

    def builds(self) -> int:
        """How many times this process has compiled the spec's scanner (0 or 1)."""
        return _builds.get(self.key, 0)

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.policy, self.tenant, self.detectors)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        ScannerSpec.__init__(self, *state)

    def __repr__(self) -> str:
        return f"ScannerSpec(policy={self.policy!r:.60}, tenant={self.tenant!r}, detectors={self.detectors!r})"


FINDING_COLUMNS = ("detector", "start", "end", "confidence", "action", "preview")


def check_keep(keep: Sequence[str], columns: list[str]) -> None:
    """The ``keep`` columns of a findings table: they must exist, and not be named like a
    finding's own columns."""
    missing = [k for k in keep if k not in columns]
    if missing:
        raise ValueError(f"keep names columns the DataFrame does not have: {missing}")
    clash = [k for k in keep if k in FINDING_COLUMNS or k == "value"]
    if clash:
        raise ValueError(f"keep columns {clash} have the names of finding columns; rename them first")
