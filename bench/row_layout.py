"""The row-per-sample telemetry tables the client-side alternatives write (psycopg, to_sql, ORM).

Those methods send one row per sample, as the earlier layout stored them; their databases get
that layout (partitioned by load, lineage on every row), so each method is measured on what it
can write. Throughput is compared in samples per second.
"""

from __future__ import annotations

from flows.datasets import BY_NAME, LINEAGE
from flows.load.connection import connect
from flows.load.raw_tables import PARTITIONED, create_table_sql


def use_row_layout(url: str) -> None:
    """Replace the compact telemetry tables of ``url`` by row-per-sample ones (still empty)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for table in PARTITIONED:
            cursor.execute(f"drop table raw.{table}")
            schema = {**LINEAGE, **BY_NAME[table].schema}
            cursor.execute(create_table_sql(table, schema) + " partition by list (_load_id)")
        conn.commit()
