"""The row-per-sample telemetry tables the client-side alternatives write (psycopg, to_sql, ORM).

Those methods send one row per sample, as the earlier layout stored them; their databases get
that layout (partitioned by load in the same hash buckets, lineage on every row), so each
method is measured on what it can write. Throughput is compared in samples per second.
"""

from __future__ import annotations

import polars as pl

from bench.frames import head_rows, telemetry_loads
from bench.season import SeasonSpec
from flows.datasets import BY_NAME, LINEAGE
from flows.load.connection import connect
from flows.load.partition_copy import table_columns
from flows.load.raw_tables import (
    PARTITIONED,
    attach_partition_sql,
    buckets_sql,
    create_table_sql,
    partition_name,
    partition_table_sql,
)


def use_row_layout(url: str) -> None:
    """Replace the compact telemetry tables of ``url`` by row-per-sample ones (still empty)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for table in PARTITIONED:
            cursor.execute(f"drop table raw.{table}")
            schema = {**LINEAGE, **BY_NAME[table].schema}
            cursor.execute(create_table_sql(table, schema) + " partition by hash (_load_id)")
            for statement in buckets_sql(table):  # a load's partition goes in its bucket
                cursor.execute(statement)
        conn.commit()


def first_session_rows(params: dict, default_rows: int) -> dict[str, pl.DataFrame]:
    """The first ``params['rows']`` telemetry rows of the season's first session (split between
    the tables, with lineage), and their load's partitions in ``params['url']``, empty and
    attached: rows inserted into raw.<table> land there."""
    season = SeasonSpec.from_params(params["season"]).build()
    load_id, frames = next(telemetry_loads(season, 0, 1))
    with connect(params["url"]) as conn:
        cursor = conn.cursor()
        for table in frames:
            cursor.execute(partition_table_sql(table, load_id, table_columns(cursor, table), {}))
            cursor.execute(attach_partition_sql(table, load_id))
        conn.commit()
    return head_rows(frames, params.get("rows", default_rows))


def empty_partitions(url: str, frames: dict[str, pl.DataFrame]) -> None:
    """Remove what an earlier run wrote into the frames' partitions (untimed, between runs)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for table, frame in frames.items():
            load_id = frame["_load_id"][0]
            cursor.execute(f"truncate raw.{partition_name(table, load_id)}")
        conn.commit()
