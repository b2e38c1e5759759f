"""Arrow tables in PostgreSQL's binary COPY format, encoded a column at a time with NumPy.

The format (PostgreSQL's ``COPY`` documentation, and ``array_recv`` for arrays): a signature,
then per row its field count and each field as a 4-byte length (-1: null) and its bytes, then
-1. An array field is a header (dimensions, whether it has nulls, its element type, its length,
its lower bound) and its elements, each again a length and bytes. Everything is big-endian.

Telemetry's rows hold arrays of some 240 samples, so the work is in the elements: each column's
are encoded at once (fixed-width values as length + value records, written a column of
big-endian words at a time; text by putting each length before its bytes, or, where one string
repeats over long runs, as a column of 'car' does, each run's field repeated). Polars' strings
come as Arrow string views, which hold a string of up to 12 bytes themselves: those are read
from the views, without a conversion. The rows are then joined by Arrow
(``binary_join_element_wise`` over zero-copy binary views of those buffers), so no Python object
is made per row: with tens of thousands alive, Python's garbage collector would walk the whole
heap every few tables. Scalars and arrays of booleans, integers, floats, text, timestamps, dates
and durations (as intervals) are supported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.load.string_views import INLINE, differs, short_views

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # then 4-byte flags and extension length: 0
TRAILER = b"\xff\xff"
_EMPTY = pa.scalar(b"", pa.large_binary())  # joins a row's pieces; a null array's elements
_RUNS = 1024  # at most this many runs of one repeated string: each run is encoded once
_NULL = (-1).to_bytes(4, "big", signed=True)

_EPOCH_US = 946_684_800_000_000  # PostgreSQL's epoch, 2000-01-01, in Unix microseconds
_EPOCH_DAYS = 10_957
_INTERVAL = np.dtype([("us", ">i8"), ("days", ">i4"), ("months", ">i4")])
_NUMBERS = {  # Arrow type -> PostgreSQL type OID
    pa.bool_(): 16,
    pa.int16(): 21,
    pa.int32(): 23,
    pa.int64(): 20,
    pa.float32(): 700,
    pa.float64(): 701,
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
class Runs:
    """Runs of one repeated field: run k starts at value ``values[k]`` and byte ``starts[k]``,
    and its fields are ``sizes[k]`` bytes each."""

    values: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray

    def at(self, positions: np.ndarray) -> np.ndarray:
        run = np.searchsorted(self.values, positions, "right") - 1
        return self.starts[run] + (positions - self.values[run]) * self.sizes[run]


@dataclass(frozen=True)
class Encoded:
    """A column's values, each as a COPY field (length, then bytes), one after the other."""

    oid: int  # the element type
    data: np.ndarray  # uint8
    size: int  # field i starts at i * size + (offsets[i] - offsets[0]), or i * size
    offsets: np.ndarray | None  # int64, one more than the values
    nulls: np.ndarray | None  # bool per value; None: no null
    runs: Runs | None = None  # else where the fields start, instead of size and offsets

    def at(self, positions: np.ndarray) -> np.ndarray:
        """Where the fields at ``positions`` (indexes, and up to the count) start."""
        if self.runs is not None:
            return self.runs.at(positions)
        if self.offsets is None:
            return positions * self.size
        return positions * self.size + (self.offsets[positions] - self.offsets[0])


def encode(table: pa.Table, rows_per_block: int = 200) -> Iterator[pa.Buffer]:
    """The signature, the rows a block at a time, the trailer."""
    rows = table.num_rows
    count = np.frombuffer(len(table.columns).to_bytes(2, "big") * rows, np.uint8)
    pieces = [_binary(count, np.arange(rows + 1) * 2)]
    pieces += [piece for column in table.columns for piece in _field_pieces(column)]
    yield SIGNATURE
    for start in range(0, rows, rows_per_block):
        block = [piece.slice(start, rows_per_block) for piece in pieces]
        yield _bytes_of(pc.binary_join_element_wise(*block, _EMPTY))
    yield TRAILER


def _bytes_of(values: pa.LargeBinaryArray) -> pa.Buffer:
    """The values' bytes, one after the other."""
    ends = np.frombuffer(values.buffers()[1], np.int64)[values.offset :][: len(values) + 1]
    return values.buffers()[2].slice(int(ends[0]), int(ends[-1] - ends[0]))


def encode_values(values: pa.Array) -> Encoded:
    """Every value of a flat Arrow array as a COPY field."""
    nulls = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
    if _is_text(values.type):
        return _text(values, nulls)
    oid, numbers = _numbers(values)
    return _with_nulls(oid, _records(numbers), nulls)


def _records(numbers: np.ndarray) -> np.ndarray:
    """Each value as a field, its 4-byte length then its bytes big-endian: (count, 4 + size)
    bytes. Values of 1, 2 or 4 bytes go in a table of big-endian words of their size, filled a
    column at a time (NumPy's fastest copies); wider ones in a record type."""
    size, count = numbers.dtype.itemsize, len(numbers)
    if numbers.dtype.names is None and size in (1, 2, 4):
        word = np.dtype(f">u{size}")
        records = np.empty((count, 4 // size + 1), word)
        for column, part in enumerate(np.frombuffer(size.to_bytes(4, "big"), word).tolist()):
            records[:, column] = part  # the length, a word at a time
        records[:, -1] = numbers.view(f"=u{size}")  # made big-endian as it is copied in
        return records.view(np.uint8).reshape(count, 4 + size)
    records = np.empty(count, dtype=[("size", ">i4"), ("value", numbers.dtype.newbyteorder(">"))])
    records["size"] = size
    records["value"] = numbers
    return records.view(np.uint8).reshape(count, records.itemsize)


def _with_nulls(oid: int, records: np.ndarray, nulls: np.ndarray | None) -> Encoded:
    """Fields from records of equal size (one per row of ``records``): a null's becomes its
    length alone, -1."""
    if nulls is None:
        return Encoded(oid, records.reshape(-1), records.shape[1], None, None)
    records[nulls, :4] = 255  # -1
    kept = np.ones(records.shape, dtype=bool)
    kept[nulls, 4:] = False
    return Encoded(oid, records[kept], 0, _bounds(np.where(nulls, 4, records.shape[1])), nulls)


def _field_pieces(column: pa.ChunkedArray | pa.Array) -> list[pa.LargeBinaryArray]:
    """A column's fields as binary arrays of one value per row, which joined row by row make
    the fields (arrays: their headers, then their elements)."""
    if isinstance(column, pa.ChunkedArray):  # combine_chunks copies even a single chunk
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        encoded = encode_values(column)
        return [_binary(encoded.data, encoded.at(np.arange(len(column) + 1)))]
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
    sizes = np.full(len(column), _ARRAY_HEADER.itemsize)
    empty = header["n"] == 0
    header["size"][empty], header["ndim"][empty] = 12, 0  # no dimension: 16 bytes
    sizes[empty] = 16
    values = _binary(elements.data, bounds)
    if column.null_count:
        null = column.is_null().to_numpy(zero_copy_only=False)
        header["size"][null], sizes[null] = -1, 4
        values = pc.if_else(null, _EMPTY, values)
    headers = header.view(np.uint8).reshape(len(column), _ARRAY_HEADER.itemsize)
    if (sizes < _ARRAY_HEADER.itemsize).any():
        headers = headers[np.arange(_ARRAY_HEADER.itemsize) < sizes[:, None]]
    return [_binary(headers.reshape(-1), _bounds(sizes)), values]


def _binary(data: np.ndarray, bounds: np.ndarray) -> pa.LargeBinaryArray:
    """Value i is ``data[bounds[i]:bounds[i + 1]]``, without a copy."""
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(),
        len(bounds) - 1,
        [None, pa.py_buffer(np.ascontiguousarray(bounds, np.int64)), pa.py_buffer(data)],
    )


def _numbers(values: pa.Array) -> tuple[int, np.ndarray]:
    """The element type's OID and the values as NumPy numbers (nulls: any value)."""
    kind = values.type
    if kind in _NUMBERS:
        return _NUMBERS[kind], _filled(values)
    if pa.types.is_timestamp(kind):
        micros = _filled(values.cast(pa.timestamp("us", kind.tz)).view(pa.int64()))
        return (_TIMESTAMPTZ if kind.tz else _TIMESTAMP), micros - _EPOCH_US
    if pa.types.is_date32(kind):
        return _DATE, _filled(values.view(pa.int32())) - _EPOCH_DAYS
    if pa.types.is_duration(kind):
        interval = np.zeros(len(values), dtype=_INTERVAL)
        interval["us"] = _filled(values.cast(pa.duration("us")).view(pa.int64()))
        return _INTERVAL_OID, interval
    raise TypeError(f"no binary COPY encoding for Arrow type {kind}")


def _filled(values: pa.Array) -> np.ndarray:
    """The values as NumPy numbers (a null's: any value). Booleans are unpacked from their
    bitmap (Arrow's conversion is some 15 times slower)."""
    if pa.types.is_boolean(values.type):
        bits = np.frombuffer(values.buffers()[1], np.uint8)
        unpacked = np.unpackbits(bits, count=values.offset + len(values), bitorder="little")
        return unpacked[values.offset :].view(np.bool_)
    if values.null_count:
        values = values.fill_null(0)
    return values.to_numpy(zero_copy_only=False)


def _is_text(kind: pa.DataType) -> bool:
    return (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def _text(values: pa.Array, nulls: np.ndarray | None) -> Encoded:
    """Each string as its byte length and UTF-8 bytes (a null: -1 and no bytes)."""
    short = short_views(values)
    if short is not None:
        return _short_text(*short, nulls)
    values = values.cast(pa.large_string())
    if nulls is not None:  # a null may still span bytes in Arrow: make it empty
        values = values.fill_null("")
    _, offsets_buffer, chars_buffer = values.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int64, len(values) + 1, values.offset * 8)
    lengths = np.diff(offsets)
    chars = np.frombuffer(chars_buffer or b"", np.uint8)[offsets[0] : offsets[-1]]
    sizes = (lengths if nulls is None else np.where(nulls, -1, lengths)).astype(">i4")
    starts = _run_starts(values, sizes, chars)
    if starts is not None:  # e.g. 'car' throughout, 'OnTrack' for laps: each run's field, repeated
        ends = (offsets[starts + 1] - offsets[0]).tolist()
        fields = [
            sizes[start : start + 1].tobytes() + chars[end - length : end].tobytes()
            for start, end, length in zip(
                starts.tolist(), ends, lengths[starts].tolist(), strict=True
            )
        ]
        return _repeated(starts, fields, len(values), nulls)
    valid = lengths if nulls is None else lengths[~nulls]
    if len(valid) and (valid == valid[0]).all():  # e.g. driver codes: records of one size
        length = int(valid[0])
        if not length:  # empty strings: their lengths alone
            records = sizes.view(np.uint8).reshape(len(values), 4).copy()
            return _with_nulls(_TEXT, records, nulls)
        fields = np.empty(len(values), dtype=[("size", ">i4"), ("chars", f"V{length}")])
        fields["size"] = sizes
        if nulls is None:
            fields["chars"] = chars.view(f"V{length}")
        else:
            fields["chars"][~nulls] = chars.view(f"V{length}")
        records = fields.view(np.uint8).reshape(len(values), 4 + length)
        return _with_nulls(_TEXT, records, nulls)
    # the strings' bytes in order, each string's length put in front of it
    out = np.empty(4 * len(values) + len(chars), dtype=np.uint8)
    counts = np.empty((len(values), 2), dtype=np.int64)
    counts[:, 0], counts[:, 1] = 4, lengths
    is_size = np.repeat(np.tile([True, False], len(values)), counts.reshape(-1))
    out[is_size] = sizes.view(np.uint8)
    out[~is_size] = chars
    return Encoded(_TEXT, out, 4, offsets, nulls)


def _short_text(views: np.ndarray, lengths: np.ndarray, nulls: np.ndarray | None) -> Encoded:
    """Strings held in their views (``short_views``): a view is the string's length (4 bytes,
    little-endian), then its bytes."""
    count = len(views)
    changed = differs(views)
    if nulls is not None:
        changed |= nulls[1:] != nulls[:-1]
    if np.count_nonzero(changed) < _RUNS:  # e.g. 'car' throughout: each run's field, repeated
        starts = np.flatnonzero(np.concatenate(([True], changed)))
        fields = [
            _NULL if nulls is not None and nulls[start] else _short_field(views[start])
            for start in starts.tolist()
        ]
        return _repeated(starts, fields, count, nulls)
    if nulls is not None:
        lengths = np.where(nulls, 0, lengths)
    sizes = (lengths if nulls is None else np.where(nulls, -1, lengths)).astype(">i4")
    records = np.empty((count, 4 + INLINE), np.uint8)
    records[:, :4] = sizes.view(np.uint8).reshape(count, 4)
    records[:, 4:] = views[:, 4:]
    valid = lengths if nulls is None else lengths[~nulls]
    if len(valid) and (valid == valid[0]).all():  # e.g. driver codes: records of one size
        return _with_nulls(_TEXT, records[:, : 4 + int(valid[0])].copy(), nulls)
    kept = np.arange(4 + INLINE) < (4 + lengths)[:, None]
    return Encoded(_TEXT, records[kept], 4, _bounds(lengths), nulls)


def _short_field(view: np.ndarray) -> bytes:
    length = int(view[:4].view("<i4")[0])
    return length.to_bytes(4, "big") + view[4 : 4 + length].tobytes()


def _repeated(
    starts: np.ndarray, fields: list[bytes], count: int, nulls: np.ndarray | None
) -> Encoded:
    """``count`` values in runs of one field each: a run from each of ``starts``, its field
    in ``fields``, repeated."""
    runs = np.diff(starts, append=count)
    sizes = np.array([len(field) for field in fields], np.int64)
    if len(fields) == 1:  # e.g. 'car' throughout
        data = fields[0] * count
    else:
        data = b"".join(field * run for field, run in zip(fields, runs.tolist(), strict=True))
    at = Runs(starts, _bounds(sizes * runs)[:-1], sizes)
    return Encoded(_TEXT, np.frombuffer(data, np.uint8), 0, None, nulls, at)


def _run_starts(
    values: pa.LargeStringArray, sizes: np.ndarray, chars: np.ndarray
) -> np.ndarray | None:
    """Where each run of equal values (nulls apart) starts, if there are at most ``_RUNS``."""
    if not len(values):
        return None
    changed = sizes[1:] != sizes[:-1]
    if not changed.any() and chars.tobytes() == chars[: sizes[0]].tobytes() * len(values):
        return np.zeros(1, np.int64)  # one string throughout, e.g. 'car'
    if np.count_nonzero(changed) >= _RUNS:
        return None
    unequal = pc.not_equal(values.slice(1), values.slice(0, len(values) - 1))
    changed |= unequal.to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.concatenate(([True], changed)))
    return starts if len(starts) <= _RUNS else None


def _bounds(sizes: np.ndarray) -> np.ndarray:
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    return bounds
