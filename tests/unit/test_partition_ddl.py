"""DDL of the telemetry partitions: one per load, named after it, lineage as column defaults."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flows.load.raw_tables import (
    PARTITIONED,
    attach_partition_sql,
    ddl_statements,
    drop_orphan_partitions_sql,
    literal,
    partition_lock_key,
    partition_name,
    partition_table_sql,
)

LOAD_ID = "0f4e2a9c-5b1d-4c3e-9a7f-2d6b8e1c0a35"


def test_only_telemetry_tables_are_partitioned_by_load():
    creates = [s for s in ddl_statements() if s.startswith("create table if not exists")]

    partitioned = [s for s in creates if s.endswith(" partition by list (_load_id)")]
    assert len(partitioned) == len(PARTITIONED)
    for table in PARTITIONED:
        assert any(f'raw."{table}" (' in s for s in partitioned), table


def test_the_ddl_run_ends_by_dropping_orphan_partitions():
    assert ddl_statements()[-1] == drop_orphan_partitions_sql()


def test_a_partition_is_named_after_its_load_and_fits_an_identifier():
    name = partition_name("position_data", LOAD_ID)

    assert name == "position_data__" + LOAD_ID.replace("-", "")
    assert len(name) <= 63
    assert re.fullmatch(r"car_data__[0-9a-f]{32}", partition_name("car_data", "not a uuid"))
    assert partition_lock_key("car_data", LOAD_ID) == f"raw.{partition_name('car_data', LOAD_ID)}"


def test_lineage_constants_become_defaults_and_the_bound_a_check():
    loaded_at = datetime(2024, 3, 2, 15, 0, 0, 123456, tzinfo=UTC)
    sql = partition_table_sql(
        "car_data",
        LOAD_ID,
        [("_load_id", "text"), ("_loaded_at", "timestamp with time zone"), ("rpm", "integer")],
        {"_load_id": literal(LOAD_ID), "_loaded_at": literal(loaded_at)},
    )

    assert sql.startswith(f'create table raw."{partition_name("car_data", LOAD_ID)}" (')
    assert f"\"_load_id\" text not null default '{LOAD_ID}'" in sql
    assert "default '2024-03-02T15:00:00.123456+00:00'::timestamptz" in sql
    assert '"rpm" integer,' in sql
    assert f"check (\"_load_id\" = '{LOAD_ID}')" in sql


def test_attach_names_the_load_as_the_partition_bound():
    assert attach_partition_sql("car_data", LOAD_ID) == (
        f'alter table raw."car_data" attach partition '
        f"raw.\"{partition_name('car_data', LOAD_ID)}\" for values in ('{LOAD_ID}')"
    )


def test_literals_escape_quotes():
    assert literal("it's") == "'it''s'"
