"""Columns in and tables out: pandas, Polars and pyarrow adapted to the native batch calls.

Arrow data goes to the engine as its own buffers (no string is copied into a Python object);
lists go as they are; pandas and Polars columns go through their Arrow form.
"""

from __future__ import annotations

from typing import Any, Optional

import pyarrow as pa

#: (buffers of each chunk, 64-bit offsets, binary) for the native ``_scan_arrow``.
ArrowSpec = tuple[list[tuple[Any, Any, Any, int, int]], bool, bool]

_STRING = {pa.string(): (False, False), pa.large_string(): (True, False)}
_BINARY = {pa.binary(): (False, True), pa.large_binary(): (True, True)}


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _normalise(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A string or binary array with offsets: view, dictionary and null types are cast."""
    t = arr.type
    if t in _STRING or t in _BINARY:
        return arr
    if pa.types.is_string_view(t) or pa.types.is_null(t):
        return arr.cast(pa.large_string())
    if pa.types.is_binary_view(t):
        return arr.cast(pa.large_binary())
    if pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
        return arr.cast(pa.large_string())
    raise TypeError(f"expected a column of strings or bytes, got Arrow type {t}")


class Column:
    """One input column: its kind (for the output), and either Arrow buffers or a list."""

    def __init__(self, kind: str, original: Any) -> None:
        self.kind = kind
        self.original = original
        self.arrow: Optional[ArrowSpec] = None
        self.array: Optional[pa.Array | pa.ChunkedArray] = None
        self.rows: Any = None

    @classmethod
    def of(cls, texts: Any) -> "Column":
        mod = _module(texts)
        if isinstance(texts, (pa.Array, pa.ChunkedArray)):
            col = cls("arrow", texts)
            col._use_arrow(texts)
        elif mod == "pandas" and hasattr(texts, "dtype"):
            col = cls("pandas", texts)
            try:
                arr = pa.array(texts, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                arr = None  # mixed str and bytes, say: row by row
            if arr is not None and (arr.type in _STRING or arr.type in _BINARY or pa.types.is_string_view(arr.type)
                                    or pa.types.is_null(arr.type) or pa.types.is_dictionary(arr.type)):
                col._use_arrow(arr)
            else:
                col.rows = texts.tolist()
        elif mod == "polars" and hasattr(texts, "to_arrow"):
            col = cls("polars", texts)
            col._use_arrow(texts.to_arrow())
        elif isinstance(texts, (str, bytes)):
            raise TypeError("expected a column of texts, got a single text (wrap it in a list)")
        elif isinstance(texts, (list, tuple)):
            col = cls("tuple" if isinstance(texts, tuple) else "list", texts)
            col.rows = texts
        else:
            col = cls("list", texts)
            col.rows = list(texts)
        return col

    def _use_arrow(self, arr: pa.Array | pa.ChunkedArray) -> None:
        arr = _normalise(arr)
        self.array = arr
        large, binary = _STRING.get(arr.type) or _BINARY[arr.type]
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        specs = []
        for c in chunks:
            validity, offsets, data = c.buffers()[:3]
            specs.append((validity, offsets, data, c.offset, len(c)))
        self.arrow = (specs, large, binary)

    def rebuild(self, raw: dict[str, Any]) -> Any:
        """The redacted column from the native ``_redact_arrow`` result, as the input's kind."""
        assert self.array is not None and self.arrow is not None
        binary = self.arrow[2]
        validity = pa.py_buffer(raw["validity"]) if raw["validity"] is not None else None
        out = pa.Array.from_buffers(
            pa.large_binary() if binary else pa.large_string(),
            raw["length"],
            [validity, pa.py_buffer(raw["offsets"]), pa.py_buffer(raw["data"])],
            null_count=raw["nulls"],
        )
        if self.kind == "pandas":
            return _to_pandas(out, self.original)
        if self.kind == "polars":
            import polars as pl

            return pl.Series(self.original.name, out).cast(self.original.dtype)
        # Arrow: the input's own type and chunking.
        if isinstance(self.original, pa.ChunkedArray):
            pieces, at = [], 0
            for c in self.original.chunks:
                pieces.append(out.slice(at, len(c)).cast(self.original.type))
                at += len(c)
            return pa.chunked_array(pieces, type=self.original.type)
        return out.cast(self.original.type)

    def rebuild_rows(self, rows: list[Any]) -> Any:
        """The redacted column from the native ``_redact_rows`` result, as the input's kind."""
        if self.kind == "tuple":
            return tuple(rows)
        if self.kind == "pandas":
            import pandas as pd

            return pd.Series(rows, index=self.original.index, name=self.original.name, dtype=self.original.dtype)
        return rows


def _to_pandas(arr: pa.Array, like: Any) -> Any:
    import pandas as pd

    dtype = like.dtype
    if isinstance(dtype, pd.ArrowDtype):
        values: Any = pd.arrays.ArrowExtensionArray(arr.cast(dtype.pyarrow_dtype))
    elif isinstance(dtype, pd.StringDtype):
        values = pd.array(arr.to_pandas(), dtype=dtype)
    elif dtype == object:
        values = arr.to_numpy(zero_copy_only=False)  # Python str objects, None for nulls
    else:
        values = arr.to_pandas()
    return pd.Series(values, index=like.index, name=like.name, dtype=object if dtype == object else None, copy=False)


def findings_table(raw: dict[str, Any], kind: str) -> Any:
    """The findings of the native ``_scan_*`` result as a table of the kind asked for."""
    n = raw["count"]

    def fixed(t: pa.DataType, name: str) -> pa.Array:
        return pa.Array.from_buffers(t, n, [None, pa.py_buffer(raw[name])])

    def strings(t: pa.DataType, name: str) -> pa.Array:
        buffers = [None, pa.py_buffer(raw[f"{name}_offsets"]), pa.py_buffer(raw[f"{name}_data"])]
        return pa.Array.from_buffers(t, n, buffers)

    columns = {
        "row": fixed(pa.int64(), "row"),
        "detector": pa.DictionaryArray.from_arrays(fixed(pa.int32(), "detector"), pa.array(raw["detectors"], pa.string())),
        "start": fixed(pa.int64(), "start"),
        "end": fixed(pa.int64(), "end"),
        "confidence": fixed(pa.float32(), "confidence"),
        "action": pa.DictionaryArray.from_arrays(fixed(pa.int8(), "action"), pa.array(raw["actions"], pa.string())),
        "preview": strings(pa.large_string(), "preview"),
    }
    if "value_data" in raw:
        columns["value"] = strings(pa.large_string() if raw["value_text"] else pa.large_binary(), "value")
    table = pa.table(columns)
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if kind in ("arrow", "list", "tuple"):
        return table
    raise ValueError(f'output must be "arrow", "pandas" or "polars", not {kind!r}')
