"""Bulk COPY of Polars frames into raw tables through ADBC, streamed in record batches."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pyarrow as pa

from flows.load.raw_tables import SCHEMA

BATCH_ROWS = 250_000


def ingest(cursor, table: str, frame: pl.DataFrame) -> int:
    """Append ``frame`` to ``raw.<table>`` inside the cursor's open transaction; returns rows."""
    if frame.height == 0:
        return 0
    arrow = frame.to_arrow()
    reader = pa.RecordBatchReader.from_batches(
        arrow.schema, arrow.to_batches(max_chunksize=BATCH_ROWS)
    )
    cursor.adbc_ingest(table, reader, mode="append", db_schema_name=SCHEMA)
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
