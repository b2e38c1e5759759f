"""Load synthetic sessions into raw, build staged with dbt, and check what users query."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from flows.database import connect
from flows.extract.schedule import schedule_frames, session_refs
from flows.extract.session import SessionExtract
from flows.load.manifest import complete_sessions
from flows.load.raw_tables import ddl_statements
from flows.load.session_load import write_schedule, write_session
from flows.synthetic import synthetic_frames
from flows.transform.dbt import build_staged
from tests.integration.conftest import query, scalar
from tests.schedules import wide_schedule

pytestmark = pytest.mark.integration

START = datetime(2024, 3, 2, 15, tzinfo=UTC)
STAGED = (
    "results",
    "laps",
    "weather",
    "car_data",
    "position_data",
    "session_status",
    "track_status",
    "race_control_messages",
)


def _prepare(url: str):
    events, sessions = schedule_frames(wide_schedule(2024, ["Bahrain Grand Prix"]), 2024)
    with connect(url) as conn:
        cursor = conn.cursor()
        for statement in ddl_statements():
            cursor.execute(statement)
        conn.commit()
        write_schedule(conn, 2024, events, sessions)
    return {r.session_type: r for r in session_refs(events, sessions)}


def _load(url: str, ref, frames: dict[str, pl.DataFrame | None]):
    with connect(url) as conn:
        return write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))


def _staged_counts(url: str) -> dict[str, int]:
    return {t: scalar(url, f"select count(*) from staged.{t}") for t in STAGED}


def test_load_then_build_gives_one_row_per_key(db_url):
    race = _prepare(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=3, laps=4)
    _load(db_url, race, frames)
    build_staged(db_url)

    counts = _staged_counts(db_url)
    assert counts == {name: frames[name].height for name in STAGED}
    assert scalar(db_url, "select count(*) from staged.sessions") == 5
    lap_type = scalar(
        db_url,
        "select data_type from information_schema.columns "
        "where table_schema = 'staged' and table_name = 'laps' and column_name = 'lap_time'",
    )
    assert lap_type == "interval"
    winner = query(db_url, "select abbreviation from staged.results where position = 1")
    expected = frames["results"].filter(pl.col("position") == 1)["abbreviation"].to_list()
    assert [w[0] for w in winner] == expected


def test_second_load_supersedes_first_and_adds_no_staged_rows(db_url):
    race = _prepare(db_url)["R"]
    _load(db_url, race, synthetic_frames(7, START, drivers=3, laps=4))
    build_staged(db_url)
    before = _staged_counts(db_url)

    newer = synthetic_frames(8, START, drivers=3, laps=4)
    _load(db_url, race, newer)
    build_staged(db_url)

    assert _staged_counts(db_url) == before
    assert scalar(db_url, "select count(*) from raw.laps") == 2 * before["laps"]
    micros = "select (extract(epoch from lap_time) * 1000000)::bigint from staged.laps"
    staged_times = {r[0] for r in query(db_url, micros)}
    newest = set(newer["laps"]["lap_time"].dt.total_microseconds().to_list())
    assert staged_times == newest


def test_unavailable_dataset_keeps_the_last_loaded_copy(db_url):
    race = _prepare(db_url)["R"]
    first = synthetic_frames(7, START, drivers=2, laps=3)
    _load(db_url, race, first)
    _load(db_url, race, {**synthetic_frames(9, START, drivers=2, laps=3), "laps": None})
    build_staged(db_url)

    assert scalar(db_url, "select count(*) from staged.laps") == first["laps"].height
    statuses = query(
        db_url,
        "select status, count(*) from raw.load_manifest where dataset = 'laps' group by 1",
    )
    assert dict(statuses) == {"loaded": 1, "unavailable": 1}


def test_a_failed_load_leaves_nothing_behind(db_url):
    race = _prepare(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    broken = frames["weather"].with_columns(pl.col("air_temp").cast(pl.String))  # wrong type
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        _load(db_url, race, {**frames, "weather": broken})

    for table in (*STAGED, "load_manifest"):
        assert scalar(db_url, f"select count(*) from raw.{table}") == (
            1 if table == "load_manifest" else 0  # only the schedule's entry
        )


def test_complete_means_results_loaded_and_nothing_failed(db_url):
    refs = _prepare(db_url)
    _load(db_url, refs["R"], synthetic_frames(7, START, drivers=2, laps=3))
    only_weather = {name: None for name in STAGED}
    only_weather["weather"] = synthetic_frames(7, START, drivers=2, laps=3)["weather"]
    _load(db_url, refs["Q"], only_weather)

    with connect(db_url) as conn:
        assert complete_sessions(conn.cursor(), 2024) == {refs["R"].session_id}


NEW_NAMES = (
    "select driver_number, lap_number, is_deleted, is_fresh_tyre, lap_started_at "
    "from staged.laps order by driver_number, lap_number"
)


def test_new_column_names_carry_the_loaded_values_also_in_a_table_built_before(db_url):
    """staged.laps' booleans and timestamps also under is_/_at names: on a fresh build, and on a
    table of an earlier version without them (incremental: the rows it keeps get them too)."""
    race = _prepare(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    laps = frames["laps"].with_columns(
        (pl.col("lap_number") == 2).alias("deleted"),
        (pl.col("lap_number") != 3).alias("fresh_tyre"),
    )
    _load(db_url, race, {**frames, "laps": laps})
    build_staged(db_url)
    expected = sorted(
        laps.select(
            "driver_number", "lap_number", "deleted", "fresh_tyre", "lap_start_date"
        ).iter_rows()
    )
    assert query(db_url, NEW_NAMES) == expected
    assert {r[2] for r in expected} == {True, False}  # both values are checked

    with connect(db_url) as conn:  # staged.laps as the earlier version left it
        drops = ("is_deleted", "is_fresh_tyre", "lap_started_at", "is_fastf1_generated")
        conn.cursor().execute(
            "alter table staged.laps " + ", ".join(f"drop column {c} cascade" for c in drops)
        )
        conn.commit()
    build_staged(db_url)  # nothing new loaded: laps keeps its rows
    assert query(db_url, NEW_NAMES) == expected
