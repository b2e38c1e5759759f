"""A load's telemetry into partitions of its own, by ``COPY ... FREEZE`` on psycopg streams.

Car data and positions (up to ~600k samples each per session) are encoded as arrays per driver
per minute (``flows.load.telemetry_layout``), then in PostgreSQL's binary COPY format
(``flows.load.copy_binary``), sent a block at a time. One stream per table
(``STREAMS``), in parallel, each on a psycopg connection of its own (``copy_connection``): in
one transaction it creates the load's partition as a standalone table (no planner statistics
for its arrays: ``partition_statistics_sql``), fills it by ``COPY ... FROM STDIN WITH (FREEZE)``
(rows are written frozen, so no later vacuum rewrites them; ADBC cannot send FREEZE) and
indexes it. The load's own transaction holds each
partition's advisory lock, writes the other datasets while the streams send, then attaches the
partitions, so rows appear in ``raw.<table>`` only when the load commits; a failed load leaves
unattached tables that ``drop_orphan_partitions_sql`` removes later. The lineage columns,
constant within a load, are the partitions' column defaults and are not sent with every row.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from flows.load.connection import copy_connection
from flows.load.copy_binary import encode
from flows.load.raw_tables import (
    PARTITION_KEY,
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    literal,
    partition_index_sql,
    partition_lock_key,
    partition_name,
    partition_statistics_sql,
    partition_table_sql,
    quote_ident,
)
from flows.load.telemetry_layout import to_chunks

STREAMS = len(PARTITIONED)  # parallel COPY streams of a load: one per telemetry table
BATCH_ROWS = 200  # array rows per block sent (~2 MB)
# A stream's commit does not wait for its WAL to reach disk: the load's commit, which attaches
# the partition after it, does, and flushes the stream's with its own. A crash in between
# leaves an unattached table, which drop_orphan_partitions_sql removes.
ASYNC_COMMIT = "set local synchronous_commit = off"

_COLUMNS = """
select attname, format_type(atttypid, atttypmod)
from pg_attribute
where attrelid = $1::regclass and attnum > 0 and not attisdropped
order by attnum
"""


@dataclass(frozen=True)
class Partition:
    """One table's part of a load: its samples (without lineage) and the partition's DDL."""

    table: str
    load_id: str
    samples: pl.DataFrame
    create: list[str]  # the table, then its statistics targets


@contextmanager
def partitions_streaming(
    cursor, frames: dict[str, pl.DataFrame], lineage: dict[str, str | datetime]
) -> Iterator[None]:
    """Each frame (samples of one load, without the ``lineage`` columns) into a new partition
    of its table; the body runs on ``cursor`` while the streams send. On exit every stream has
    ended and the partitions are attached in the cursor's open transaction."""
    parts = [
        _plan(cursor, table, frame, lineage) for table, frame in frames.items() if frame.height
    ]
    with ThreadPoolExecutor(max_workers=max(len(parts), 1)) as pool:
        sent = [pool.submit(_stream, cursor.connection, part) for part in parts]
        try:
            yield
        finally:
            _wait(sent)
    for part in parts:
        cursor.execute(attach_partition_sql(part.table, part.load_id))


def table_columns(cursor, table: str) -> list[tuple[str, str]]:
    """``raw.<table>``'s columns as PostgreSQL has them: (name, SQL type), in order."""
    cursor.execute(_COLUMNS, parameters=(f"{SCHEMA}.{quote_ident(table)}",))
    return [(name, sql_type) for name, sql_type in cursor.fetchall()]


def _wait(sent: list[Future]) -> None:
    """Every stream ends (committed or rolled back) before the first failure is raised."""
    for future in sent:
        future.exception()
    for future in sent:
        future.result()


def _plan(cursor, table: str, frame: pl.DataFrame, lineage: dict) -> Partition:
    """The partition's CREATE TABLE (lineage as column defaults); the load's transaction holds
    the partition's advisory lock until it commits or rolls back."""
    load_id = str(lineage[PARTITION_KEY])
    cursor.execute(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))",
        parameters=(partition_lock_key(table, load_id),),
    )
    cursor.fetchall()
    columns = table_columns(cursor, table)
    defaults = {name: literal(value) for name, value in lineage.items() if value is not None}
    create = [
        partition_table_sql(table, load_id, columns, defaults),
        partition_statistics_sql(table, load_id, columns),
    ]
    return Partition(table, load_id, frame, create)


def _stream(conn, part: Partition) -> None:
    """Create, fill (COPY FREEZE: the table is new in this transaction) and index the
    partition, committed on a connection of the stream's own."""
    chunks = to_chunks(part.samples)
    target = f"{SCHEMA}.{quote_ident(partition_name(part.table, part.load_id))}"
    columns = ", ".join(quote_ident(name) for name in chunks.schema.names)
    statement = f"copy {target} ({columns}) from stdin (format binary, freeze)"
    with copy_connection(conn) as stream, stream.transaction(), stream.cursor() as cursor:
        cursor.execute(ASYNC_COMMIT)
        for ddl in part.create:
            cursor.execute(ddl)
        with cursor.copy(statement) as copy:
            for block in encode(chunks, BATCH_ROWS):
                copy.write(block)
        cursor.execute(partition_index_sql(part.table, part.load_id))
