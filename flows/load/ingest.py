"""Bulk COPY of Polars frames into raw tables through ADBC, streamed in record batches.

Telemetry tables (a partition per load) go their own way: ``flows.load.partition_copy``.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pyarrow as pa

from flows.datasets import LINEAGE
from flows.load.raw_tables import PARTITIONED, SCHEMA

BATCH_ROWS = 50_000  # rows per COPY chunk: bounds the driver's buffer, not the speed


def ingest(cursor, table: str, frame: pl.DataFrame, lineage: dict | None = None) -> int:
    """Append ``frame`` to ``raw.<table>`` inside the cursor's open transaction, the
    ``lineage`` values (``lineage()``), if given, as its first columns; returns rows."""
    if frame.height == 0:
        return 0
    if table in PARTITIONED:
        raise ValueError(f"{table} is loaded by flows.load.partition_copy, a partition per load")
    cursor.adbc_ingest(table, _reader(frame, lineage or {}), mode="append", db_schema_name=SCHEMA)
    return frame.height


def lineage(
    load_id: str, loaded_at: datetime, session_id: str | None = None
) -> dict[str, str | datetime]:
    """The lineage values of a load's rows (and the session's key, if given)."""
    values: dict[str, str | datetime] = {"_load_id": load_id, "_loaded_at": loaded_at}
    if session_id is not None:
        values["session_id"] = session_id
    return values


def with_lineage(
    frame: pl.DataFrame, load_id: str, loaded_at: datetime, session_id: str | None = None
) -> pl.DataFrame:
    """Prefix the lineage columns every raw row carries (and the session's key, if given)."""
    values = lineage(load_id, loaded_at, session_id)
    return frame.select(*(pl.lit(v, LINEAGE[k]).alias(k) for k, v in values.items()), pl.all())


def _reader(frame: pl.DataFrame, lineage: dict) -> pa.RecordBatchReader:
    """The frame as Arrow, each lineage value repeated in a column before it (in Arrow: a
    Polars ``select`` of literals costs several times more on frames this small)."""
    data = frame.to_arrow()
    constants = [
        pa.repeat(pa.scalar(v, _ARROW_LINEAGE[k]), data.num_rows) for k, v in lineage.items()
    ]
    data = pa.Table.from_arrays([*constants, *data.columns], [*lineage, *data.column_names])
    return data.to_reader(max_chunksize=BATCH_ROWS)


_ARROW_LINEAGE = {name: pl.Series(dtype=dtype).to_arrow().type for name, dtype in LINEAGE.items()}
