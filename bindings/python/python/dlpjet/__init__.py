"""dlpjet: find, validate and redact sensitive data at native speed.

Payment cards (Luhn-checked), US SSNs, emails, phone numbers, IBANs (mod-97), IP addresses,
cloud keys, API tokens, private keys, JWTs, and your own patterns and dictionaries from a
policy. The engine is Rust; this package is its Python face.

>>> import dlpjet
>>> dlpjet.redact("card 4111 1111 1111 1111, mail jane@example.org")
'card [CREDIT_CARD], mail [EMAIL]'
>>> [(f.detector, f.start, f.end) for f in dlpjet.scan("mail jane@example.org")]
[('email', 5, 21)]

Whole columns (a list, a pandas or Polars Series, a pyarrow array) go through
``Scanner.scan_many`` and ``Scanner.redact_many``, which release the GIL and use every core.
"""

from __future__ import annotations

import threading
from typing import Any, Literal, Optional, Union, overload

from . import _columns
from ._dlpjet import (
    AuditError,
    AuditLog,
    BlockedError,
    Decision,
    DlpError,
    Finding,
    InternalError,
    PolicyError,
    RedactStream,
    ScanStream,
    UnknownTenantError,
    __version__,
    audit_keygen,
    audit_query,
    audit_verify,
)
from ._dlpjet import Scanner as _NativeScanner
from ._dlpjet import catalog as _catalog
from ._io import RedactingReader, RedactingWriter

Direction = Literal["inbound", "outbound", "both"]
Text = Union[str, bytes]

__all__ = [
    "AuditError",
    "AuditLog",
    "BlockedError",
    "Decision",
    "DlpError",
    "Finding",
    "InternalError",
    "PolicyError",
    "RedactStream",
    "RedactingReader",
    "RedactingWriter",
    "ScanStream",
    "Scanner",
    "UnknownTenantError",
    "__version__",
    "audit_keygen",
    "audit_query",
    "audit_verify",
    "catalog",
    "redact",
    "scan",
]


class Scanner(_NativeScanner):
    """A compiled policy for one tenant: create it once, use it from any number of threads.

    ``policy`` is a path (``str`` or ``os.PathLike``) to a TOML policy file, the TOML text
    itself, or a dict of the same structure; ``None`` runs every built-in detector and redacts
    every finding. A ``str`` with a newline, ``=`` or ``[`` in it is TOML text, any other
    ``str`` a path (pass a ``pathlib.Path`` for a file name that has those characters). ``tenant`` picks the policy's tenant (its ``default`` when ``None``).
    ``detectors`` narrows the scanner to those detector ids.

    Raises ``PolicyError`` (with ``file``, ``line``, ``column``, ``field``) for a policy that
    does not load, ``UnknownTenantError`` for a tenant it does not define.

    >>> s = Scanner(detectors=["email"])
    >>> s.redact("jane@example.org, 4111 1111 1111 1111")
    '[EMAIL], 4111 1111 1111 1111'
    """

    def scan_many(
        self,
        texts: Any,
        direction: Direction = "inbound",
        *,
        include_values: bool = False,
        output: Optional[Literal["arrow", "pandas", "polars"]] = None,
    ) -> Any:
        """Scans every text of a column and returns the findings as one table.

        ``texts`` is a list or tuple of ``str``/``bytes``/``None``, a pandas Series, a pyarrow
        (Large)String/Binary Array or ChunkedArray, or a Polars Series. The GIL is released for
        the whole batch and the rows are spread over every core; Arrow data is read in place.

        The table has one row per finding: ``row`` (position of the text in the column),
        ``detector``, ``start``, ``end`` (code points for text, bytes for binary),
        ``confidence``, ``action``, ``preview`` (masked) and, with ``include_values=True``,
        ``value``. It is a pandas DataFrame for pandas input, a Polars DataFrame for Polars
        input, a ``pyarrow.Table`` otherwise, unless ``output`` says which.

        Rows over a policy's size limit under ``on_exceed = "block"`` report no findings (and
        are null in ``redact_many``); ``evaluate`` says why.
        """
        if output not in (None, "arrow", "pandas", "polars"):
            raise ValueError(f'output must be "arrow", "pandas" or "polars", not {output!r}')
        column = _columns.Column.of(texts)
        if column.arrow is not None:
            chunks, large, binary = column.arrow
            raw = self._scan_arrow(chunks, large, binary, direction, include_values)
        else:
            raw = self._scan_rows(column.rows, direction, include_values)
        return _columns.findings_table(raw, output or column.kind)

    def redact_many(self, texts: Any, direction: Direction = "inbound") -> Any:
        """Redacts every text of a column and returns a column of the same kind.

        Accepts what ``scan_many`` accepts. Texts the policy blocks come back as ``None``
        (null), as do null inputs; unchanged texts are passed through. The GIL is released and
        every core used.
        """
        column = _columns.Column.of(texts)
        if column.arrow is not None:
            chunks, large, binary = column.arrow
            raw = self._redact_arrow(chunks, large, binary, direction)
            return column.rebuild(raw)
        return column.rebuild_rows(self._redact_rows(column.rows, direction))

    def redacting_reader(self, source: Any, direction: Direction = "inbound") -> RedactingReader:
        """A file-like object that reads ``source`` (any object with ``read``) redacted."""
        return RedactingReader(self, source, direction)

    def redacting_writer(self, target: Any, direction: Direction = "inbound") -> RedactingWriter:
        """A file-like object that writes to ``target`` (any object with ``write``) redacted;
        close it (or use ``with``) to write the held-back tail."""
        return RedactingWriter(self, target, direction)


_default: Optional[Scanner] = None
_default_lock = threading.Lock()


def default_scanner() -> Scanner:
    """The scanner ``scan`` and ``redact`` use: every built-in detector, every finding redacted."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Scanner()
    return _default


def scan(text: Text, direction: Direction = "inbound") -> list[Finding]:
    """The findings of every built-in detector in ``text`` (see ``Scanner.scan``)."""
    return default_scanner().scan(text, direction)


@overload
def redact(text: str, direction: Direction = "inbound") -> str: ...
@overload
def redact(text: bytes, direction: Direction = "inbound") -> bytes: ...
def redact(text: Text, direction: Direction = "inbound") -> Text:
    """``text`` with every built-in detector's findings redacted (see ``Scanner.redact``)."""
    return default_scanner().redact(text, direction)


def catalog() -> list[dict[str, str]]:
    """The built-in detectors: ``id``, ``description``, ``validation``, masked ``example``."""
    return _catalog()

