import threading
import time

import pytest

import dlpjet
from conftest import POLICY, TEXTS


def test_module_level_scan_and_redact():
    assert dlpjet.redact("card 4111 1111 1111 1111, mail jane@example.org") == "card [CREDIT_CARD], mail [EMAIL]"
    assert [f.detector for f in dlpjet.scan("mail jane@example.org")] == ["email"]
    assert dlpjet.redact(b"mail jane@example.org") == b"mail [EMAIL]"


@pytest.mark.parametrize("text", TEXTS)
def test_str_offsets_are_string_indices(scanner, text):
    found = scanner.scan(text)
    for f in found:
        assert text[f.start : f.end] == f.value
        assert isinstance(f.value, str)
    raw = text.encode()
    by_bytes = scanner.scan(raw)
    assert [(f.detector, f.value.decode()) for f in by_bytes] == [(f.detector, f.value) for f in found]
    for f in by_bytes:
        assert raw[f.start : f.end] == f.value


def test_non_ascii_offsets_differ_from_bytes(scanner):
    text = "🙂🙂 jane@example.org"
    (f,) = scanner.scan(text)
    (b,) = scanner.scan(text.encode())
    assert (f.start, f.end) == (3, 19)
    assert (b.start, b.end) == (9, 25)


def test_bytes_like_inputs(scanner):
    data = b"mail jane@example.org"
    for obj in (bytearray(data), memoryview(data)):
        (f,) = scanner.scan(obj)
        assert (f.start, f.end, f.value) == (5, 21, b"jane@example.org")
    assert scanner.redact(bytearray(data)) == b"mail [EMAIL]"


def test_finding_fields_and_repr_hide_the_value(scanner):
    (f,) = scanner.scan("card 4111 1111 1111 1111")
    assert f.detector == "credit_card"
    assert 0 < f.confidence <= 1
    assert f.action == "redact"
    assert f.preview == "***************1111"
    assert "4111 1111" not in repr(f) and "preview" in repr(f)
    assert f.to_dict() == {
        "detector": "credit_card",
        "start": 5,
        "end": 24,
        "confidence": f.confidence,
        "action": "redact",
        "preview": "***************1111",
    }
    assert f.to_dict(include_value=True)["value"] == "4111 1111 1111 1111"
    assert f == scanner.scan("card 4111 1111 1111 1111")[0]


def test_redact_returns_the_same_object_when_nothing_changes(scanner):
    text = "nothing to see here"
    assert scanner.redact(text) is text


def test_evaluate_decisions(policy_scanner):
    d = policy_scanner.evaluate("mail jane@example.org")
    assert (d.action, d.output, d.blocked, d.reason, d.block_code, d.truncated) == (
        "redact", "mail [EMAIL]", False, None, None, False)
    assert [(f.detector, f.action) for f in d.findings] == [("email", "redact")]
    d = policy_scanner.evaluate("pay 4111 1111 1111 1111 and jane@example.org")
    assert (d.action, d.output, d.blocked, d.block_code) == ("block", None, True, "detector")
    assert d.reason == "credit_card (1 hit)"
    assert "4111" not in repr(d)
    d = policy_scanner.evaluate("SSN 123-45-6789")
    assert (d.action, d.output) == ("warn", "SSN 123-45-6789")
    assert policy_scanner.evaluate("hello").action == "allow"
    d = policy_scanner.evaluate(b"mail jane@example.org")
    assert d.output == b"mail [EMAIL]"


def test_redact_raises_when_blocked(policy_scanner):
    with pytest.raises(dlpjet.BlockedError) as e:
        policy_scanner.redact("pay 4111 1111 1111 1111")
    assert (e.value.code, e.value.detector, e.value.hits, e.value.limit) == ("detector", "credit_card", 1, None)
    assert "4111" not in str(e.value)
    assert isinstance(e.value, dlpjet.DlpError)


def test_size_limits():
    small = dlpjet.Scanner(POLICY, tenant="small")
    with pytest.raises(dlpjet.BlockedError) as e:
        small.scan("x" * 65)
    assert (e.value.code, e.value.limit) == ("input_too_large", 64)
    assert small.evaluate("x" * 65).block_code == "input_too_large"
    roomy = dlpjet.Scanner(POLICY, tenant="roomy")
    d = roomy.evaluate("a@b.io " + "x" * 64 + " c@d.io")
    assert d.truncated and d.output.endswith(" c@d.io") and d.output.startswith("[EMAIL] ")


def test_directions(scanner):
    for d in ("inbound", "outbound", "both"):
        assert scanner.scan("jane@example.org", direction=d)
    with pytest.raises(ValueError, match="direction"):
        scanner.scan("x", direction="sideways")


def test_policy_sources(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    for source in (path, str(path), POLICY):
        s = dlpjet.Scanner(source)
        assert s.evaluate("mail jane@example.org").output == "mail [EMAIL]"
    as_dict = {
        "version": 1,
        "default": {"default_action": "warn", "detectors": {"email": {"action": "redact", "redact": "mask"}}},
    }
    s = dlpjet.Scanner(as_dict)
    assert s.redact("mail jane@example.org") == "mail ****************"
    assert s.evaluate("SSN 123-45-6789").action == "warn"


def test_tenants_and_detector_selection():
    s = dlpjet.Scanner(POLICY, tenant="small")
    assert s.tenant == "small"
    only = dlpjet.Scanner(detectors=["email", "us_ssn"])
    assert sorted(only.detectors) == ["email", "us_ssn"]
    text = "jane@example.org, card 4111 1111 1111 1111, SSN 123-45-6789"
    assert dlpjet.redact(text) == "[EMAIL], card [CREDIT_CARD], SSN [US_SSN]"
    assert only.redact(text) == "[EMAIL], card 4111 1111 1111 1111, SSN [US_SSN]"
    narrowed = dlpjet.Scanner(POLICY, tenant="small", detectors=["credit_card"])
    assert narrowed.detectors == ["credit_card"]
    assert narrowed.evaluate("jane@example.org").action == "allow"
    assert narrowed.evaluate("4111 1111 1111 1111").action == "block"
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.Scanner(detectors=["no_such_thing"])
    assert e.value.kind == "unknown_detector" and "no_such_thing" in str(e.value)
    with pytest.raises(dlpjet.UnknownTenantError) as e:
        dlpjet.Scanner(POLICY, tenant="nobody")
    assert isinstance(e.value, dlpjet.PolicyError) and e.value.kind == "unknown_tenant"


def test_exceptions_keep_their_names_and_value_errors_are_value_errors():
    assert issubclass(dlpjet.PolicyError, dlpjet.DlpError) and issubclass(dlpjet.PolicyError, ValueError)
    assert issubclass(dlpjet.UnknownTenantError, dlpjet.PolicyError)
    assert not issubclass(dlpjet.BlockedError, ValueError) and not issubclass(dlpjet.InternalError, ValueError)
    for cls in (dlpjet.DlpError, dlpjet.PolicyError, dlpjet.UnknownTenantError, dlpjet.BlockedError):
        assert cls.__module__ == "dlpjet" and cls.__qualname__ == cls.__name__
    with pytest.raises(ValueError) as e:
        dlpjet.Scanner({"version": 1, "default": {"default_action": "explode"}})
    assert type(e.value) is dlpjet.PolicyError and e.value.field == "default.default_action"


def test_policy_errors_carry_file_line_and_column(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('version = 1\n[default]\ndefault_action = "explode"\n')
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.Scanner(path)
    err = e.value
    assert (err.file, err.line, err.column, err.field) == (str(path), 3, 18, "default.default_action")
    assert err.kind == "invalid_value" and "explode" in err.reason
    assert str(err).startswith(f"{path}:3:18: ")
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.Scanner(str(tmp_path / "missing.toml"))
    assert e.value.kind == "io" and "missing.toml" in str(e.value)
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.Scanner("version = 1\n[default\n")
    assert e.value.kind == "syntax" and e.value.line == 2 and e.value.file is None
    with pytest.raises(dlpjet.PolicyError) as e:
        dlpjet.Scanner({"version": 1, "default": {"default_action": "explode"}})
    assert (e.value.field, e.value.line) == ("default.default_action", None)
    with pytest.raises(dlpjet.PolicyError):
        dlpjet.Scanner({"version": 1, "default": {"min_confidence": None}})


def test_wrong_types_are_type_errors(scanner):
    for bad in (42, None, ["a"], 1.5):
        with pytest.raises(TypeError, match="scan\\(\\) expects str or bytes"):
            scanner.scan(bad)
    with pytest.raises(TypeError, match="policy must be"):
        dlpjet.Scanner(policy=42)
    with pytest.raises(TypeError):
        dlpjet.Scanner(detectors="email")


def test_a_panic_is_an_exception_not_a_crash():
    with pytest.raises(dlpjet.InternalError, match="deliberate panic"):
        dlpjet._dlpjet._raise_internal_error_for_tests()
    assert issubclass(dlpjet.InternalError, dlpjet.DlpError)
    assert issubclass(dlpjet.DlpError, Exception)


def test_catalog_and_help():
    ids = [d["id"] for d in dlpjet.catalog()]
    assert "credit_card" in ids and "iban" in ids
    assert all("*" in d["example"] or d["example"] == "" for d in dlpjet.catalog())
    for obj in (dlpjet.Scanner, dlpjet.Scanner.scan, dlpjet.Scanner.scan_many, dlpjet.Finding, dlpjet.Decision,
                dlpjet.ScanStream, dlpjet.RedactStream, dlpjet.PolicyError, dlpjet.redact):
        assert obj.__doc__ and len(obj.__doc__) > 40, obj
    assert "code point" in dlpjet.Scanner.scan_many.__doc__ or "code points" in dlpjet.Scanner.scan_many.__doc__
    assert dlpjet.__version__.count(".") == 2


def test_one_scanner_from_many_threads(scanner):
    expected = {t: [(f.detector, f.start, f.end) for f in scanner.scan(t)] for t in TEXTS}
    errors = []

    def work(n):
        try:
            for i in range(300):
                t = TEXTS[(n + i) % len(TEXTS)]
                got = [(f.detector, f.start, f.end) for f in scanner.scan(t)]
                if got != expected[t]:
                    errors.append((t, got))
                scanner.redact(t)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_large_inputs_release_the_gil(scanner):
    # A long scan on one thread; the other thread records when it ran.
    text = ("filler text without secrets " * 40000) + "jane@example.org"
    marks, window = [], {}
    done = threading.Event()

    def ticker():
        while not done.is_set():
            marks.append(time.perf_counter())

    t = threading.Thread(target=ticker)
    t.start()
    for _ in range(5):
        window.setdefault("spans", []).append((time.perf_counter(), scanner.scan(text), time.perf_counter()))
    done.set()
    t.join()
    inside = [m for m in marks for (a, _, b) in window["spans"] if a < m < b]
    assert inside, "the other thread never ran during a scan"

