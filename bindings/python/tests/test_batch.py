import random
import threading
import time

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dlpjet
from conftest import POLICY, TEXTS

ROWS = TEXTS + [None, "card 4111 1111 1111 1111 again", "jane@example.org"] * 3


def expected(scanner, rows):
    """The findings of scanning each row on its own, as (row, detector, start, end, action, preview)."""
    out = []
    for i, r in enumerate(rows):
        if r is None:
            continue
        for f in scanner.scan(r):
            out.append((i, f.detector, f.start, f.end, f.action, f.preview))
    return out


def as_tuples(table):
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    elif isinstance(table, pl.DataFrame):
        table = table.to_arrow()
    d = table.to_pydict()
    return list(zip(d["row"], d["detector"], d["start"], d["end"], d["action"], d["preview"]))


def columns(rows):
    """The same rows as every column type scan_many accepts, with the kind of table expected."""
    arr = pa.array(rows, pa.string())
    return [
        ("list", rows, pa.Table),
        ("tuple", tuple(rows), pa.Table),
        ("iterator", iter(rows), pa.Table),
        ("string", arr, pa.Table),
        ("large_string", pa.array(rows, pa.large_string()), pa.Table),
        ("string_view", pa.array(rows, pa.string_view()), pa.Table),
        ("dictionary", arr.dictionary_encode(), pa.Table),
        ("chunked", pa.chunked_array([rows[:3], rows[3:7], [], rows[7:]], pa.string()), pa.Table),
        ("pandas object", pd.Series(rows, dtype=object), pd.DataFrame),
        ("pandas string", pd.Series(rows, dtype="string"), pd.DataFrame),
        ("pandas arrow", pd.Series(rows, dtype=pd.ArrowDtype(pa.large_string())), pd.DataFrame),
        ("polars", pl.Series("text", rows), pl.DataFrame),
    ]


@pytest.mark.parametrize("kind", [c[0] for c in columns(ROWS)])
def test_scan_many_equals_scanning_each_row(policy_scanner, kind):
    name, column, table_type = next(c for c in columns(ROWS) if c[0] == kind)
    table = policy_scanner.scan_many(column)
    assert isinstance(table, table_type)
    assert as_tuples(table) == expected(policy_scanner, ROWS)


def test_scan_many_on_sliced_arrays_with_offsets(scanner):
    arr = pa.array(ROWS, pa.string())
    part = arr.slice(4, 9)
    assert part.offset == 4
    got = as_tuples(scanner.scan_many(part))
    assert got == expected(scanner, ROWS[4:13])


def test_scan_many_on_binary_gives_byte_offsets(scanner):
    rows = [r.encode() if r is not None else None for r in ROWS]
    for column in (rows, pa.array(rows, pa.binary()), pa.array(rows, pa.large_binary())):
        table = scanner.scan_many(column, include_values=True)
        d = table.to_pydict()
        for row, start, end, value in zip(d["row"], d["start"], d["end"], d["value"]):
            assert rows[row][start:end] == value
        assert len(d["row"]) == len(expected(scanner, ROWS))


def test_scan_many_values_and_columns(scanner):
    table = scanner.scan_many(ROWS, include_values=True)
    assert table.column_names == ["row", "detector", "start", "end", "confidence", "action", "preview", "value"]
    d = table.to_pydict()
    for row, start, end, value in zip(d["row"], d["start"], d["end"], d["value"]):
        assert ROWS[row][start:end] == value
    assert "value" not in scanner.scan_many(ROWS).column_names
    assert pa.types.is_dictionary(table.schema.field("detector").type)


def test_scan_many_output_override(scanner):
    assert isinstance(scanner.scan_many(ROWS, output="pandas"), pd.DataFrame)
    assert isinstance(scanner.scan_many(pd.Series(ROWS), output="arrow"), pa.Table)
    assert isinstance(scanner.scan_many(ROWS, output="polars"), pl.DataFrame)
    with pytest.raises(ValueError, match="output"):
        scanner.scan_many(ROWS, output="csv")


def test_empty_and_all_null_columns(scanner):
    assert scanner.scan_many([]).num_rows == 0
    assert scanner.scan_many(pa.array([], pa.string())).num_rows == 0
    assert scanner.scan_many(pa.array([None, None])).num_rows == 0
    assert scanner.redact_many([]) == []
    assert scanner.redact_many(pa.array([None, None], pa.string())).to_pylist() == [None, None]


def redacted_each(scanner, rows):
    out = []
    for r in rows:
        try:
            out.append(None if r is None else scanner.redact(r))
        except dlpjet.BlockedError:
            out.append(None)
    return out


@pytest.mark.parametrize("kind", [c[0] for c in columns(ROWS)])
def test_redact_many_returns_the_same_kind(policy_scanner, kind):
    name, column, _ = next(c for c in columns(ROWS) if c[0] == kind)
    want = redacted_each(policy_scanner, ROWS)
    assert None in want[:-1] and want.count(None) > ROWS.count(None)  # some rows are blocked
    out = policy_scanner.redact_many(column)
    if isinstance(column, list) or name == "iterator":
        assert isinstance(out, list) and out == want
    elif isinstance(column, tuple):
        assert out == tuple(want)
    elif isinstance(column, pd.Series):
        assert out.dtype == column.dtype and list(out.index) == list(column.index)
        assert [None if pd.isna(v) else v for v in out] == want
    elif isinstance(column, pl.Series):
        assert out.dtype == column.dtype and out.name == "text" and out.to_list() == want
    else:
        assert type(out) is type(column) and out.type == column.type
        assert out.to_pylist() == want
        if isinstance(column, pa.ChunkedArray):
            assert [len(c) for c in out.chunks] == [len(c) for c in column.chunks]


def test_redact_many_keeps_unchanged_rows_as_they_are(scanner):
    rows = ["nothing here", "jane@example.org"]
    out = scanner.redact_many(rows)
    assert out[0] is rows[0] and out[1] == "[EMAIL]"
    assert scanner.redact_many([b"a@b.io", None]) == [b"[EMAIL]", None]


def test_redact_many_on_binary_arrow(scanner):
    arr = pa.array([b"mail a@b.io", None, b"\xff\xfe raw"], pa.large_binary())
    out = scanner.redact_many(arr)
    assert out.type == pa.large_binary() and out.to_pylist() == [b"mail [EMAIL]", None, b"\xff\xfe raw"]


def test_pandas_index_and_name_survive(scanner):
    s = pd.Series(["a@b.io", "x"], index=[10, 20], name="msg")
    out = scanner.redact_many(s)
    assert list(out.index) == [10, 20] and out.name == "msg" and list(out) == ["[EMAIL]", "x"]
    df = scanner.scan_many(s)
    assert list(df["row"]) == [0] and s.index[df["row"][0]] == 10


def test_bad_columns(scanner):
    with pytest.raises(TypeError, match="row 1: expected str, bytes or None, got int"):
        scanner.scan_many(["ok", 5])
    with pytest.raises(TypeError, match="single text"):
        scanner.scan_many("just one string")
    with pytest.raises(TypeError, match="Arrow type int64"):
        scanner.scan_many(pa.array([1, 2]))
    with pytest.raises(TypeError):
        scanner.redact_many([1.5])
    with pytest.raises(ValueError, match="direction"):
        scanner.scan_many(["x"], direction="up")


def test_scan_many_releases_the_gil(scanner):
    rng = random.Random(7)
    rows = [("message %d " % i) + rng.choice(TEXTS[:5]) * 4 for i in range(60000)]
    column = pa.array(rows)
    marks, spans = [], []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            marks.append(time.perf_counter())

    t = threading.Thread(target=ticker)
    t.start()
    for _ in range(3):
        a = time.perf_counter()
        scanner.scan_many(column)
        spans.append((a, time.perf_counter()))
    done.set()
    t.join()
    assert any(a < m < b for m in marks for (a, b) in spans), "the other thread never ran during scan_many"


def test_scan_many_from_many_threads(scanner):
    column = pa.array(ROWS * 50)
    want = as_tuples(scanner.scan_many(column))
    results = []

    def work():
        results.append(as_tuples(scanner.scan_many(column)))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [want] * 6
