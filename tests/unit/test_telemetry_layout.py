"""Telemetry frames encoded as arrays per driver per minute: lossless, first of duplicates kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from flows.datasets import CAR_DATA
from flows.load.telemetry_layout import chunk_schema, to_chunks

T0 = datetime(2024, 3, 2, 15, 0, 59, 900_000, tzinfo=UTC)


def _frame(rows: list[tuple]) -> pl.DataFrame:
    columns = ["driver_number", "sampled_at", "session_time", "rpm"]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return frame.with_columns(
        pl.col("sampled_at").cast(pl.Datetime("us", "UTC")),
        pl.col("session_time").cast(pl.Duration("us")),
        pl.col("rpm").cast(pl.Int32),
    )


def test_samples_split_by_driver_and_clock_minute_with_offsets_from_its_start():
    step = timedelta(milliseconds=200)
    frame = _frame(
        [
            ("44", T0 + step, timedelta(seconds=61, milliseconds=100), 3),  # next minute
            ("44", T0, timedelta(seconds=60, milliseconds=900), 1),
            ("16", T0, timedelta(seconds=60, milliseconds=900), 7),
            ("44", T0, timedelta(seconds=60, milliseconds=900), 2),  # a duplicate: dropped
            ("44", T0 + 2 * step, None, 4),
        ]
    )
    chunks = pl.from_arrow(to_chunks(frame)).sort("driver_number", "chunk_start")

    minute = datetime(2024, 3, 2, 15, 0, tzinfo=UTC)
    assert chunks.select("driver_number", "chunk_start", "rpm").rows() == [
        ("16", minute, [7]),
        ("44", minute, [1]),
        ("44", minute + timedelta(minutes=1), [3, 4]),
    ]
    later = chunks.row(2, named=True)
    assert later["sampled_us"] == [100_000, 300_000]
    # session time = base + offset + residual; a missing one stays missing
    assert later["session_time_base"] + later["sampled_us"][0] == 61_100_000
    assert later["session_time_us"] == [0, None]
    assert later["session_time_end"] == 61_100_000


def test_the_layout_names_every_stored_column():
    schema = chunk_schema(CAR_DATA)

    assert schema["sampled_us"] == pl.List(pl.Int32)
    assert schema["rpm"] == pl.List(pl.Int32)
    assert "sampled_at" not in schema and "session_time" not in schema


@pytest.mark.parametrize("prefix", ["", "a name longer than a string view holds: "])
def test_samples_in_fastf1_order_are_chunked_without_sorting_to_the_same_rows(prefix):
    """FastF1 gives each driver's samples together and in time order (drivers in any order):
    chunks are runs of neighbours; the same samples shuffled give the same chunks. Drivers
    are told apart whether or not their names fit in an Arrow string view (12 bytes)."""
    step = timedelta(milliseconds=250)
    first, second = f"{prefix}44", f"{prefix}1"
    rows = [(first, T0 + i * step, timedelta(seconds=60.9) + i * step, i) for i in range(3)]
    rows.insert(2, rows[1])  # a repeated sample: the first is kept
    rows += [(second, T0 + i * step, timedelta(seconds=60.9) + i * step, 10 + i) for i in range(2)]
    in_order, shuffled = _frame(rows), _frame(rows[::-1])
    minute = datetime(2024, 3, 2, 15, 0, tzinfo=UTC)

    chunks = pl.from_arrow(to_chunks(in_order))

    assert chunks.select("driver_number", "chunk_start", "rpm").rows() == [
        (first, minute, [0]),  # the input's driver order
        (first, minute + timedelta(minutes=1), [1, 2]),
        (second, minute, [10]),
        (second, minute + timedelta(minutes=1), [11]),
    ]
    resorted = pl.from_arrow(to_chunks(shuffled)).sort(
        "driver_number", "chunk_start", descending=[True, False]
    )
    assert chunks.equals(resorted)
