import threading

import pytest

import dlpjet
from conftest import POLICY

SALT = b"a secret salt of at least 16 bytes"


def test_decisions_are_recorded_without_values(tmp_path):
    scanner = dlpjet.Scanner(POLICY)
    secrets = ["4111 1111 1111 1111", "jane.doe@example.org", "123-45-6789"]
    with dlpjet.AuditLog(tmp_path, salt=SALT) as log:
        for s in secrets:
            d = log.evaluate(scanner, f"please use {s} today", actor="key:7", target="/v1/chat", details={"ticket": "42"})
            assert isinstance(d, dlpjet.Decision)
        seq = log.append("default", "policy_change", actor="user:1", target="policy.toml", policy_version="3")
        assert seq == 3 and len(log) == 4
    report = dlpjet.audit_verify(tmp_path)
    assert report["records"] == 4 and report["first_seq"] == 0
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for s in secrets:
        assert s.encode() not in data
    events = dlpjet.audit_query(tmp_path, detector="credit_card")
    assert [e["seq"] for e in events] == [0]
    ev = events[0]["event"]
    assert ev["action"] == "block" and ev["actor"] == "key:7" and ev["details"] == {"ticket": "42"}
    (r,) = ev["dlp"]
    assert r["detector"] == "credit_card" and r["offsets"] == [[11, 30]] and len(r["fingerprints"][0]) == 32
    assert [e["seq"] for e in dlpjet.audit_query(tmp_path, action="policy_change", since="2020-01-01")] == [3]
    assert dlpjet.audit_query(tmp_path, tenant="nobody") == []


def test_checkpoints_keys_and_tampering(tmp_path):
    key = tmp_path / "audit.key"
    key_id = dlpjet.audit_keygen(key)
    assert len(key_id) == 16 and (tmp_path / "audit.key.pub").exists()
    with pytest.raises(dlpjet.AuditError):
        dlpjet.audit_keygen(key)  # never overwritten
    log_dir = tmp_path / "log"
    log = dlpjet.AuditLog(log_dir, key_file=key, salt=SALT, checkpoint_every=2)
    for i in range(5):
        log.append("acme", "login", actor=f"user:{i}")
    kept = log.checkpoint()
    assert kept["tree_size"] == 5
    log.close()
    report = dlpjet.audit_verify(log_dir, public_key=str(key) + ".pub", checkpoints=[kept])
    assert report["checkpoints"] >= 3
    seg = log_dir / "seg-0000000000.log"
    text = seg.read_text()
    seg.write_text(text.replace('"user:2"', '"user:9"'))
    with pytest.raises(dlpjet.AuditError) as e:
        dlpjet.audit_verify(log_dir, public_key=str(key) + ".pub")
    assert (e.value.seq, e.value.line) == (2, 4) and "hash chain" in e.value.reason
    assert e.value.path.endswith("seg-0000000000.log")


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="durability"):
        dlpjet.AuditLog(tmp_path, durability="sometimes")
    with pytest.raises(ValueError, match="16 are needed"):
        dlpjet.AuditLog(tmp_path, salt=b"short")
    with pytest.raises(dlpjet.AuditError, match="no-such.key"):
        dlpjet.AuditLog(tmp_path, key_file=tmp_path / "no-such.key")
    log = dlpjet.AuditLog(tmp_path)
    with pytest.raises(dlpjet.AuditError, match="another process"):
        dlpjet.AuditLog(tmp_path)
    with pytest.raises(ValueError, match="salt"):
        log.evaluate(dlpjet.Scanner(), "x")
    with pytest.raises(ValueError, match="unknown audit action"):
        log.append("t", "explode")
    with pytest.raises(dlpjet.AuditError, match="checkpoint"):
        log.checkpoint()
    log.close()
    with pytest.raises(dlpjet.AuditError, match="closed"):
        log.append("t", "login")
    with pytest.raises(dlpjet.AuditError, match="not an audit log"):
        dlpjet.audit_verify(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else tmp_path)
    assert issubclass(dlpjet.AuditError, dlpjet.DlpError)


def test_many_threads_record_into_one_log(tmp_path):
    scanner = dlpjet.Scanner()
    log = dlpjet.AuditLog(tmp_path, salt=SALT)

    def work(n):
        for i in range(50):
            log.evaluate(scanner, f"thread {n} message {i} mail a{i}@example.org")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    assert dlpjet.audit_verify(tmp_path)["records"] == 300
