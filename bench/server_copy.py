"""Method 2, the ceiling: PostgreSQL loading the same rows by server-side ``COPY ... FROM`` a file.

The rows the loader wrote are exported (``COPY ... TO`` a file, not timed); each load then goes,
in one transaction, into a fresh partition shaped like the loader's (``COPY ... FREEZE``, which
a table created in the same transaction allows), attached like the loader attaches its own.
"""

from __future__ import annotations

from pathlib import Path

from flows.load.raw_tables import (
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    literal,
    partition_name,
    partition_table_sql,
    quote_ident,
)

FORMATS = ("binary", "csv")

_COLUMNS = """
select attname, format_type(atttypid, atttypmod)
from pg_attribute
where attrelid = $1::regclass and attnum > 0 and not attisdropped
order by attnum
"""


def export_load(cursor, load_id: str, directory: Path, fmt: str) -> dict[str, Path]:
    """Write one load's telemetry rows to files the server can read back."""
    files = {}
    for table in PARTITIONED:
        path = directory / f"{table}.{fmt}"
        cursor.execute(
            f"copy (select * from {SCHEMA}.{quote_ident(table)} "
            f"where _load_id = {literal(load_id)}) to {literal(str(path))} with (format {fmt})"
        )
        files[table] = path
    return files


def copy_load(conn, load_id: str, files: dict[str, Path], fmt: str) -> None:
    """Load the files as one transaction (timed by the caller)."""
    cursor = conn.cursor()
    for table, path in files.items():
        cursor.execute(partition_table_sql(table, load_id, table_columns(cursor, table), {}))
        cursor.execute(
            f"copy {SCHEMA}.{quote_ident(partition_name(table, load_id))} "
            f"from {literal(str(path))} with (format {fmt}, freeze)"
        )
        cursor.execute(attach_partition_sql(table, load_id))
    conn.commit()


def table_columns(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(_COLUMNS, parameters=(f"{SCHEMA}.{quote_ident(table)}",))
    return [(name, sql_type) for name, sql_type in cursor.fetchall()]
