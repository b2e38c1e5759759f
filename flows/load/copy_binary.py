"""Arrow tables in PostgreSQL's binary COPY format, encoded a column at a time with NumPy.

The format (PostgreSQL's ``COPY`` documentation, and ``array_recv`` for arrays): a signature,
then per row its field count and each field as a 4-byte length (-1: null) and its bytes, then
-1. An array field is a header (dimensions, whether it has nulls, its element type, its length,
its lower bound) and its elements, each again a length and bytes. Everything is big-endian.

Telemetry's rows hold arrays of some 240 samples, so the work is in the elements: each column's
are encoded at once (fixed-width values as length + value records, text by putting each length
before its bytes), and a row is joined from views of those buffers. Scalars and arrays of
booleans, integers, floats, text, timestamps, dates and durations (as intervals) are supported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pyarrow as pa

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # then 4-byte flags and extension length: 0
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"

_EPOCH_US = 946_684_800_000_000  # PostgreSQL's epoch, 2000-01-01, in Unix microseconds
_EPOCH_DAYS = 10_957
_INTERVAL = np.dtype([("us", ">i8"), ("days", ">i4"), ("months", ">i4")])
_NUMBERS = {  # Arrow type -> (PostgreSQL type OID, big-endian NumPy type)
    pa.bool_(): (16, np.dtype("u1")),
    pa.int16(): (21, np.dtype(">i2")),
    pa.int32(): (23, np.dtype(">i4")),
    pa.int64(): (20, np.dtype(">i8")),
    pa.float32(): (700, np.dtype(">f4")),
    pa.float64(): (701, np.dtype(">f8")),
}
_TEXT, _TIMESTAMP, _TIMESTAMPTZ, _DATE, _INTERVAL_OID = 25, 1114, 1184, 1082, 1186
_ARRAY_HEADER = np.dtype(
    [
        ("size", ">i4"),
        ("ndim", ">i4"),
        ("nulls", ">i4"),
        ("oid", ">i4"),
        ("n", ">i4"),
        ("lb", ">i4"),
    ]
)


@dataclass(frozen=True)
class Encoded:
    """A column's values, each as a COPY field (length, then bytes), one after the other."""

    oid: int  # the element type
    data: np.ndarray  # uint8
    size: int | None  # every field's size, if they are all alike; else:
    bounds: np.ndarray | None  # value i is data[bounds[i]:bounds[i + 1]]
    nulls: np.ndarray | None  # bool per value; None: no null

    def at(self, positions: np.ndarray) -> np.ndarray:
        """Where the fields at ``positions`` (indexes, and up to the count) start."""
        return positions * self.size if self.bounds is None else self.bounds[positions]


def encode(table: pa.Table, rows_per_block: int = 200) -> Iterator[bytes]:
    """The signature, the rows a block at a time, the trailer."""
    count = len(table.columns).to_bytes(2, "big")
    fields = [piece for column in table.columns for piece in _field_pieces(column)]
    width = 1 + len(fields)  # a row: its field count, then its fields' pieces
    pieces: list = [count] * (table.num_rows * width)
    for position, field in enumerate(fields, start=1):
        pieces[position::width] = field
    yield SIGNATURE
    step = rows_per_block * width
    for start in range(0, len(pieces), step):
        yield b"".join(pieces[start : start + step])
    yield TRAILER


def encode_values(values: pa.Array) -> Encoded:
    """Every value of a flat Arrow array as a COPY field."""
    nulls = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
    if _is_text(values.type):
        return _text(values, nulls)
    oid, numbers, dtype = _numbers(values)
    records = np.empty(len(numbers), dtype=[("size", ">i4"), ("value", dtype)])
    records["size"] = dtype.itemsize
    records["value"] = numbers  # made big-endian as it is copied in
    return _with_nulls(oid, records.view(np.uint8).reshape(len(numbers), records.itemsize), nulls)


def _with_nulls(oid: int, records: np.ndarray, nulls: np.ndarray | None) -> Encoded:
    """Fields from records of equal size (one per row of ``records``): a null's becomes its
    length alone, -1."""
    if nulls is None:
        return Encoded(oid, records.reshape(-1), records.shape[1], None, None)
    records[nulls, :4] = 255  # -1
    kept = np.ones(records.shape, dtype=bool)
    kept[nulls, 4:] = False
    return Encoded(oid, records[kept], None, _bounds(np.where(nulls, 4, records.shape[1])), nulls)


def _field_pieces(column: pa.ChunkedArray | pa.Array) -> list[list]:
    """A column's fields as one list of pieces per row (arrays: their header, their elements)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        encoded = encode_values(column)
        return [_slices(encoded.data, encoded.at(np.arange(len(column) + 1)))]
    offsets = column.offsets.to_numpy().astype(np.int64)
    first = int(offsets[0])
    elements = encode_values(column.values.slice(first, int(offsets[-1]) - first))
    bounds = elements.at(offsets - first)
    header = np.empty(len(column), dtype=_ARRAY_HEADER)
    header["size"] = 20 + np.diff(bounds)
    header["ndim"], header["oid"], header["lb"] = 1, elements.oid, 1
    header["n"] = np.diff(offsets)
    header["nulls"] = 0
    if elements.nulls is not None:
        header["nulls"] = (
            np.diff(np.concatenate(([0], np.cumsum(elements.nulls)))[offsets - first]) > 0
        )
    view = memoryview(header.view(np.uint8))
    headers = [view[start : start + 24] for start in range(0, len(header) * 24, 24)]
    values = _slices(elements.data, bounds)
    for row in np.flatnonzero(header["n"] == 0).tolist():  # no dimension
        headers[row] = np.array([12, 0, 0, elements.oid], dtype=">i4").tobytes()
    if column.null_count:
        for row in np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False)).tolist():
            headers[row], values[row] = NULL, b""
    return [headers, values]


def _slices(data: np.ndarray, bounds: np.ndarray) -> list:
    view, ends = memoryview(data), bounds.tolist()
    return [view[start:end] for start, end in pairwise(ends)]


def _numbers(values: pa.Array) -> tuple[int, np.ndarray, np.dtype]:
    """The element type's OID, the values (nulls: any value) and the big-endian type they are
    sent as."""
    kind = values.type
    if kind in _NUMBERS:
        oid, dtype = _NUMBERS[kind]
        return oid, _filled(values), dtype
    if pa.types.is_timestamp(kind):
        micros = _filled(values.cast(pa.timestamp("us", kind.tz)).view(pa.int64()))
        return (_TIMESTAMPTZ if kind.tz else _TIMESTAMP), micros - _EPOCH_US, np.dtype(">i8")
    if pa.types.is_date32(kind):
        return _DATE, _filled(values.view(pa.int32())) - _EPOCH_DAYS, np.dtype(">i4")
    if pa.types.is_duration(kind):
        interval = np.zeros(len(values), dtype=_INTERVAL)
        interval["us"] = _filled(values.cast(pa.duration("us")).view(pa.int64()))
        return _INTERVAL_OID, interval, _INTERVAL
    raise TypeError(f"no binary COPY encoding for Arrow type {kind}")


def _filled(values: pa.Array) -> np.ndarray:
    if values.null_count:
        values = values.fill_null(False if pa.types.is_boolean(values.type) else 0)
    return values.to_numpy(zero_copy_only=False)


def _is_text(kind: pa.DataType) -> bool:
    return (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def _text(values: pa.Array, nulls: np.ndarray | None) -> Encoded:
    """Each string as its byte length and UTF-8 bytes (a null: -1 and no bytes)."""
    values = values.cast(pa.large_string())
    if nulls is not None:  # a null may still span bytes in Arrow: make it empty
        values = values.fill_null("")
    _, offsets_buffer, chars_buffer = values.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int64, len(values) + 1, values.offset * 8)
    lengths = np.diff(offsets)
    chars = np.frombuffer(chars_buffer or b"", np.uint8)[offsets[0] : offsets[-1]]
    valid = lengths if nulls is None else lengths[~nulls]
    if len(valid) and (valid == valid[0]).all():  # e.g. 'car' or none: records of one size
        length = int(valid[0])
        records = np.empty((len(values), 4 + length), dtype=np.uint8)
        records[:, :4] = np.array([length], ">i4").view(np.uint8)
        if nulls is None:
            records[:, 4:] = chars.reshape(len(values), length)
        else:
            records[~nulls, 4:] = chars.reshape(len(valid), length)
        return _with_nulls(_TEXT, records, nulls)
    # the strings' bytes in order, each string's length put in front of it
    sizes = (lengths if nulls is None else np.where(nulls, -1, lengths)).astype(">i4")
    out = np.empty(4 * len(values) + len(chars), dtype=np.uint8)
    counts = np.empty((len(values), 2), dtype=np.int64)
    counts[:, 0], counts[:, 1] = 4, lengths
    is_size = np.repeat(np.tile([True, False], len(values)), counts.reshape(-1))
    out[is_size] = sizes.view(np.uint8)
    out[~is_size] = chars
    return Encoded(_TEXT, out, None, _bounds(4 + lengths), nulls)


def _bounds(sizes: np.ndarray) -> np.ndarray:
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    return bounds
