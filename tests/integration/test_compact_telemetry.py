"""Compact telemetry: staged views give back exactly the loaded samples, the lap views slice and
integrate distance as FastF1 does, and a database of the row-per-sample layout migrates."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import polars as pl
import psycopg
import pytest
from fastf1.core import Telemetry

from flows.config import get_settings
from flows.datasets import BY_NAME, LINEAGE
from flows.load.connection import connect
from flows.load.ingest import ingest, with_lineage
from flows.load.manifest import LOADED, ManifestEntry, manifest_frame
from flows.load.raw_tables import (
    MANIFEST,
    PARTITIONED,
    create_table_sql,
    partition_name,
    quote_ident,
)
from flows.load.telemetry_layout import value_columns
from flows.operator.cli import main
from flows.tasks import prune_telemetry_loads
from flows.transform.dbt import build_staged
from tests.integration.database import LOAD_PARTITIONS, arrow, query, scalar
from tests.integration.loading import bahrain_2024, load
from tests.synthetic import synthetic_frames

pytestmark = pytest.mark.integration

START = datetime(2024, 3, 2, 15, tzinfo=UTC)
KEY = ["session_id", "driver_number", "sampled_at"]
# Earlier queries of the staged telemetry; session_time as microseconds (Polars reads no
# intervals), the rows in key order.
STAGED_ROWS = (
    "select *, (extract(epoch from session_time) * 1000000)::bigint as session_time_us "
    "from staged.{table} order by session_id, driver_number, sampled_at"
)
# What staged.<table> was before the compact layout (its dbt model, as a query): each session's
# latest 'loaded' load of the dataset, one row per key.
ROW_LAYOUT_STAGED = """
select rows.*, (extract(epoch from rows.session_time) * 1000000)::bigint as session_time_us
from raw.{old} as rows
inner join (
    select distinct on (session_id) session_id, load_id
    from raw.load_manifest
    where dataset = '{table}' and status = 'loaded' and session_id is not null
    order by session_id, finished_at desc nulls last, load_id desc
) as latest on rows.session_id = latest.session_id and rows._load_id = latest.load_id
order by rows.session_id, rows.driver_number, rows.sampled_at
"""


def _rows(url: str, sql: str) -> pl.DataFrame:
    frame = pl.from_arrow(arrow(url, sql).drop(["session_time"]))
    return frame.with_columns(
        pl.duration(microseconds=pl.col("session_time_us")).alias("session_time")
    ).drop("session_time_us")


def _expected(frames_by_session: dict[str, pl.DataFrame], table: str) -> pl.DataFrame:
    parts = [
        f[table].with_columns(pl.lit(session_id).alias("session_id"))
        for session_id, f in frames_by_session.items()
    ]
    return pl.concat(parts).sort(KEY)


def _same_samples(got: pl.DataFrame, expected: pl.DataFrame) -> bool:
    columns = list(expected.columns)
    return got.select(columns).sort(KEY).equals(expected.select(columns))


def test_staged_telemetry_is_the_latest_load_of_each_session_sample_for_sample(db_url):
    refs = bahrain_2024(db_url)
    first = synthetic_frames(7, START, drivers=3, laps=4)
    newer = synthetic_frames(8, START, drivers=3, laps=4)
    qualifying = synthetic_frames(9, START, drivers=2, laps=3)
    load(db_url, refs["R"], first)
    newest = load(db_url, refs["R"], newer)[0].load_id
    load(db_url, refs["Q"], qualifying)
    build_staged(db_url)

    latest = {refs["R"].session_id: newer, refs["Q"].session_id: qualifying}
    for table in PARTITIONED:
        got = _rows(db_url, STAGED_ROWS.format(table=table))
        assert _same_samples(got, _expected(latest, table)), table
        race = got.filter(pl.col("session_id") == refs["R"].session_id)
        assert set(race["_load_id"]) == {newest}
        kind = scalar(
            db_url,
            "select table_type from information_schema.tables "
            "where table_schema = 'staged' and table_name = $1",
            table,
        )
        assert kind == "VIEW"
    # one stored copy: a row per driver per minute, not per sample
    samples = first["car_data"].height + newer["car_data"].height + qualifying["car_data"].height
    assert scalar(db_url, "select count(*) from raw.car_data") < samples / 100


def test_session_times_off_the_sample_clock_or_missing_read_back(db_url):
    """FastF1's session time is the sample's time less the session's start, so a row's
    per-sample residuals are all zero and its array is not stored; a session time off that
    clock, or missing, keeps its row's array and reads back as it was."""
    refs = bahrain_2024(db_url)
    frames = synthetic_frames(10, START, drivers=3, laps=3)
    car = frames["car_data"].with_row_index("i")
    drivers = car["driver_number"].unique().sort().to_list()
    frames["car_data"] = car.with_columns(
        pl.when((pl.col("driver_number") == drivers[0]) & (pl.col("i") % 5 == 0))
        .then(pl.col("session_time") + pl.duration(microseconds=3))
        .when((pl.col("driver_number") == drivers[1]) & (pl.col("i") % 7 == 0))
        .then(None)
        .otherwise(pl.col("session_time"))
        .alias("session_time")
    ).drop("i")
    load(db_url, refs["R"], frames)
    build_staged(db_url)

    expected = {refs["R"].session_id: frames}
    for table in PARTITIONED:
        got = _rows(db_url, STAGED_ROWS.format(table=table))
        assert _same_samples(got, _expected(expected, table)), table
    stored = query(
        db_url,
        "select driver_number, count(*) filter (where session_time_us is not null), count(*) "
        "from raw.car_data group by driver_number order by driver_number",
    )
    arrays = {driver: kept for driver, kept, _ in stored}
    assert arrays[drivers[0]] > 0 and arrays[drivers[1]] > 0  # offset or missing times kept
    assert arrays[drivers[2]] == 0 and len(stored) == 3
    assert scalar(db_url, "select count(session_time_us) from raw.position_data") == 0


def test_analyze_skips_a_partitions_arrays_and_keeps_its_keys(db_url):
    """Autovacuum analyzes each new partition: it samples the keys, not the arrays, which it
    would have to decompress."""
    refs = bahrain_2024(db_url)
    load_id = load(db_url, refs["R"], synthetic_frames(11, START, drivers=2, laps=2))[0].load_id
    for table in PARTITIONED:
        partition = partition_name(table, load_id)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(f"analyze raw.{quote_ident(partition)}")
        analyzed = {
            name
            for (name,) in query(
                db_url,
                "select attname from pg_stats where schemaname = 'raw' and tablename = $1",
                partition,
            )
        }
        arrays = {"sampled_us", "session_time_us", *value_columns(BY_NAME[table])}
        assert {"driver_number", "session_time_base"} <= analyzed, table
        assert not analyzed & arrays, table


def test_a_lap_is_sliced_and_its_distance_integrated_as_fastf1_does(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=4)
    load(db_url, race, frames)
    build_staged(db_url)
    lap = frames["laps"].filter((pl.col("driver_number") == "2") & (pl.col("lap_number") == 3))
    end = lap["time"][0]
    start = end - lap["lap_time"][0]  # synthetic laps have no lap_start_time

    car = frames["car_data"].filter(pl.col("driver_number") == "2").to_pandas()
    car = car.rename(columns={"session_time": "SessionTime", "speed": "Speed"})
    car["Time"] = car["SessionTime"]  # FastF1's frames carry it; slicing rebases it on the lap
    sliced = Telemetry(car).slice_by_time(pd.Timedelta(start), pd.Timedelta(end))
    expected = sliced.add_distance()  # FastF1's own slicing and integration

    got = query(
        db_url,
        "select (extract(epoch from time) * 1000000)::bigint, distance, speed "
        "from staged.lap_car_data "
        "where session_id = $1 and driver_number = '2' and lap_number = 3 order by session_time",
        race.session_id,
    )
    assert [t for t, _, _ in got] == [
        int(t / pd.Timedelta(microseconds=1)) for t in expected["Time"]
    ]
    assert [s for _, _, s in got] == expected["Speed"].tolist()
    assert np.allclose([d for _, d, _ in got], expected["Distance"].to_numpy())
    positions = scalar(
        db_url,
        "select count(*) from staged.lap_position_data "
        "where session_id = $1 and driver_number = '2' and lap_number = 3",
        race.session_id,
    )
    position = frames["position_data"].filter(pl.col("driver_number") == "2")
    assert positions == position.filter(pl.col("session_time").is_between(start, end)).height


def _row_layout_tables(url: str) -> None:
    """The telemetry tables as the previous version made them: car_data partitioned by load,
    position_data plain (a database from before partitioning), a row per sample."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for table in PARTITIONED:
            cursor.execute(f"drop table raw.{table}")
            create = create_table_sql(table, {**LINEAGE, **BY_NAME[table].schema})
            partitioned = table == "car_data"
            cursor.execute(create + (" partition by list (_load_id)" if partitioned else ""))
            cursor.execute(
                f"create index {table}_load_idx on raw.{quote_ident(table)} (session_id, _load_id)"
            )
        conn.commit()


def _row_layout_load(url: str, ref, frames) -> str:
    """A load as the previous version wrote it: telemetry one row per sample."""
    entries = load(url, ref, {k: v for k, v in frames.items() if k not in PARTITIONED})
    load_id, loaded_at = entries[0].load_id, datetime.now(UTC)
    with connect(url) as conn:
        cursor = conn.cursor()
        for table in PARTITIONED:
            if table == "car_data":
                cursor.execute(
                    f"create table raw.{partition_name(table, load_id)} partition of "
                    f"raw.{table} for values in ('{load_id}')"
                )
            rows = with_lineage(frames[table], load_id, loaded_at, ref.session_id)
            cursor.adbc_ingest(table, rows.to_arrow(), mode="append", db_schema_name="raw")
        manifest = [
            ManifestEntry(
                load_id=load_id,
                season=2024,
                event_id=ref.event_id,
                session_id=ref.session_id,
                dataset=table,
                status=LOADED,
                complete=True,
                row_count=frames[table].height,
                detail=None,
                fastf1_version="3.9",
                started_at=loaded_at,
                finished_at=datetime.now(UTC),
            )
            for table in PARTITIONED
        ]
        ingest(cursor, MANIFEST, manifest_frame(manifest))
        conn.commit()
    return load_id


def test_a_database_of_the_row_layout_migrates_and_answers_the_same_rows(db_url):
    refs = bahrain_2024(db_url)
    _row_layout_tables(db_url)
    loads = [
        _row_layout_load(db_url, refs["R"], synthetic_frames(7, START, drivers=3, laps=4)),
        _row_layout_load(db_url, refs["R"], synthetic_frames(8, START, drivers=3, laps=4)),
        _row_layout_load(db_url, refs["Q"], synthetic_frames(9, START, drivers=2, laps=3)),
    ]
    before = {t: _rows(db_url, ROW_LAYOUT_STAGED.format(old=t, table=t)) for t in PARTITIONED}
    with connect(db_url) as conn:  # the previous version's staged telemetry: tables
        cursor = conn.cursor()
        cursor.execute("create schema staged")
        for table in PARTITIONED:
            cursor.execute(f"create table staged.{table} as select * from raw.{table}")
        conn.commit()

    bahrain_2024(db_url)  # the DDL run of the new version converts the tables
    build_staged(db_url)

    for table in PARTITIONED:
        after = _rows(db_url, STAGED_ROWS.format(table=table))
        assert before[table].height > 0
        assert _same_samples(after, before[table].drop(["_built_at"], strict=False)), table
        bounds = query(db_url, LOAD_PARTITIONS, f"raw.{table}")
        assert sorted(b for _, b in bounds) == sorted(f"FOR VALUES IN ('{i}')" for i in loads)
    leftovers = query(
        db_url,
        "select relname from pg_class where relname like '%rows_v1%' and relkind in ('r', 'p')",
    )
    assert leftovers == []
    # and it goes on loading in the new layout; laps, a table before, becomes incremental
    with connect(db_url) as conn:
        conn.cursor().execute("alter table staged.laps drop column _built_at")
        conn.commit()
    newest = synthetic_frames(10, START, drivers=2, laps=3)
    load(db_url, refs["R"], newest)
    build_staged(db_url)
    laps = "select count(*) from staged.laps where session_id = $1 and _built_at is not null"
    assert scalar(db_url, laps, refs["R"].session_id) == newest["laps"].height
    race = _rows(db_url, STAGED_ROWS.format(table="car_data")).filter(
        pl.col("session_id") == refs["R"].session_id
    )
    assert _same_samples(race, _expected({refs["R"].session_id: newest}, "car_data"))


def test_prune_keeps_the_latest_two_loads_of_each_session_and_the_whole_manifest(db_url, capsys):
    refs = bahrain_2024(db_url)
    race = [
        load(db_url, refs["R"], synthetic_frames(seed, START, drivers=2, laps=2))[0].load_id
        for seed in (1, 2, 3)
    ]
    qualifying = load(db_url, refs["Q"], synthetic_frames(4, START, drivers=2, laps=2))
    manifest = scalar(db_url, "select count(*) from raw.load_manifest")

    assert main(["prune"]) == 0
    assert "car_data: 1 superseded loads dropped" in capsys.readouterr().out
    for table in PARTITIONED:
        kept = query(
            db_url,
            f"select distinct _load_id from raw.{table} order by 1",
        )
        assert [k for (k,) in kept] == sorted([*race[1:], qualifying[0].load_id])
    assert scalar(db_url, "select count(*) from raw.load_manifest") == manifest
    assert main(["prune", "--keep", "0"]) == 1
    assert capsys.readouterr().err.startswith("error: keep at least")


def test_the_flows_prune_task_keeps_telemetry_keep_loads_per_session(db_url, monkeypatch):
    refs = bahrain_2024(db_url)
    race = [
        load(db_url, refs["R"], synthetic_frames(seed, START, drivers=2, laps=2))[0].load_id
        for seed in (1, 2, 3)
    ]
    loads = "select count(distinct _load_id) from raw.{table}"

    monkeypatch.setenv("TELEMETRY_KEEP_LOADS", "0")  # keep everything
    get_settings.cache_clear()
    assert prune_telemetry_loads.fn() == {}
    assert scalar(db_url, loads.format(table="car_data")) == 3

    monkeypatch.setenv("TELEMETRY_KEEP_LOADS", "1")
    get_settings.cache_clear()
    assert prune_telemetry_loads.fn() == {"car_data": 2, "position_data": 2}
    for table in PARTITIONED:
        assert query(db_url, f"select distinct _load_id from raw.{table}") == [(race[-1],)]
    get_settings.cache_clear()
