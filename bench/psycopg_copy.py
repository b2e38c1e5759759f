"""Method 3: psycopg's ``COPY ... FROM STDIN``, fed CSV that Polars writes from the frames.

Same layout and transaction per session as the ceiling (a fresh partition, ``FREEZE``, attach);
the client turns the frames into CSV (durations as microseconds) and streams it.
"""

from __future__ import annotations

import polars as pl
import psycopg

from bench.frames import telemetry_loads
from bench.measure import Stopwatch
from bench.season import SeasonSpec
from flows.load.connection import connect
from flows.load.partition_copy import table_columns
from flows.load.raw_tables import (
    PARTITIONED,
    SCHEMA,
    attach_partition_sql,
    partition_name,
    partition_table_sql,
    quote_ident,
)

CHUNK_ROWS = 100_000


def run(params: dict) -> dict:
    """params: season, first, last, url."""
    season = SeasonSpec.from_params(params["season"]).build()
    with connect(params["url"]) as adbc:
        columns = {table: table_columns(adbc.cursor(), table) for table in PARTITIONED}
    watch, rows = Stopwatch(), 0
    with psycopg.connect(params["url"]) as conn:
        for load_id, frames in telemetry_loads(season, params["first"], params["last"]):
            with watch.timed(), conn.transaction(), conn.cursor() as cursor:
                for table, frame in frames.items():
                    cursor.execute(partition_table_sql(table, load_id, columns[table], {}))
                    target = f"{SCHEMA}.{quote_ident(partition_name(table, load_id))}"
                    with cursor.copy(f"copy {target} from stdin with (format csv, freeze)") as copy:
                        for chunk in frame.iter_slices(CHUNK_ROWS):
                            copy.write(_csv(chunk))
                    cursor.execute(attach_partition_sql(table, load_id))
            rows += sum(frame.height for frame in frames.values())
    return {"rows": rows, "seconds": watch.seconds}


def _csv(frame: pl.DataFrame) -> bytes:
    """CSV that COPY reads: durations (which Polars cannot write as CSV) as '<n> us'."""
    durations = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Duration)]
    frame = frame.with_columns(
        pl.col(name).dt.total_microseconds().cast(pl.String) + " us" for name in durations
    )
    return frame.write_csv(include_header=False).encode()
