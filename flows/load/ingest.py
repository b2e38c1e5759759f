"""Bulk COPY of Polars frames into raw tables through ADBC, streamed in record batches.

A telemetry frame (one load's car data or positions, up to ~600k rows) is encoded as arrays per
driver per minute (``flows.load.telemetry_layout``) and goes into a fresh partition of its own,
in ``STREAMS`` parallel COPY streams: the session's connection sends one
slice inside the load's transaction, side connections send the others and commit them into the
still unattached partition, and the session's transaction attaches it. So the load stays one
transaction for its readers: rows appear in ``raw.<table>`` only when the load commits, and a
failed load leaves an unattached partition that ``drop_orphan_partitions_sql`` removes later.
The lineage columns, constant within a load, are the partition's column defaults and are not
sent with every row.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import polars as pl
import pyarrow as pa
from adbc_driver_manager import AdbcConnection, AdbcStatement, StatementOptions

from flows.datasets import LINEAGE
from flows.load.raw_tables import (
    PARTITION_KEY,
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    literal,
    partition_lock_key,
    partition_name,
    partition_table_sql,
    quote_ident,
)
from flows.load.telemetry_layout import to_chunks

BATCH_ROWS = 50_000  # rows per COPY chunk: bounds the driver's buffer, not the speed
STREAMS = 2  # parallel COPY streams per telemetry frame (one per core of a small machine)
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
        _ingest_partition(cursor, table, frame)
    else:
        cursor.adbc_ingest(table, _reader(frame), mode="append", db_schema_name=SCHEMA)
    return frame.height


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


def _ingest_partition(cursor, table: str, frame: pl.DataFrame) -> None:
    """Fill a new partition for the frame's load in parallel streams, then attach it."""
    constants = _constants(frame)
    load_id = constants[PARTITION_KEY]
    cursor.execute(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))",
        parameters=(partition_lock_key(table, load_id),),
    )
    cursor.execute(_COLUMNS_SQL, parameters=(f"{SCHEMA}.{quote_ident(table)}",))
    columns = [(name, sql_type) for name, sql_type in cursor.fetchall()]
    defaults = {name: literal(value) for name, value in constants.items()}
    main, *others = _slices(to_chunks(frame, list(constants)), STREAMS)
    target = partition_name(table, load_id)
    database = cursor.connection.adbc_database
    side = AdbcConnection(database)  # creates the partition, then sends the first other slice
    try:
        _execute(side, partition_table_sql(table, load_id, columns, defaults))
        with ThreadPoolExecutor(max_workers=max(len(others), 1)) as pool:
            sent = [
                pool.submit(_side_copy, database, target, part, side if i == 0 else None)
                for i, part in enumerate(others)
            ]
            cursor.adbc_ingest(target, _reader(main), mode="append", db_schema_name=SCHEMA)
            for future in sent:
                future.result()
    finally:
        side.close()
    cursor.execute(attach_partition_sql(table, load_id))


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


def _slices(frame: pl.DataFrame, count: int) -> list[pl.DataFrame]:
    size = max(-(-frame.height // count), 1)
    return [frame.slice(start, size) for start in range(0, frame.height, size)]


def _side_copy(database, table: str, frame: pl.DataFrame, conn=None) -> None:
    """COPY one slice over a connection of its own, committed on its own (autocommit)."""
    own = conn is None
    conn = AdbcConnection(database) if own else conn
    try:
        with AdbcStatement(conn) as statement:
            statement.set_options(
                **{
                    StatementOptions.INGEST_TARGET_TABLE.value: table,
                    StatementOptions.INGEST_TARGET_DB_SCHEMA.value: SCHEMA,
                    StatementOptions.INGEST_MODE.value: "adbc.ingest.mode.append",
                }
            )
            statement.bind_stream(_reader(frame))
            statement.execute_update()
    finally:
        if own:
            conn.close()


def _execute(conn: AdbcConnection, sql: str) -> None:
    with AdbcStatement(conn) as statement:
        statement.set_sql_query(sql)
        statement.execute_update()
