"""dlpjet.spark on a real local Spark (local[2]): findings and redactions equal one process's."""

import os
import sys

import pyarrow as pa
import pytest

import dlpjet
import dlpjet.spark
from conftest import POLICY
from datasets import expected_findings, expected_redacted, rows

# Executors must run this Python (it has dlpjet and pyarrow); Spark reads the variable when
# the session starts.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
import pyspark.sql as pyspark_sql  # noqa: E402

# PySpark 4.3 warns on every Arrow call that it does not yet fully support pandas 3; the
# helpers use no pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")

DATA = rows(20_000)


@pytest.fixture(scope="module")
def spark():
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("dlpjet-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def df(spark):
    return spark.createDataFrame(DATA, "id long, text string").repartition(8)


def collected(frame, *columns):
    return sorted(tuple(r[c] for c in columns) for r in frame.collect())


def test_scan_matches_one_process(df):
    found = dlpjet.spark.scan(df, "text", POLICY, include_values=True, keep=["id"])
    assert found.columns == ["id", "detector", "start", "end", "confidence", "action", "preview", "value"]
    got = collected(found, "id", "detector", "start", "end", "action", "preview", "value")
    want = expected_findings(dlpjet.Scanner(POLICY), DATA)
    assert len(want) > 5_000
    assert got == want


def test_redact_matches_one_process(df):
    out = dlpjet.spark.redact(df, "text", POLICY, into="clean")
    assert out.columns == ["id", "text", "clean"]
    got = {r["id"]: r["clean"] for r in out.collect()}
    want = expected_redacted(dlpjet.Scanner(POLICY), DATA)
    assert got == want
    assert any(v is None for i, v in want.items() if DATA[i][1] is not None), "the policy blocks some rows"
    in_place = dlpjet.spark.redact(df, "text", POLICY)
    assert in_place.columns == ["id", "text"]
    assert {r["id"]: r["text"] for r in in_place.collect()} == want


def test_policy_file_tenant_and_detectors(df, tmp_path, monkeypatch):
    (tmp_path / "policy.toml").write_text(POLICY)
    monkeypatch.chdir(tmp_path)  # a relative path: the executors resolve it as the driver did
    found = dlpjet.spark.scan(df, "text", "policy.toml", tenant="roomy", detectors=["email"], keep=["id"])
    got = collected(found, "id", "detector", "start", "end")
    scanner = dlpjet.Scanner(POLICY, tenant="roomy", detectors=["email"])
    want = [f[:4] for f in expected_findings(scanner, DATA)]
    assert got == want and {f[1] for f in got} == {"email"}


def test_binary_column_gives_byte_offsets(spark):
    data = [(1, "héllo jane@example.org".encode()), (2, None)]
    df = spark.createDataFrame(data, "id long, raw binary")
    found = dlpjet.spark.scan(df, "raw", include_values=True, keep=["id"]).collect()
    assert [(r.id, r.start, r.end, r.value) for r in found] == [(1, 7, 23, b"jane@example.org")]
    assert [r.raw for r in dlpjet.spark.redact(df, "raw").orderBy("id").collect()] == [b"h\xc3\xa9llo [EMAIL]", None]


def test_scanner_is_built_once_per_executor_process(spark, df):
    dlpjet.spark.scan(df, "text", POLICY, tenant="small").count()  # 8 tasks
    spec = dlpjet._workers.ScannerSpec(POLICY, "small")

    def report(batches):
        import os

        for _ in batches:
            yield pa.RecordBatch.from_pydict({"pid": [os.getpid()], "builds": [spec.builds()]})

    seen = dict(
        (r.pid, r.builds)
        for r in spark.range(0, 64, numPartitions=16).mapInArrow(report, "pid long, builds long").collect()
    )
    assert all(b <= 1 for b in seen.values()), seen
    print("builds per executor process:", seen)
    assert 1 <= sum(seen.values()) < 8, seen


def test_bad_input_is_named_before_any_task(df, spark):
    with pytest.raises(ValueError, match="no column 'txt'"):
        dlpjet.spark.scan(df, "txt")
    with pytest.raises(TypeError, match="column 'id' is bigint"):
        dlpjet.spark.redact(df, "id")
    with pytest.raises(ValueError, match=r"\['nope'\]"):
        dlpjet.spark.scan(df, "text", keep=["nope"])
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.spark.scan(df, "text", "version = 1\n[default]\ndefault_action = 'explode'\n")
    assert e.value.line == 3
