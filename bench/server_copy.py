"""Method 2, the ceiling: PostgreSQL loading the same rows by server-side ``COPY ... FROM`` a file.

The rows the loader wrote are exported (``COPY ... TO`` a file, not timed): telemetry, the
other datasets' rows and the load's manifest rows. Each load then goes in the way the loader
writes it: telemetry in as many parallel streams as the loader uses (one per table), each into
a fresh partition shaped like the loader's and created in its stream's transaction (so
``COPY ... FREEZE``), committed unattached and, as the loader's, without waiting for the disk;
meanwhile the other rows are copied into their tables in the load's transaction, which then
attaches the partitions: the fair ceiling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flows.datasets import SESSION_DATASETS
from flows.load.partition_copy import ASYNC_COMMIT, table_columns
from flows.load.raw_tables import (
    MANIFEST,
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    literal,
    partition_index_sql,
    partition_name,
    partition_statistics_sql,
    partition_table_sql,
    quote_ident,
)

FORMATS = ("binary", "csv")
OTHERS = tuple(d.name for d in SESSION_DATASETS if d.name not in PARTITIONED)
_LOAD_COLUMN = {MANIFEST: "load_id"}  # else _load_id


def export_load(cursor, load_id: str, directory: Path, fmt: str) -> dict[str, Path]:
    """Write one load's rows, table by table, to files the server can read back."""
    files = {}
    for table in (*PARTITIONED, *OTHERS, MANIFEST):
        path = directory / f"{table}.{fmt}"
        key = _LOAD_COLUMN.get(table, "_load_id")
        cursor.execute(
            f"copy (select * from {SCHEMA}.{quote_ident(table)} "
            f"where {key} = {literal(load_id)}) to {literal(str(path))} with (format {fmt})"
        )
        files[table] = path
    return files


def copy_load(conn, streams: list, load_id: str, files: dict[str, Path], fmt: str) -> None:
    """Load the files as the loader loads a session (timed by the caller): telemetry in one
    stream per table in parallel (``streams``: a connection each, kept across sessions as the
    loader keeps its own), each creating its partition, filling it by ``COPY ... FREEZE`` and
    committing it unattached; the load's transaction (``conn``) copies the other tables' rows
    meanwhile, then attaches the partitions."""
    telemetry = {table: path for table, path in files.items() if table in PARTITIONED}
    cursor = conn.cursor()
    with ThreadPoolExecutor(max_workers=len(telemetry)) as pool:
        sent = [
            pool.submit(_side_copy, stream, load_id, table, path, fmt)
            for stream, (table, path) in zip(streams, telemetry.items(), strict=False)
        ]
        for table, path in files.items():
            if table not in telemetry:
                cursor.execute(
                    f"copy {SCHEMA}.{quote_ident(table)} "
                    f"from {literal(str(path))} with (format {fmt})"
                )
        for future in sent:
            future.result()
    for table in telemetry:
        cursor.execute(attach_partition_sql(table, load_id))
    conn.commit()


def _copy(cursor, load_id: str, table: str, path: Path, fmt: str) -> None:
    cursor.execute(ASYNC_COMMIT)
    columns = table_columns(cursor, table)
    cursor.execute(partition_table_sql(table, load_id, columns, {}))
    cursor.execute(partition_statistics_sql(table, load_id, columns))
    cursor.execute(
        f"copy {SCHEMA}.{quote_ident(partition_name(table, load_id))} "
        f"from {literal(str(path))} with (format {fmt}, freeze)"
    )
    cursor.execute(partition_index_sql(table, load_id))


def _side_copy(conn, load_id: str, table: str, path: Path, fmt: str) -> None:
    _copy(conn.cursor(), load_id, table, path, fmt)
    conn.commit()
