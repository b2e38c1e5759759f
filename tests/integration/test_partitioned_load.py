"""Telemetry loads into one partition per load: attached in the load's transaction, orphans of
failed loads dropped by the next DDL run unless their load is still running, old plain tables
converted to the compact layout."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from flows.datasets import BY_NAME, LINEAGE
from flows.load import partition_copy
from flows.load.connection import connect
from flows.load.raw_tables import PARTITIONED, create_table_sql, partition_lock_key, partition_name
from flows.transform.dbt import build_staged
from tests.integration.database import LOAD_PARTITIONS, query, scalar
from tests.integration.loading import bahrain_2024, create_raw_tables, load
from tests.synthetic import synthetic_frames

pytestmark = pytest.mark.integration

START = datetime(2024, 3, 2, 15, tzinfo=UTC)
UNATTACHED = (
    "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
    "where n.nspname = 'raw' and c.relkind = 'r' and not c.relispartition "
    "and c.relname like '%\\_\\_%' order by 1"
)


def _plain_tables(url: str, tables: tuple[str, ...]) -> None:
    """Tables as created before partitioning and the compact layout: a row per sample."""
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute("create schema raw")
        for table in tables:
            cursor.execute(create_table_sql(table, {**LINEAGE, **BY_NAME[table].schema}))
        conn.commit()


def test_each_load_is_one_partition_holding_exactly_its_frame(db_url, monkeypatch):
    monkeypatch.setattr(partition_copy, "BATCH_ROWS", 2)  # several batches per stream
    refs = bahrain_2024(db_url)
    frames = {
        ref: synthetic_frames(seed, START, drivers=3, laps=4) for seed, ref in enumerate("QR")
    }
    load_ids = {ref: load(db_url, refs[ref], f)[0].load_id for ref, f in frames.items()}

    for table in PARTITIONED:
        partitions = query(db_url, LOAD_PARTITIONS, f"raw.{table}")
        assert sorted(bound for _, bound in partitions) == sorted(
            f"FOR VALUES IN ('{load_id}')" for load_id in load_ids.values()
        )
        for ref, load_id in load_ids.items():
            stored = query(
                db_url,
                f"select session_id, _load_id, sum(cardinality(sampled_us))::bigint "
                f"from raw.{table} where _load_id = $1 group by 1, 2",
                load_id,
            )
            assert stored == [(refs[ref].session_id, load_id, frames[ref][table].height)]
    rpm = query(db_url, "select unnest(rpm) from raw.car_data where _load_id = $1", load_ids["R"])
    assert sorted(r for (r,) in rpm) == sorted(frames["R"]["car_data"]["rpm"].to_list())


def test_a_failed_load_leaves_no_rows_and_the_next_ddl_run_drops_its_partitions(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    # car data's stream fails; positions' stream commits its partition, never attached
    broken = frames["car_data"].with_columns(pl.col("rpm").cast(pl.String))
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        load(db_url, race, {**frames, "car_data": broken})

    assert [scalar(db_url, f"select count(*) from raw.{t}") for t in PARTITIONED] == [0, 0]
    assert [name.split("__")[0] for (name,) in query(db_url, UNATTACHED)] == ["position_data"]
    create_raw_tables(db_url)
    assert query(db_url, UNATTACHED) == []


def test_the_ddl_run_keeps_the_partition_of_a_load_still_running(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    broken = frames["car_data"].with_columns(pl.col("rpm").cast(pl.String))
    with pytest.raises(Exception):  # noqa: B017
        load(db_url, race, {**frames, "car_data": broken})
    (orphan, *_) = [name for (name,) in query(db_url, UNATTACHED)]
    table, digits = orphan.split("__")
    load_id = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"

    with connect(db_url) as running:  # holds the lock a load holds until it commits
        cursor = running.cursor()
        cursor.execute(
            "select pg_advisory_xact_lock(hashtextextended($1, 0))",
            parameters=(partition_lock_key(table, load_id),),
        )
        create_raw_tables(db_url)
        assert orphan in {name for (name,) in query(db_url, UNATTACHED)}
        running.rollback()
    create_raw_tables(db_url)
    assert query(db_url, UNATTACHED) == []


def test_telemetry_tables_made_before_partitioning_are_converted_and_loaded(db_url):
    _plain_tables(db_url, PARTITIONED)
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    load(db_url, race, frames)

    kinds = query(
        db_url,
        "select c.relname, c.relkind from pg_class as c join pg_namespace as n "
        "on n.oid = c.relnamespace where n.nspname = 'raw' "
        "and c.relname in ('car_data', 'position_data') order by 1",
    )
    assert kinds == [("car_data", "p"), ("position_data", "p")]
    for table in PARTITIONED:
        samples = f"select sum(cardinality(sampled_us)) from raw.{table}"
        assert scalar(db_url, samples) == frames[table].height


def test_a_column_a_newer_fastf1_adds_reaches_the_partition(db_url):
    race = bahrain_2024(db_url)["R"]
    frames = synthetic_frames(7, START, drivers=2, laps=3)
    car = frames["car_data"].with_columns(pl.lit(1.5).alias("new_metric"))
    load(db_url, race, {**frames, "car_data": car})

    stored = "select count(x) from raw.car_data, unnest(new_metric) as x"
    assert scalar(db_url, stored) == car.height


PARTITION_INDEXES = (
    "select i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid) from pg_index as i "
    "join pg_partition_tree($1::regclass) as tree on tree.relid = i.indrelid "
    "where tree.isleaf order by 1"
)


def test_each_partition_has_its_own_index_and_earlier_partitioned_indexes_go(db_url):
    refs = bahrain_2024(db_url)
    with connect(db_url) as conn:  # as an earlier version made them: one partitioned index
        cursor = conn.cursor()
        for table in PARTITIONED:
            cursor.execute(
                f"create index {table}_chunk_idx on raw.{table} (driver_number, session_time_base)"
            )
        conn.commit()
    earlier = load(db_url, refs["Q"], synthetic_frames(1, START, drivers=2, laps=2))[0].load_id
    create_raw_tables(db_url)
    later = load(db_url, refs["R"], synthetic_frames(2, START, drivers=2, laps=2))[0].load_id

    for table in PARTITIONED:
        assert scalar(db_url, "select to_regclass($1)::text", f"raw.{table}_chunk_idx") is None
        indexes = query(db_url, PARTITION_INDEXES, f"raw.{table}")
        assert sorted(name for name, _ in indexes) == sorted(
            f"raw.{partition_name(table, load_id)}" for load_id in (earlier, later)
        )  # one index each
        assert all(
            definition.endswith("USING btree (driver_number, session_time_base)")
            for _, definition in indexes
        )


HEAP_PAGES = (
    "select pg_relation_size($1::regclass) / current_setting('block_size')::int, "
    "(pg_visibility_map_summary($1::regclass)).all_frozen"
)
TOAST_TUPLES = (  # HEAP_XMIN_FROZEN = 0x0300 in t_infomask
    "select count(*), count(*) filter (where t.t_infomask & 768 = 768) "
    "from pg_class as c, generate_series(0, pg_relation_size(c.reltoastrelid) / "
    "current_setting('block_size')::int - 1) as page, "
    "heap_page_items(get_raw_page(c.reltoastrelid::regclass::text, page::int)) as t "
    "where c.oid = $1::regclass"
)


def test_telemetry_rows_are_written_frozen_so_no_vacuum_freezes_them_again(db_url):
    race = bahrain_2024(db_url)["R"]
    load_id = load(db_url, race, synthetic_frames(7, START, drivers=2, laps=3))[0].load_id
    with connect(db_url) as conn:
        for extension in ("pg_visibility", "pageinspect"):
            conn.cursor().execute(f"create extension if not exists {extension}")
        conn.commit()

    for table in PARTITIONED:
        partition = f"raw.{partition_name(table, load_id)}"
        pages, frozen = query(db_url, HEAP_PAGES, partition)[0]
        assert pages > 0 and frozen == pages  # every heap page marked all-frozen
        tuples, frozen_tuples = query(db_url, TOAST_TUPLES, partition)[0]
        assert tuples > 0 and frozen_tuples == tuples  # the compressed arrays' chunks as well


def _one_level(url: str) -> None:
    """Telemetry tables as the previous version made them: list-partitioned by load, one level
    (the loads' partitions moved there from their buckets)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for table in PARTITIONED:
            cursor.execute(
                f"create table raw.{table}_one (like raw.{table} including defaults) "
                "partition by list (_load_id)"
            )
            for name, bound in query(url, LOAD_PARTITIONS, f"raw.{table}"):
                cursor.execute(
                    "select inhparent::regclass::text from pg_inherits "
                    "where inhrelid = $1::regclass",
                    parameters=(f"raw.{name}",),
                )
                (bucket,) = cursor.fetchone()
                cursor.execute(f"alter table {bucket} detach partition raw.{name}")
                cursor.execute(f"alter table raw.{table}_one attach partition raw.{name} {bound}")
            cursor.execute(f"drop table raw.{table} cascade")
            cursor.execute(f"alter table raw.{table}_one rename to {table}")
        conn.commit()


def test_tables_of_one_level_move_to_buckets_keeping_every_load_and_the_staged_rows(db_url):
    refs = bahrain_2024(db_url)
    frames = {
        ref: synthetic_frames(seed, START, drivers=2, laps=3) for seed, ref in enumerate("QR")
    }
    for ref, f in frames.items():
        load(db_url, refs[ref], f)
    partitions = {table: query(db_url, LOAD_PARTITIONS, f"raw.{table}") for table in PARTITIONED}
    _one_level(db_url)
    build_staged(db_url)
    staged = (
        "select session_id, driver_number, sampled_at, {column} from staged.{table} "
        "order by 1, 2, 3"
    )
    columns = {"car_data": "rpm", "position_data": "x"}
    before = {t: query(db_url, staged.format(table=t, column=c)) for t, c in columns.items()}
    assert all(
        len(rows) == frames["Q"][t].height + frames["R"][t].height for t, rows in before.items()
    )

    create_raw_tables(db_url)  # the next run's DDL step
    build_staged(db_url, changed_only=True)  # nothing new loaded: still a full build

    for table in PARTITIONED:
        assert scalar(db_url, "select pg_get_partkeydef($1::regclass)", f"raw.{table}") == (
            "HASH (_load_id)"
        )
        assert query(db_url, LOAD_PARTITIONS, f"raw.{table}") == partitions[table]
        assert query(db_url, staged.format(table=table, column=columns[table])) == before[table]
    assert scalar(db_url, "select to_regclass('raw.car_data_by_load')") is None
    race = load(db_url, refs["R"], synthetic_frames(9, START, drivers=2, laps=3))[0].load_id
    for table in PARTITIONED:
        loads = scalar(db_url, f"select count(distinct _load_id) from raw.{table}")
        assert loads == 3 and race in {
            b.split("'")[1] for _, b in query(db_url, LOAD_PARTITIONS, f"raw.{table}")
        }
