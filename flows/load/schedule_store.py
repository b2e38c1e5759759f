"""Read back the latest schedule snapshot of a season from raw."""

from __future__ import annotations

import polars as pl

from flows.datasets import EVENTS_SCHEMA, SESSIONS_SCHEMA
from flows.load.raw_tables import SCHEMA

_LATEST = """
select {columns} from {schema}.{table}
where _load_id = (
    select _load_id from {schema}.{table} where season = $1 order by _loaded_at desc limit 1
)
"""


def stored_schedule(cursor, season: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(events, sessions) of the season's newest schedule snapshot; empty if there is none."""
    return (
        _read(cursor, "events", EVENTS_SCHEMA, season),
        _read(cursor, "sessions", SESSIONS_SCHEMA, season),
    )


def _read(cursor, table: str, schema: dict, season: int) -> pl.DataFrame:
    columns = ", ".join(f'"{name}"' for name in schema)
    cursor.execute(
        _LATEST.format(columns=columns, schema=SCHEMA, table=table), parameters=(season,)
    )
    return pl.DataFrame(pl.from_arrow(cursor.fetch_arrow_table())).cast(schema)
