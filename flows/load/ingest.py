"""Bulk COPY of Polars frames into raw tables through ADBC, streamed in record batches.

A load's telemetry frames (car data and positions, up to ~600k rows each) are encoded as arrays
per driver per minute (``flows.load.telemetry_layout``), each into a fresh partition of its own,
one COPY stream per table in parallel (``STREAMS``): the session's connection creates and fills
the first table's partition inside the load's transaction; a side connection, cloned from the
same ADBC database, encodes and commits the other into its still unattached partition meanwhile;
then the load's transaction attaches them. So the load stays one transaction for its readers:
rows appear in ``raw.<table>`` only when the load commits, and a failed load leaves an
unattached partition that ``drop_orphan_partitions_sql`` removes later. The lineage columns,
constant within a load, are the partitions' column defaults and are not sent with every row.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import polars as pl
import pyarrow as pa

from flows.datasets import LINEAGE
from flows.load.raw_tables import (
    PARTITION_KEY,
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    literal,
    partition_index_sql,
    partition_lock_key,
    partition_name,
    partition_table_sql,
    quote_ident,
)
from flows.load.telemetry_layout import to_chunks

BATCH_ROWS = 50_000  # rows per COPY chunk: bounds the driver's buffer, not the speed
STREAMS = len(PARTITIONED)  # parallel COPY streams of a load: one per telemetry table
CHUNK_SAMPLES = 240  # about the samples in one telemetry row (a driver's minute at 4 Hz)

_COLUMNS_SQL = """
select attname, format_type(atttypid, atttypmod)
from pg_attribute
where attrelid = $1::regclass and attnum > 0 and not attisdropped
order by attnum
"""


def ingest(cursor, table: str, frame: pl.DataFrame) -> int:
    """Append ``frame`` to ``raw.<table>`` inside the cursor's open transaction; returns rows."""
    if frame.height == 0:
        return 0
    if table in PARTITIONED:
        ingest_partitions(cursor, {table: frame})
    else:
        cursor.adbc_ingest(table, _reader(frame), mode="append", db_schema_name=SCHEMA)
    return frame.height


def ingest_partitions(cursor, frames: dict[str, pl.DataFrame]) -> None:
    """Each frame (one load of a partitioned table) into a new partition, one stream per table
    in parallel, attached in the cursor's open transaction."""
    frames = {table: frame for table, frame in frames.items() if frame.height}
    if not frames:
        return
    plans = [_plan(cursor, table, frame) for table, frame in frames.items()]
    (main, *others) = plans
    side = cursor.connection.adbc_clone() if others else None
    try:
        with ThreadPoolExecutor(max_workers=max(len(others), 1)) as pool:
            sent = [pool.submit(_side_copy, side, plan) for plan in others]
            _copy(cursor, main)
            for future in sent:
                future.result()
    finally:
        if side is not None:
            side.close()
    for table, load_id, *_ in plans:
        cursor.execute(attach_partition_sql(table, load_id))


def with_lineage(
    frame: pl.DataFrame, load_id: str, loaded_at: datetime, session_id: str | None = None
) -> pl.DataFrame:
    """Prefix the lineage columns every raw row carries (and the session's key, if given)."""
    lineage = [
        pl.lit(load_id, pl.String).alias("_load_id"),
        pl.lit(loaded_at, pl.Datetime("us", "UTC")).alias("_loaded_at"),
    ]
    if session_id is not None:
        lineage.append(pl.lit(session_id, pl.String).alias("session_id"))
    return frame.select(*lineage, pl.all())


def _reader(frame: pl.DataFrame) -> pa.RecordBatchReader:
    rows = BATCH_ROWS
    if any(isinstance(dtype, pl.List) for dtype in frame.dtypes):
        rows = max(BATCH_ROWS // CHUNK_SAMPLES, 1)  # a telemetry row holds a minute of samples
    return frame.to_arrow().to_reader(max_chunksize=rows)


def _plan(cursor, table: str, frame: pl.DataFrame) -> tuple[str, str, str, pl.DataFrame, list]:
    """(table, load id, the partition's CREATE TABLE, the frame, its lineage columns); the load's
    transaction holds the partition's advisory lock until it commits or rolls back."""
    constants = _constants(frame)
    load_id = constants[PARTITION_KEY]
    cursor.execute(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))",
        parameters=(partition_lock_key(table, load_id),),
    )
    cursor.execute(_COLUMNS_SQL, parameters=(f"{SCHEMA}.{quote_ident(table)}",))
    columns = [(name, sql_type) for name, sql_type in cursor.fetchall()]
    defaults = {name: literal(value) for name, value in constants.items()}
    create = partition_table_sql(table, load_id, columns, defaults)
    return table, load_id, create, frame, list(constants)


def _copy(cursor, plan) -> None:
    """Create the partition, encode the frame, COPY it and index it, in the cursor's
    transaction."""
    table, load_id, create, frame, lineage = plan
    cursor.execute(create)
    chunks = to_chunks(frame, lineage)
    cursor.adbc_ingest(
        partition_name(table, load_id), _reader(chunks), mode="append", db_schema_name=SCHEMA
    )
    cursor.execute(partition_index_sql(table, load_id))


def _side_copy(conn, plan) -> None:
    """The same on a side connection, committed on its own into the unattached partition."""
    try:
        _copy(conn.cursor(), plan)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _constants(frame: pl.DataFrame) -> dict[str, str | datetime]:
    """The lineage values of the frame's rows, which must be one load of one session."""
    present = [name for name in LINEAGE if name in frame.columns]
    if PARTITION_KEY not in present:
        raise ValueError(f"a partitioned raw table needs {PARTITION_KEY} on every row")
    first = frame.row(0, named=True)
    same = frame.select(
        (pl.col(name) == first[name]).all(ignore_nulls=False)
        for name in present
        if first[name] is not None
    )
    if len(same.columns) < len(present) or not all(same.row(0)):
        raise ValueError(f"one frame must hold exactly one value of each of {present}")
    return {name: first[name] for name in present}
