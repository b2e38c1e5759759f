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
    columns = ", ".join(_select(name, dtype) for name, dtype in schema.items())
    cursor.execute(
        _LATEST.format(columns=columns, schema=SCHEMA, table=table), parameters=(season,)
    )
    return pl.DataFrame(pl.from_arrow(cursor.fetch_arrow_table())).cast(schema)


def _select(name: str, dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Duration):  # Polars cannot read Arrow's month-day-nano intervals
        return f'(extract(epoch from "{name}") * 1000000)::bigint as "{name}"'
    return f'"{name}"'


def schedule_changed(cursor, season: int, events: pl.DataFrame, sessions: pl.DataFrame) -> bool:
    """Whether a fresh schedule differs from the stored one (unchanged ones are not stored)."""
    stored_events, stored_sessions = stored_schedule(cursor, season)
    return not (
        _same(stored_events, events, "event_id") and _same(stored_sessions, sessions, "session_id")
    )


def _same(stored: pl.DataFrame, fresh: pl.DataFrame, key: str) -> bool:
    return stored.sort(key).equals(fresh.select(stored.columns).sort(key))
