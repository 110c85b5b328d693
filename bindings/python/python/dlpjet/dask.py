"""Scanning and redacting a ``dask.dataframe`` column with dlpjet.

Both functions run the Python binding's columnar calls (``Scanner.scan_many``,
``Scanner.redact_many``) on whole partitions through ``map_partitions``. The scanner is
compiled once per worker process and reused for every partition it handles; only the policy
as you gave it — a path, TOML text or a dict — travels with the tasks. A path must be readable
on every worker (on a cluster, a shared file system, or pass the TOML text instead).

>>> import pandas as pd, dask.dataframe as dd
>>> import dlpjet.dask
>>> df = dd.from_pandas(pd.DataFrame({"text": ["card 4111 1111 1111 1111", "hello"]}), npartitions=2)
>>> dlpjet.dask.scan(df, "text")[["detector", "start"]].compute()
      detector  start
0  credit_card      5
>>> dlpjet.dask.redact(df, "text")["text"].compute().tolist()
['card [CREDIT_CARD]', 'hello']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

from . import Direction
from ._workers import FINDING_COLUMNS, ScannerSpec, check_keep

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["redact", "scan"]


def scan(
    df: "dd.DataFrame",
    column: str,
    policy: Any = None,
    *,
    tenant: Optional[str] = None,
    detectors: Optional[Sequence[str]] = None,
    direction: Direction = "inbound",
    include_values: bool = False,
    keep: Sequence[str] = (),
) -> "dd.DataFrame":
    """The findings in ``df[column]`` as a Dask DataFrame, one row per finding.

    Each finding keeps the index label of the row it is in (join on the index to bring
    findings back to their rows), then has the ``keep`` columns of that row, ``detector``,
    ``start``, ``end`` (code points for text, bytes for ``bytes``), ``confidence``,
    ``action``, ``preview`` (masked) and, with ``include_values=True``, ``value``.
    ``policy``, ``tenant`` and ``detectors`` are those of ``dlpjet.Scanner``; a policy that
    does not load raises its ``PolicyError`` here, before any task runs.
    """
    import pandas as pd

    _check_column(df, column)
    check_keep(keep, list(df.columns))
    spec = ScannerSpec(policy, tenant, detectors)
    spec.check()
    keep = list(keep)
    meta_columns: dict[str, Any] = {k: df._meta[k].iloc[:0] for k in keep}
    meta_columns.update(
        detector=pd.Series([], dtype=object),
        start=pd.Series([], dtype="int64"),
        end=pd.Series([], dtype="int64"),
        confidence=pd.Series([], dtype="float32"),
        action=pd.Series([], dtype=object),
        preview=pd.Series([], dtype=object),
    )
    if include_values:
        meta_columns["value"] = pd.Series([], dtype=object)
    meta = pd.DataFrame({k: v.to_numpy() for k, v in meta_columns.items()}, index=df._meta.index[:0])
    meta = meta.astype({k: v.dtype for k, v in meta_columns.items()})

    def part(frame: "pd.DataFrame") -> "pd.DataFrame":
        found = spec.scanner().scan_many(frame[column], direction, include_values=include_values, output="arrow")
        rows = found.column("row").to_numpy()
        out = {k: frame[k].to_numpy()[rows] for k in keep}
        for name in FINDING_COLUMNS + (("value",) if include_values else ()):
            c = found.column(name)
            out[name] = c.to_numpy() if name in ("start", "end", "confidence") else c.to_pylist()
        result = pd.DataFrame(out, index=frame.index[rows])
        return result.astype(meta.dtypes.to_dict())

    return df.map_partitions(part, meta=meta)


def redact(
    df: "dd.DataFrame",
    column: str,
    policy: Any = None,
    *,
    tenant: Optional[str] = None,
    detectors: Optional[Sequence[str]] = None,
    direction: Direction = "inbound",
    into: Optional[str] = None,
) -> "dd.DataFrame":
    """``df`` with ``df[column]`` redacted, in place or (with ``into``) as a new column.

    Every other column passes through unchanged. Texts the policy blocks become null, as do
    null texts. ``policy``, ``tenant`` and ``detectors`` are those of ``dlpjet.Scanner``; a
    policy that does not load raises its ``PolicyError`` here, before any task runs.
    """
    _check_column(df, column)
    spec = ScannerSpec(policy, tenant, detectors)
    spec.check()

    def part(texts: "pd.Series") -> "pd.Series":
        return spec.scanner().redact_many(texts, direction)

    redacted = df[column].map_partitions(part, meta=df._meta[column])
    return df.assign(**{into or column: redacted})


def _check_column(df: "dd.DataFrame", column: str) -> None:
    import pandas as pd

    if column not in df.columns:
        raise ValueError(f"the DataFrame has no column {column!r} (it has {list(df.columns)})")
    dtype = df._meta[column].dtype
    if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
        raise TypeError(f"column {column!r} is {dtype}; dlpjet scans columns of str or bytes")
