"""File-like wrappers that redact what passes through them."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Iterator, Literal, Union

if TYPE_CHECKING:
    from . import Scanner

_CHUNK = 64 * 1024

Direction = Literal["inbound", "outbound", "both"]


def _is_text(f: Any) -> bool:
    return isinstance(f, io.TextIOBase) or hasattr(f, "encoding")


class RedactingReader:
    """Reads ``source`` through the policy: ``read`` returns redacted text (``str`` when the
    source reads ``str``, ``bytes`` otherwise). Values split across reads are still found;
    ``BlockedError`` is raised when the policy blocks the stream.

    >>> import io, dlpjet
    >>> r = dlpjet.Scanner().redacting_reader(io.StringIO("mail jane@example.org\\n"))
    >>> r.read()
    'mail [EMAIL]\\n'
    """

    def __init__(self, scanner: "Scanner", source: Any, direction: Direction = "inbound") -> None:
        self._source = source
        self._stream = scanner.redact_stream(direction)
        self._text = _is_text(source)
        self._buf: Union[str, bytes] = "" if self._text else b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self, want: int) -> None:
        while not self._eof and (want < 0 or len(self._buf) < want):
            chunk = self._source.read(_CHUNK)
            if not chunk:
                self._eof = True
                self._buf += self._stream.finish()
            else:
                self._buf += self._stream.feed(chunk)

    def read(self, size: int = -1) -> Union[str, bytes]:
        """Up to ``size`` characters (or bytes), everything when ``size`` is negative."""
        size = -1 if size is None else size
        self._fill(size)
        if size < 0:
            out, self._buf = self._buf, self._buf[:0]
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def readline(self) -> Union[str, bytes]:
        """The next line, with its newline; empty at the end."""
        nl: Any = "\n" if self._text else b"\n"
        while True:
            i = self._buf.find(nl)
            if i >= 0 or self._eof:
                end = i + 1 if i >= 0 else len(self._buf)
                out, self._buf = self._buf[:end], self._buf[end:]
                return out
            self._fill(len(self._buf) + 1)

    def __iter__(self) -> Iterator[Union[str, bytes]]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        """Stops reading; does not close ``source``."""
        self._eof = True

    def __enter__(self) -> "RedactingReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RedactingWriter:
    """Writes to ``target`` through the policy: what is written is redacted before it reaches
    ``target``; only the bytes that could still be part of a value wait. ``close()`` (or the
    end of a ``with`` block) writes the rest and flushes ``target`` without closing it.
    ``BlockedError`` is raised when the policy blocks the stream, and nothing of the blocking
    value has been written.

    >>> import io, dlpjet
    >>> out = io.StringIO()
    >>> with dlpjet.Scanner().redacting_writer(out) as w:
    ...     _ = w.write("card 4111 1111 ")
    ...     _ = w.write("1111 1111 ok")
    >>> out.getvalue()
    'card [CREDIT_CARD] ok'
    """

    def __init__(self, scanner: "Scanner", target: Any, direction: Direction = "inbound") -> None:
        self._target = target
        self._stream = scanner.redact_stream(direction)
        self._text = _is_text(target)
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: Union[str, bytes]) -> int:
        """Redacts and writes ``data`` (``str`` for a text target, bytes otherwise); returns
        its length, like a file."""
        if self.closed:
            raise ValueError("write to a closed RedactingWriter")
        if isinstance(data, str) != self._text:
            want = "str" if self._text else "bytes"
            raise TypeError(f"this writer's target takes {want}, got {type(data).__name__}")
        out = self._stream.feed(data)
        if out:
            self._target.write(out)
        return len(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flushes ``target``; the held-back tail is only written by ``close``."""
        if hasattr(self._target, "flush"):
            self._target.flush()

    def close(self) -> None:
        """Writes the rest and flushes ``target`` (which stays open)."""
        if self.closed:
            return
        self.closed = True
        self._target.write(self._stream.finish())
        self.flush()

    @property
    def held_back(self) -> int:
        """Bytes written but not yet passed on."""
        return int(self._stream.held_back)

    def __enter__(self) -> "RedactingWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
