"""Method 2, the ceiling: PostgreSQL loading the same rows by server-side ``COPY ... FROM`` a file.

The rows the loader wrote are exported (``COPY ... TO`` a file, not timed); each load then goes
in as many parallel streams as the loader uses (one per table), each into a fresh partition
shaped like the loader's and created in its stream's transaction (so ``COPY ... FREEZE``),
committed unattached and then attached in one transaction, as the loader does: the fair
ceiling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flows.load.partition_copy import table_columns
from flows.load.raw_tables import (
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    literal,
    partition_index_sql,
    partition_name,
    partition_table_sql,
    quote_ident,
)

FORMATS = ("binary", "csv")


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


def copy_load(conn, streams: list, load_id: str, files: dict[str, Path], fmt: str) -> None:
    """Load the files as the loader loads a session (timed by the caller): one stream per table
    in parallel (``streams``: a connection each, kept across sessions as the loader keeps its
    own), each creating its partition, filling it by ``COPY ... FREEZE`` and committing it
    unattached; the load's transaction (``conn``) attaches them all."""
    with ThreadPoolExecutor(max_workers=len(files)) as pool:
        sent = [
            pool.submit(_side_copy, stream, load_id, table, path, fmt)
            for stream, (table, path) in zip(streams, files.items(), strict=False)
        ]
        for future in sent:
            future.result()
    cursor = conn.cursor()
    for table in files:
        cursor.execute(attach_partition_sql(table, load_id))
    conn.commit()


def _copy(cursor, load_id: str, table: str, path: Path, fmt: str) -> None:
    cursor.execute(partition_table_sql(table, load_id, table_columns(cursor, table), {}))
    cursor.execute(
        f"copy {SCHEMA}.{quote_ident(partition_name(table, load_id))} "
        f"from {literal(str(path))} with (format {fmt}, freeze)"
    )
    cursor.execute(partition_index_sql(table, load_id))


def _side_copy(conn, load_id: str, table: str, path: Path, fmt: str) -> None:
    _copy(conn.cursor(), load_id, table, path, fmt)
    conn.commit()
