#!/usr/bin/env python3
"""dlpjet on Spark and Dask (2 local workers) against the single-process binding, on the same
generated chat messages (benches/python.py's generator) stored as one Parquet file.

    python benches/dataset.py [--rows N] [--rounds R] [--presidio-rows N]

Run it with the Python that has dlpjet, pyspark, dask and distributed installed (the test
command's virtual environment). Each round times, in turn:

- one process: read the Parquet column with pyarrow, then ``scan_many`` (every core, rayon) or
  ``redact_many``;
- Spark ``local[2]``: read the Parquet file, ``dlpjet.spark.scan``/``redact``, written to
  Spark's ``noop`` sink (everything computed, nothing stored); also the same pipeline with an
  identity ``mapInArrow`` in place of dlpjet, which is what Spark costs by itself;
- Dask ``LocalCluster`` with 2 worker processes of one thread: ``dlpjet.dask.scan``/``redact``
  on ``read_parquet``, reduced to a row count per partition.

Figures are medians over the rounds, with rows/s and MiB/s of message text. Presidio's
analyzer (pattern recognizers only, blank spaCy) runs in a pandas UDF on the same Spark
session over a prefix of the rows, if it is installed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import python as bench_python  # noqa: E402  (benches/python.py)
from python import messages, presidio_analyzer  # noqa: E402

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--presidio-rows", type=int, default=20_000)
    a = ap.parse_args()

    rows = messages(a.rows)
    size = sum(len(r.encode()) for r in rows) / (1 << 20)
    tmp = Path(tempfile.mkdtemp(prefix="dlpjet-dataset-"))
    path = str(tmp / "messages.parquet")
    pq.write_table(pa.table({"id": pa.array(range(len(rows)), pa.int64()), "text": pa.array(rows, pa.large_string())}), path, row_group_size=50_000)
    del rows
    print(f"{a.rows} rows, {size:.1f} MiB of text, Parquet {os.path.getsize(path) / (1 << 20):.1f} MiB; {os.cpu_count()} cores")

    from distributed import Client, LocalCluster
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    import dask.dataframe as dd

    import dlpjet.dask
    import dlpjet.spark

    scanner = dlpjet.Scanner()
    sdf = spark.read.parquet(path)
    ddf = dd.read_parquet(path, split_row_groups=True)

    def identity(batches):
        yield from batches

    cases = {
        "one process: scan_many": lambda: scanner.scan_many(pq.read_table(path, columns=["text"]).column("text")).num_rows,
        "one process: redact_many": lambda: len(scanner.redact_many(pq.read_table(path, columns=["text"]).column("text"))),
        "Spark local[2]: identity mapInArrow (Spark alone)": lambda: sdf.mapInArrow(identity, sdf.schema).write.format("noop").mode("overwrite").save(),
        "Spark local[2]: dlpjet.spark.scan": lambda: dlpjet.spark.scan(sdf, "text", keep=["id"]).write.format("noop").mode("overwrite").save(),
        "Spark local[2]: dlpjet.spark.redact": lambda: dlpjet.spark.redact(sdf, "text").write.format("noop").mode("overwrite").save(),
        "Dask 2 workers: dlpjet.dask.scan": lambda: dlpjet.dask.scan(ddf, "text", keep=["id"]).map_partitions(len).sum().compute(),
        "Dask 2 workers: dlpjet.dask.redact": lambda: dlpjet.dask.redact(ddf, "text").map_partitions(len).sum().compute(),
    }
    for f in cases.values():  # warm-up: JVM, worker processes, scanners, page cache
        f()
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(a.rounds):
        for name, f in cases.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    base = {"scan": statistics.median(times["one process: scan_many"]), "redact": statistics.median(times["one process: redact_many"])}
    print("\n| what | median s | rows/s | MiB/s | vs one process |")
    print("|---|---|---|---|---|")
    for name, ts in times.items():
        m = statistics.median(ts)
        kind = "redact" if "redact" in name else "scan"
        print(f"| {name} | {m:.2f} | {a.rows / m:,.0f} | {size / m:.0f} | {base[kind] / m:.2f} |")

    try:
        analyzer = presidio_analyzer()
    except ImportError as e:
        print(f"\nPresidio: not installed ({e.name}); pip install presidio-analyzer")
        return
    import pandas as pd
    from pyspark import cloudpickle
    from pyspark.sql.functions import pandas_udf

    cloudpickle.register_pickle_by_value(bench_python)  # Spark's workers cannot import it

    @pandas_udf("long")
    def presidio_count(texts: pd.Series) -> pd.Series:
        engine = _presidio()
        return texts.map(lambda t: len(engine.analyze(text=t, language="en")))

    sample = spark.read.parquet(path).limit(a.presidio_rows).repartition(2).cache()
    sample.count()
    sample_mib = sum(len(r.text.encode()) for r in sample.select("text").collect()) / (1 << 20)
    sample.select(presidio_count("text").alias("n")).agg({"n": "sum"}).collect()  # warm-up
    t = time.perf_counter()
    found = sample.select(presidio_count("text").alias("n")).agg({"n": "sum"}).collect()[0][0]
    presidio = time.perf_counter() - t
    t = time.perf_counter()
    ours = dlpjet.spark.scan(sample, "text").count()
    dlp = time.perf_counter() - t
    print(f"\nPresidio on Spark local[2] (pandas UDF, {analyzer.registry.recognizers.__len__()} pattern recognizers, blank spaCy), "
          f"{a.presidio_rows} rows ({sample_mib:.2f} MiB): {presidio:.2f} s, {a.presidio_rows / presidio:,.0f} rows/s, "
          f"{found} findings; dlpjet.spark.scan on the same rows: {dlp:.2f} s ({ours} findings), {presidio / dlp:.0f}x faster")
    client.close()
    cluster.close()
    spark.stop()


_engine = None


def _presidio():
    global _engine
    if _engine is None:
        _engine = presidio_analyzer()
    return _engine


if __name__ == "__main__":
    main()
