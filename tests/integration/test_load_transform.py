"""Load synthetic sessions into raw, build staged with dbt, and check what users query."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import polars as pl
import pytest

from flows.datasets import SESSION_DATASETS
from flows.load.connection import connect
from flows.load.manifest import complete_sessions
from flows.transform.dbt import build_staged
from tests.integration.database import query, scalar
from tests.integration.loading import bahrain_2024, load
from tests.synthetic import synthetic_frames, synthetic_session

pytestmark = pytest.mark.integration

START = datetime(2024, 3, 2, 15, tzinfo=UTC)
STAGED = tuple(d.name for d in SESSION_DATASETS)  # every registered dataset has a staged model


def _staged_counts(url: str) -> dict[str, int]:
    return {t: scalar(url, f"select count(*) from staged.{t}") for t in STAGED}


def test_load_then_build_gives_one_row_per_key(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=3, laps=4)
    load(db_url, race, frames)
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
    race = bahrain_2024(db_url)["R"]
    load(db_url, race, synthetic_frames(7, START, drivers=3, laps=4))
    build_staged(db_url)
    before = _staged_counts(db_url)

    newer = synthetic_frames(8, START, drivers=3, laps=4)
    load(db_url, race, newer)
    build_staged(db_url)

    assert _staged_counts(db_url) == before
    assert scalar(db_url, "select count(*) from raw.laps") == 2 * before["laps"]
    micros = "select (extract(epoch from lap_time) * 1000000)::bigint from staged.laps"
    staged_times = {r[0] for r in query(db_url, micros)}
    newest = set(newer["laps"]["lap_time"].dt.total_microseconds().to_list())
    assert staged_times == newest


def test_unavailable_dataset_keeps_the_last_loaded_copy(db_url):
    race = bahrain_2024(db_url)["R"]
    first = synthetic_frames(7, START, drivers=2, laps=3)
    load(db_url, race, first)
    load(db_url, race, {**synthetic_frames(9, START, drivers=2, laps=3), "laps": None})
    build_staged(db_url)

    assert scalar(db_url, "select count(*) from staged.laps") == first["laps"].height
    statuses = query(
        db_url,
        "select status, count(*) from raw.load_manifest where dataset = 'laps' group by 1",
    )
    assert dict(statuses) == {"loaded": 1, "unavailable": 1}


def test_a_failed_load_leaves_nothing_behind(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    broken = frames["weather"].with_columns(pl.col("air_temp").cast(pl.String))  # wrong type
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        load(db_url, race, {**frames, "weather": broken})

    for table in (*STAGED, "load_manifest"):
        assert scalar(db_url, f"select count(*) from raw.{table}") == (
            1 if table == "load_manifest" else 0  # only the schedule's entry
        )


def test_complete_means_results_loaded_and_nothing_failed(db_url):
    refs = bahrain_2024(db_url)
    load(db_url, refs["R"], synthetic_frames(7, START, drivers=2, laps=3))
    only_weather = {name: None for name in STAGED}
    only_weather["weather"] = synthetic_frames(7, START, drivers=2, laps=3)["weather"]
    load(db_url, refs["Q"], only_weather)

    with connect(db_url) as conn:
        assert complete_sessions(conn.cursor(), 2024) == {refs["R"].session_id}


def _utc(value) -> datetime:
    """A FastF1 (naive UTC, nanosecond) timestamp as PostgreSQL returns it (aware, microsecond)."""
    return pd.Timestamp(value).floor("us").tz_localize("UTC").to_pydatetime()


def test_utc_times_are_t0_date_plus_the_session_time_offsets(db_url):
    """Laps, weather, statuses and race control in UTC, from the session's t0_date: the moment
    FastF1 derives from the telemetry (the latest Date - Time of any car's samples)."""
    race = bahrain_2024(db_url)["R"]
    session = synthetic_session(7, START, drivers=3, laps=4)
    t0 = max(
        (samples["Date"] - samples["Time"]).max()
        for name in ("car_data", "position_data")
        for samples in session[name].values()
    )
    load(db_url, race, synthetic_frames(7, START, drivers=3, laps=4))
    build_staged(db_url)

    started = session["session_status"].set_index("Status")["Time"]["Started"]
    assert query(db_url, "select t0_date, started_at from staged.session_info") == [
        (_utc(t0), _utc(t0 + started))
    ]
    laps = query(
        db_url, "select driver_number, lap_number, lap_started_at, lap_end_at from staged.laps"
    )
    assert {(d, n): (start, end) for d, n, start, end in laps} == {
        (r.DriverNumber, int(r.LapNumber)): (_utc(r.LapStartDate), _utc(t0 + r.Time))
        for r in session["laps"].itertuples()
    }
    for table, column in (
        ("weather", "sampled_at"),
        ("session_status", "changed_at"),
        ("track_status", "changed_at"),
    ):
        rows = query(db_url, f"select {column} from staged.{table} order by session_time")
        assert [r[0] for r in rows] == [_utc(t0 + t) for t in session[table]["Time"]], table
    messages = query(
        db_url,
        "select (extract(epoch from session_time) * 1000000)::bigint "
        "from staged.race_control_messages order by sequence_number",
    )
    assert [r[0] for r in messages] == [
        (t - t0) // pd.Timedelta(microseconds=1) for t in session["race_control_messages"]["Time"]
    ]


def test_without_session_info_utc_times_are_null_and_offsets_stay(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    load(db_url, race, {**frames, "session_info": None})
    build_staged(db_url)

    assert scalar(db_url, "select count(*) from staged.session_info") == 0
    status = "select status from staged.session_datasets where dataset = 'session_info'"
    assert scalar(db_url, status) == "unavailable"
    assert query(
        db_url, "select count(*), count(lap_start_time), count(lap_end_at) from staged.laps"
    ) == [(frames["laps"].height, frames["laps"].height, 0)]
    assert query(db_url, "select count(session_time), count(sampled_at) from staged.weather") == [
        (frames["weather"].height, 0)
    ]


def test_circuit_corners_come_from_the_latest_session_with_circuit_info(db_url):
    refs = bahrain_2024(db_url)
    qualifying = synthetic_frames(5, START, drivers=2, laps=3)
    load(db_url, refs["Q"], qualifying)
    load(db_url, refs["R"], {**synthetic_frames(6, START, drivers=2, laps=3), "circuit_info": None})
    build_staged(db_url)

    markers = qualifying["circuit_info"]
    columns = "kind, number, letter, x, y, angle, distance"
    rows = query(db_url, f"select {columns}, session_id from marts.circuit_corners")
    assert sorted(rows) == sorted(
        (*r, refs["Q"].session_id) for r in markers.select(columns.split(", ")).iter_rows()
    )
    assert {r[0] for r in rows} == {"corner", "marshal_light", "marshal_sector"}
    rotation = "select rotation from marts.circuits where circuit_id = 'bahrain'"
    assert scalar(db_url, rotation) == markers["rotation"][0]

    load(db_url, refs["R"], synthetic_frames(6, START, drivers=2, laps=3))
    build_staged(db_url)
    assert set(query(db_url, "select distinct session_id from marts.circuit_corners")) == {
        (refs["R"].session_id,)
    }


NEW_NAMES = (
    "select driver_number, lap_number, is_deleted, is_fresh_tyre, lap_started_at "
    "from staged.laps order by driver_number, lap_number"
)


def test_new_column_names_carry_the_loaded_values_also_in_a_table_built_before(db_url):
    """staged.laps' booleans and timestamps also under is_/_at names: on a fresh build, and on a
    table of an earlier version without them (incremental: the rows it keeps get them too)."""
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    laps = frames["laps"].with_columns(
        (pl.col("lap_number") == 2).alias("deleted"),
        (pl.col("lap_number") != 3).alias("fresh_tyre"),
    )
    load(db_url, race, {**frames, "laps": laps})
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
