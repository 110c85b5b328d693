"""dlpjet.dask on a real LocalCluster (2 worker processes): findings and redactions equal one
process's."""

import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import dlpjet
import dlpjet.dask
from conftest import POLICY
from datasets import expected_findings, expected_redacted, rows

DATA = rows(20_000, seed=5)


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def df(client):
    frame = pd.DataFrame({"id": [i for i, _ in DATA], "text": pd.array([t for _, t in DATA], dtype="string")})
    frame.index = frame.index * 3  # an index that is not the row position
    return dd.from_pandas(frame, npartitions=8)


def test_scan_matches_one_process(df):
    found = dlpjet.dask.scan(df, "text", POLICY, include_values=True, keep=["id"]).compute()
    assert list(found.columns) == ["id", "detector", "start", "end", "confidence", "action", "preview", "value"]
    assert (found.index == found["id"] * 3).all(), "each finding keeps its row's index label"
    got = sorted(
        zip(found["id"], found["detector"], found["start"], found["end"], found["action"], found["preview"], found["value"])
    )
    want = expected_findings(dlpjet.Scanner(POLICY), DATA)
    assert len(want) > 5_000
    assert got == want


def test_redact_matches_one_process(df):
    out = dlpjet.dask.redact(df, "text", POLICY, into="clean").compute()
    assert list(out.columns) == ["id", "text", "clean"]
    got = {i: (None if pd.isna(v) else v) for i, v in zip(out["id"], out["clean"])}
    want = expected_redacted(dlpjet.Scanner(POLICY), DATA)
    assert got == want
    assert any(v is None for i, v in want.items() if DATA[i][1] is not None), "the policy blocks some rows"
    in_place = dlpjet.dask.redact(df, "text", POLICY).compute()
    assert list(in_place.columns) == ["id", "text"]
    assert {i: (None if pd.isna(v) else v) for i, v in zip(in_place["id"], in_place["text"])} == want


def test_policy_file_tenant_and_detectors(df, tmp_path, monkeypatch):
    (tmp_path / "policy.toml").write_text(POLICY)
    monkeypatch.chdir(tmp_path)
    found = dlpjet.dask.scan(df, "text", "policy.toml", tenant="roomy", detectors=["email"], keep=["id"]).compute()
    got = sorted(zip(found["id"], found["detector"], found["start"], found["end"]))
    want = [f[:4] for f in expected_findings(dlpjet.Scanner(POLICY, tenant="roomy", detectors=["email"]), DATA)]
    assert got == want and {f[1] for f in got} == {"email"}


def test_scanner_is_built_once_per_worker_process(client, df):
    dlpjet.dask.scan(df, "text", POLICY, tenant="small").compute()  # 8 partitions
    spec = dlpjet._workers.ScannerSpec(POLICY, "small")
    seen = client.run(spec.builds)
    assert len(seen) == 2
    assert all(b <= 1 for b in seen.values()), seen
    assert sum(seen.values()) >= 1, seen


def test_bad_input_is_named_before_any_task(df):
    with pytest.raises(ValueError, match="no column 'txt'"):
        dlpjet.dask.scan(df, "txt")
    with pytest.raises(TypeError, match="column 'id' is int64"):
        dlpjet.dask.redact(df, "id")
    with pytest.raises(ValueError, match="names of finding columns"):
        dlpjet.dask.scan(df.rename(columns={"id": "start"}), "text", keep=["start"])
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.dask.redact(df, "text", "version = 1\n[default]\ndefault_action = 'explode'\n")
    assert e.value.line == 3
