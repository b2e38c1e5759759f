"""Arrow tables encoded in binary COPY format, read by PostgreSQL's own COPY and read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import psycopg
import pyarrow as pa
import pytest

from flows.load.copy_binary import encode

pytestmark = pytest.mark.integration

MOMENTS = [
    datetime(2024, 3, 2, 15, 0, 59, 900_001, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # before PostgreSQL's epoch
    datetime(2000, 1, 1, tzinfo=UTC),
]
# Every kind of value the raw tables hold, as scalars and as arrays, with nulls, empty and null
# arrays, non-ASCII text, strings of several lengths, of one length, and one string repeated,
# extremes.
COLUMNS = {
    "text": ("text", pa.array(["Pérez", None, "", "OffTrack"], pa.large_string())),
    "label": ("text", pa.array(["car", "pos", None, "OnTrack"], pa.string_view())),
    "team": ("text", pa.array(["RBR", None, "FER", "MCL"], pa.string())),
    "kind": ("text", pa.array(["pos", "pos", None, "pos"], pa.large_string())),
    "flag": ("boolean", pa.array([True, None, False, True])),
    "small": ("smallint", pa.array([-32768, None, 0, 32767], pa.int16())),
    "whole": ("integer", pa.array([-(2**31), None, 7, 2**31 - 1], pa.int32())),
    "big": ("bigint", pa.array([-(2**63), None, 0, 2**63 - 1], pa.int64())),
    "real": ("double precision", pa.array([1.5, None, float("inf"), -0.25], pa.float64())),
    "single": ("real", pa.array([-1.5, float("-inf"), None, 3.25], pa.float32())),
    "day": ("date", pa.array([date(2018, 3, 25), None, date(1950, 1, 1), date(2000, 1, 1)])),
    "moment": (
        "timestamptz",
        pa.array([*MOMENTS[:1], None, *MOMENTS[1:]], pa.timestamp("us", "UTC")),
    ),
    "span": (
        "interval",
        pa.array(
            [timedelta(seconds=61, microseconds=1), None, timedelta(days=-2), timedelta(0)],
            pa.duration("us"),
        ),
    ),
    "speeds": (
        "smallint[]",
        pa.array([[1, None, 3], None, [], [32767]], pa.large_list(pa.int16())),
    ),
    "rpms": ("integer[]", pa.array([[11868], [None], None, []], pa.large_list(pa.int32()))),
    "micros": ("bigint[]", pa.array([[], [0, -1], [2**40], None], pa.large_list(pa.int64()))),
    "brakes": ("boolean[]", pa.array([[True, False], [], None, [None]], pa.large_list(pa.bool_()))),
    "sources": (
        "text[]",
        pa.array([["car", None, "car"], ["car"], None, []], pa.large_list(pa.large_string())),
    ),
    "codes": (
        "text[]",
        pa.array([["VER", "HAM"], ["LEC", None], [], None], pa.large_list(pa.large_string())),
    ),
    "statuses": (
        "text[]",
        pa.array([["OnTrack", "OffTrack"], [], ["Ü", None], None], pa.large_list(pa.string())),
    ),
    "temps": (
        "double precision[]",
        pa.array([[21.5, None], None, [-0.0], []], pa.large_list(pa.float64())),
    ),
    "moments": (
        "timestamptz[]",
        pa.array([MOMENTS, [], None, [None]], pa.large_list(pa.timestamp("us", "UTC"))),
    ),
}


def _copy(url: str, table: pa.Table, types: dict[str, str]) -> list[tuple]:
    """COPY the encoded table into a temporary table of ``types``; its rows, read back."""
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in types.items())
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("set timezone = 'UTC'")
        cursor.execute(f"create temporary table copied (row_number serial, {columns})")
        names = ", ".join(types)
        with cursor.copy(f"copy copied ({names}) from stdin (format binary)") as copy:
            for block in encode(table, rows_per_block=3):
                copy.write(block)
        cursor.execute(f"select {names} from copied order by row_number")
        return cursor.fetchall()


def test_every_kind_of_value_reads_back_as_it_was(db_url):
    table = pa.table({name: values for name, (_, values) in COLUMNS.items()})

    rows = _copy(db_url, table, {name: sql_type for name, (sql_type, _) in COLUMNS.items()})

    assert rows == [tuple(row.values()) for row in table.to_pylist()]


def test_a_slice_of_a_table_encodes_its_own_rows_only(db_url):
    """Arrow slices share their parent's buffers: the encoder reads from the slice's offsets."""
    table = pa.table({name: COLUMNS[name][1] for name in ("text", "speeds", "sources")})
    types = {name: COLUMNS[name][0] for name in table.column_names}

    rows = _copy(db_url, table.slice(1, 2), types)

    assert rows == [tuple(row.values()) for row in table.slice(1, 2).to_pylist()]
    assert rows == [(None, None, ["car"]), ("", [], None)]


def test_many_rows_span_blocks_and_keep_their_order(db_url):
    speeds = [[i, i + 1] for i in range(1_000)]
    table = pa.table({"speeds": pa.array(speeds, pa.large_list(pa.int16()))})

    rows = _copy(db_url, table, {"speeds": "smallint[]"})

    assert [speed for (speed,) in rows] == speeds


@pytest.mark.parametrize("kind", [pa.large_string(), pa.string_view()], ids=["offsets", "views"])
def test_strings_that_change_from_value_to_value_read_back(db_url, kind):
    """Strings are encoded by runs of one value when runs are long (the columns above); these
    change at nearly every value: of one length, of several, empty, with nulls, held in their
    Arrow string views (12 bytes at most, as Polars gives them) or not."""
    count = 3_000

    def strings(choices: list) -> list:
        return [None if i % 7 == 3 else choices[i % len(choices)] for i in range(count)]

    codes, names, blanks = strings(["VER", "HAM"]), strings(["Pérez", "Hamilton"]), strings([""])
    sources = strings(["car", "interpolation"])  # 13 bytes: not held in a view
    laps = [names[: i % 50] for i in range(count)]
    table = pa.table(
        {
            "codes": pa.array(codes, kind),
            "names": pa.array(names, kind),
            "blanks": pa.array(blanks, kind),
            "sources": pa.array(sources, kind),
            "laps": pa.array(laps, pa.large_list(kind)),
        }
    )
    types = {
        "codes": "text",
        "names": "text",
        "blanks": "text",
        "sources": "text",
        "laps": "text[]",
    }

    rows = _copy(db_url, table, types)

    assert rows == list(zip(codes, names, blanks, sources, laps, strict=True))


def test_runs_of_polars_strings_read_back(db_url):
    """Telemetry's string columns as the loader has them: Polars strings (Arrow string views)
    in long runs of one value, a null among them, alone and in arrays of a few hundred."""
    statuses = ["OnTrack"] * 500 + [None] * 3 + ["OffTrack"] * 400 + ["", "Ü"] + ["OnTrack"] * 95
    samples = pl.Series(statuses, dtype=pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    bounds = pa.array([0, 240, 480, 720, 960, 1000], pa.int64())
    arrays = pa.LargeListArray.from_arrays(bounds, samples)
    assert samples.type == pa.string_view()

    alone = _copy(db_url, pa.table({"status": samples}), {"status": "text"})
    together = _copy(db_url, pa.table({"statuses": arrays}), {"statuses": "text[]"})

    assert alone == [(status,) for status in statuses]
    edges = zip(bounds.to_pylist()[:-1], bounds.to_pylist()[1:], strict=True)
    assert together == [(statuses[start:end],) for start, end in edges]


def test_empty_strings_and_empty_tables_encode(db_url):
    table = pa.table({"text": pa.array(["", ""], pa.large_string()), "n": pa.array([1, 2])})
    types = {"text": "text", "n": "bigint"}

    assert _copy(db_url, table, types) == [("", 1), ("", 2)]
    assert _copy(db_url, table.slice(0, 0), types) == []


def test_a_type_it_cannot_encode_is_refused_by_name():
    table = pa.table({"blob": pa.array([b"\x00"], pa.binary())})

    with pytest.raises(TypeError, match="Arrow type binary"):
        list(encode(table))
