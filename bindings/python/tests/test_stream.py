import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlpjet
from conftest import POLICY, TEXTS

PIECES = TEXTS + ["4111 1111 ", "1111 1111", " jane", ".doe@", "example.org ", "é", "🙂", "\n", "SSN 123-45-", "6789 "]


def cut(data, points):
    points = sorted({p % (len(data) + 1) for p in points})
    out, at = [], 0
    for p in points + [len(data)]:
        out.append(data[at:p])
        at = p
    return out


def key(findings):
    return [(f.detector, f.start, f.end, f.action, f.value) for f in findings]


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=16), points=st.lists(st.integers(0, 10_000), max_size=8))
def test_a_scan_stream_finds_what_a_whole_scan_finds(parts, points):
    scanner = dlpjet.default_scanner()
    text = "".join(parts)
    for data in (text, text.encode()):
        s = scanner.stream()
        found = []
        for chunk in cut(data, points):
            found += s.feed(chunk)
        found += s.finish()
        assert key(found) == key(scanner.scan(data))


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=16), points=st.lists(st.integers(0, 10_000), max_size=8))
def test_a_redact_stream_writes_what_redact_writes(parts, points):
    scanner = dlpjet.Scanner(POLICY)
    text = "".join(parts)
    decision = scanner.evaluate(text)
    for data in (text, text.encode()):
        # Offsets in the data's own units (code points for str, bytes for bytes).
        decided = scanner.evaluate(data)
        s = scanner.redact_stream()
        out = data[:0]
        try:
            for chunk in cut(data, points):
                out += s.feed(chunk)
            out += s.finish()
        except dlpjet.BlockedError as e:
            assert decision.action == "block" and e.code == "detector"
            blocking = next(f for f in decided.findings if f.action == "block")
            # Nothing of the blocking value is released, unless the same text came earlier
            # without being a finding (as in "4111 1111 1111 1111SSN").
            assert blocking.value not in out or blocking.value in data[: blocking.start]
            continue
        assert decision.action != "block"
        want = decision.output if isinstance(data, str) else decision.output.encode()
        assert out == want
        assert s.decision.action == decision.action


def test_stream_chunks_must_be_of_one_kind():
    s = dlpjet.Scanner().stream()
    s.feed("text")
    with pytest.raises(TypeError, match="str chunks"):
        s.feed(b"bytes")
    s.finish()
    with pytest.raises(ValueError, match="finished"):
        s.feed("more")


def test_held_back_is_only_a_possible_value():
    s = dlpjet.Scanner().redact_stream()
    prefix = "plain words " * 300 + "then "
    out = s.feed(prefix + "jane.doe@exa")
    # Everything but a bounded tail (the value so far and the context before it) is released.
    assert prefix.startswith(out) and len(out) > 3000
    assert len(out) + s.held_back == len(prefix) + len("jane.doe@exa") and s.held_back < 200
    assert out + s.feed("mple.org") + s.finish() == prefix + "[EMAIL]"


def test_a_redact_stream_keeps_multibyte_characters_whole():
    s = dlpjet.Scanner().redact_stream()
    data = "é🙂 ".encode() * 3
    out = b""
    for b in data:
        out += s.feed(bytes([b]))
    assert out + s.finish() == data
    t = dlpjet.Scanner().redact_stream()
    text = "日本語 🙂 jane@example.org ünïcödé"
    pieces = [t.feed(ch) for ch in text] + [t.finish()]
    assert all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == "日本語 🙂 [EMAIL] ünïcödé"


def test_redacting_reader_text_and_binary():
    scanner = dlpjet.Scanner()
    body = "line one jane@example.org\n" + "filler\n" * 20000 + "card 4111 1111 1111 1111\n"
    r = scanner.redacting_reader(io.StringIO(body))
    lines = list(r)
    assert lines[0] == "line one [EMAIL]\n" and lines[-1] == "card [CREDIT_CARD]\n" and len(lines) == 20002
    b = scanner.redacting_reader(io.BytesIO(body.encode()))
    first = b.read(10)
    assert first == b"line one [" and isinstance(first, bytes)
    assert (first + b.read()).decode() == scanner.redact(body)
    assert b.read() == b""


def test_redacting_writer_text_and_binary(tmp_path):
    scanner = dlpjet.Scanner()
    out = io.StringIO()
    with scanner.redacting_writer(out) as w:
        w.write("card 4111 1111 ")
        w.write("1111 1111 and ")
        assert w.held_back > 0
        w.writelines(["jane@", "example.org"])
    assert out.getvalue() == "card [CREDIT_CARD] and [EMAIL]"
    path = tmp_path / "out.bin"
    with open(path, "wb") as f, scanner.redacting_writer(f) as w:
        with pytest.raises(TypeError, match="takes bytes"):
            w.write("text")
        w.write(b"jane@example.org")
    assert path.read_bytes() == b"[EMAIL]"
    with pytest.raises(ValueError, match="closed"):
        w.write(b"more")


def test_a_blocked_writer_writes_nothing_of_the_value():
    out = io.StringIO()
    w = dlpjet.Scanner(POLICY).redacting_writer(out)
    w.write("ok then 4111 1111 ")
    with pytest.raises(dlpjet.BlockedError):
        w.write("1111 1111 and more")
        w.close()
    assert "4111" not in out.getvalue()
