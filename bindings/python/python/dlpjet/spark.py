"""Scanning and redacting a PySpark DataFrame column with dlpjet.

Both functions run the Python binding's columnar calls (``Scanner.scan_many``,
``Scanner.redact_many``) on whole Arrow record batches through ``DataFrame.mapInArrow``: no
per-row Python, no conversion to pandas. The scanner is compiled once per executor Python
process and reused for every task and batch it runs (Spark reuses its Python workers by
default); only the policy as you gave it — a path, TOML text or a dict — travels with the
tasks. A path must be readable on every executor (on a cluster, a shared file system, or pass
the TOML text instead).

Executors need ``dlpjet`` and ``pyarrow`` installed in the Python they run
(``spark.pyspark.python``).

>>> from pyspark.sql import SparkSession  # doctest: +SKIP
>>> import dlpjet.spark
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> df = spark.createDataFrame([(1, "card 4111 1111 1111 1111")], "id long, text string")  # doctest: +SKIP
>>> dlpjet.spark.scan(df, "text", keep=["id"]).select("id", "detector", "start").collect()  # doctest: +SKIP
[Row(id=1, detector='credit_card', start=5)]
>>> dlpjet.spark.redact(df, "text").collect()  # doctest: +SKIP
[Row(id=1, text='card [CREDIT_CARD]')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from . import Direction
from ._workers import FINDING_COLUMNS, ScannerSpec, check_keep

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

__all__ = ["redact", "scan"]


def scan(
    df: "DataFrame",
    column: str,
    policy: Any = None,
    *,
    tenant: Optional[str] = None,
    detectors: Optional[Sequence[str]] = None,
    direction: Direction = "inbound",
    include_values: bool = False,
    keep: Sequence[str] = (),
) -> "DataFrame":
    """The findings in ``df[column]`` as a DataFrame, one row per finding.

    Its columns are the ``keep`` columns of the row the finding is in (pass a key, such as an
    id column, to join findings back), then ``detector``, ``start``, ``end`` (code points for a
    string column, bytes for a binary one), ``confidence``, ``action``, ``preview`` (masked)
    and, with ``include_values=True``, ``value``. ``policy``, ``tenant`` and ``detectors`` are
    those of ``dlpjet.Scanner``; a policy that does not load raises its ``PolicyError`` here,
    before any task runs.
    """
    from pyspark.sql.types import BinaryType, FloatType, LongType, StringType, StructField, StructType

    text_type = _text_type(df, column)
    check_keep(keep, list(df.columns))
    spec = ScannerSpec(policy, tenant, detectors)
    spec.check()
    fields = [df.schema[k] for k in keep] + [
        StructField("detector", StringType(), False),
        StructField("start", LongType(), False),
        StructField("end", LongType(), False),
        StructField("confidence", FloatType(), False),
        StructField("action", StringType(), False),
        StructField("preview", StringType(), False),
    ]
    if include_values:
        fields.append(StructField("value", BinaryType() if isinstance(text_type, BinaryType) else StringType(), False))
    keep = list(keep)
    names = keep + [column]

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        import pyarrow as pa

        scanner = spec.scanner()
        for batch in batches:
            texts = batch.column(len(keep))
            found = scanner.scan_many(texts, direction, include_values=include_values, output="arrow")
            text = pa.large_string() if _is_large(texts.type) else pa.string()
            rows = found.column("row")
            columns = [batch.column(i).take(rows) for i in range(len(keep))]
            for name in FINDING_COLUMNS:
                c = found.column(name)
                if name in ("detector", "action", "preview"):
                    c = c.cast(text)
                columns.append(c)
            if include_values:
                binary = pa.types.is_binary(texts.type) or pa.types.is_large_binary(texts.type)
                value_type = (pa.large_binary() if binary else text) if _is_large(texts.type) else (pa.binary() if binary else text)
                columns.append(found.column("value").cast(value_type))
            table = pa.Table.from_arrays(columns, names=keep + list(FINDING_COLUMNS) + (["value"] if include_values else []))
            yield from table.to_batches()

    return df.select(*names).mapInArrow(run, StructType(fields))


def redact(
    df: "DataFrame",
    column: str,
    policy: Any = None,
    *,
    tenant: Optional[str] = None,
    detectors: Optional[Sequence[str]] = None,
    direction: Direction = "inbound",
    into: Optional[str] = None,
) -> "DataFrame":
    """``df`` with ``df[column]`` redacted, in place or (with ``into``) as a new column.

    Every other column passes through unchanged. Texts the policy blocks become null, as do
    null texts. ``policy``, ``tenant`` and ``detectors`` are those of ``dlpjet.Scanner``; a
    policy that does not load raises its ``PolicyError`` here, before any task runs.
    """
    from pyspark.sql.types import StructField, StructType

    text_type = _text_type(df, column)
    spec = ScannerSpec(policy, tenant, detectors)
    spec.check()
    target = into or column
    at = df.columns.index(column)
    fields = list(df.schema.fields)
    redacted = StructField(target, text_type, True)
    if target in df.columns:
        out_at = df.columns.index(target)
        fields[out_at] = redacted
    else:
        out_at = len(fields)
        fields.append(redacted)

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        import pyarrow as pa

        scanner = spec.scanner()
        for batch in batches:
            out = scanner.redact_many(batch.column(at), direction)
            columns = list(batch.columns)
            names = list(batch.schema.names)
            if out_at < len(columns):
                columns[out_at] = out
            else:
                columns.append(out)
                names.append(target)
            yield pa.RecordBatch.from_arrays(columns, names=names)

    return df.mapInArrow(run, StructType(fields))


def _text_type(df: "DataFrame", column: str) -> Any:
    from pyspark.sql.types import BinaryType, StringType

    if column not in df.columns:
        raise ValueError(f"the DataFrame has no column {column!r} (it has {df.columns})")
    t = df.schema[column].dataType
    if not isinstance(t, (StringType, BinaryType)):
        raise TypeError(f"column {column!r} is {t.simpleString()}; dlpjet scans string and binary columns")
    return t


def _is_large(t: "pa.DataType") -> bool:
    import pyarrow as pa

    return bool(pa.types.is_large_string(t) or pa.types.is_large_binary(t))
