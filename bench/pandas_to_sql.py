"""Method 4: pandas ``DataFrame.to_sql`` through SQLAlchemy (psycopg2), on a subset of rows.

The rows go into ``raw.<table>`` itself, whose partition for the load is created beforehand
(not timed); the frame is converted to pandas inside the timing, as a caller would have to.
"""

from __future__ import annotations

import pandas as pd
import polars as pl
from sqlalchemy import Interval, create_engine

from bench.measure import Stopwatch
from bench.orm import sqlalchemy_url
from bench.row_layout import first_session_rows

ROWS = 100_000
CHUNK_ROWS = 10_000


def run(params: dict) -> dict:
    """params: season, url, rows (optional)."""
    frames = first_session_rows(params, ROWS)
    engine = create_engine(sqlalchemy_url(params["url"]))
    watch = Stopwatch()
    try:
        with watch.timed(), engine.begin() as conn:
            for table, frame in frames.items():
                data, types = _pandas(frame)
                data.to_sql(
                    table,
                    conn,
                    schema="raw",
                    if_exists="append",
                    index=False,
                    chunksize=CHUNK_ROWS,
                    dtype=types,
                )
    finally:
        engine.dispose()
    return {"rows": sum(frame.height for frame in frames.values()), "seconds": watch.seconds}


def _pandas(frame: pl.DataFrame) -> tuple[pd.DataFrame, dict[str, Interval]]:
    """Durations as timedelta objects typed as intervals: to_sql would write timedelta64
    columns as integers."""
    data, types = frame.to_pandas(), {}
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Duration):
            data[name] = pd.Series(data[name].dt.to_pytimedelta(), dtype=object)
            types[name] = Interval()
    return data, types
