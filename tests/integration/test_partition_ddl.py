"""DDL of the telemetry partitions, run on PostgreSQL and read back from its catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.load.connection import connect
from flows.load.raw_tables import (
    attach_partition_sql,
    literal,
    partition_name,
    partition_table_sql,
)
from tests.integration.database import LOAD_PARTITIONS, query, scalar

pytestmark = pytest.mark.integration

LOAD_ID = "0f4e2a9c-5b1d-4c3e-9a7f-2d6b8e1c0a35"
# Not a UUID, and longer than PostgreSQL's identifiers (63 bytes) with the table's name.
ODD_LOAD_ID = "a load id that is no UUID and far longer than any identifier PostgreSQL keeps"
LOADED_AT = datetime(2024, 3, 2, 15, 0, 0, 123456, tzinfo=UTC)


def _attach_partition(url: str, table: str, load_id: str) -> None:
    """A load's partition, shaped like raw.<table> as PostgreSQL has it, made and attached."""
    columns = query(
        url,
        "select attname::text, format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum",
        f"raw.{table}",
    )
    lineage = {"_load_id": literal(load_id), "_loaded_at": literal(LOADED_AT)}
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute(partition_table_sql(table, load_id, columns, lineage))
        cursor.execute(attach_partition_sql(table, load_id))
        conn.commit()


def test_only_the_telemetry_tables_are_partitioned_by_load_in_16_buckets(raw_db):
    keys = query(
        raw_db,
        "select relname::text, pg_get_partkeydef(oid) from pg_class "
        "where relnamespace = 'raw'::regnamespace and relkind = 'p' order by 1",
    )

    expected = []
    for table in ("car_data", "position_data"):
        expected.append((table, "HASH (_load_id)"))
        expected += [(f"{table}__b{bucket:02d}", "LIST (_load_id)") for bucket in range(16)]
    assert keys == sorted(expected)


@pytest.mark.parametrize("table", ["car_data", "position_data"])
def test_each_load_s_partition_keeps_its_whole_name_and_its_load_as_bound(raw_db, table):
    for load_id in (LOAD_ID, ODD_LOAD_ID):
        _attach_partition(raw_db, table, load_id)

    bounds = query(raw_db, LOAD_PARTITIONS, f"raw.{table}")

    # PostgreSQL would cut a longer name to 63 bytes: the names it keeps are the ones asked for
    assert sorted(bounds) == sorted(
        (partition_name(table, load_id), f"FOR VALUES IN ('{load_id}')")
        for load_id in (LOAD_ID, ODD_LOAD_ID)
    )


def test_rows_sent_without_lineage_get_the_load_s_and_no_other_load_fits(raw_db):
    _attach_partition(raw_db, "car_data", LOAD_ID)
    partition = f'raw."{partition_name("car_data", LOAD_ID)}"'
    with connect(raw_db) as conn:
        conn.cursor().execute(f"insert into {partition} (session_id) values ('s')")
        conn.commit()

    assert query(raw_db, "select _load_id, _loaded_at from raw.car_data") == [(LOAD_ID, LOADED_AT)]
    with connect(raw_db) as conn, pytest.raises(Exception, match="violates check constraint"):
        conn.cursor().execute(f"insert into {partition} (_load_id) values ('another load')")


@pytest.mark.parametrize("value", ["it's", "''", "back\\slash", "Pérez", LOADED_AT])
def test_literals_read_back_as_the_value(raw_db, value):
    assert scalar(raw_db, f"select {literal(value)}") == value
