"""The load manifest: one row per (load, dataset) saying what a load attempt found and wrote."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Annotated, get_type_hints

import polars as pl

from flows.load.raw_tables import MANIFEST, SCHEMA

LOADED, UNAVAILABLE, FAILED = "loaded", "unavailable", "failed"
# A dataset still missing when the pipeline gave up polling its session (see
# flows.selection.stops_polling): the session is `unpublished` until FORCE=1 tries it again.
UNPUBLISHED = "unpublished"


@dataclass(frozen=True)
class ManifestEntry:
    """One row of raw.load_manifest: each field is a column, its type annotated."""

    load_id: Annotated[str, pl.String]
    season: Annotated[int, pl.Int16]
    event_id: Annotated[str | None, pl.String]
    session_id: Annotated[str | None, pl.String]
    dataset: Annotated[str, pl.String]
    status: Annotated[str, pl.String]  # loaded | unavailable | failed | unpublished
    complete: Annotated[bool | None, pl.Boolean]  # results final: later runs skip it
    row_count: Annotated[int, pl.Int64]
    detail: Annotated[str | None, pl.String]
    fastf1_version: Annotated[str, pl.String]
    started_at: Annotated[datetime, pl.Datetime("us", "UTC")]
    finished_at: Annotated[datetime, pl.Datetime("us", "UTC")]


_HINTS = get_type_hints(ManifestEntry, include_extras=True)
MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    field.name: _HINTS[field.name].__metadata__[0] for field in fields(ManifestEntry)
}


def manifest_frame(entries: list[ManifestEntry]) -> pl.DataFrame:
    rows = [[getattr(e, name) for name in MANIFEST_SCHEMA] for e in entries]  # asdict deep-copies
    return pl.DataFrame(rows, schema=MANIFEST_SCHEMA, orient="row")


# What the latest load attempt of each session settled (see SessionExtract.complete and
# stops_polling): later runs skip a complete or unpublished session unless forced. The latest
# attempt is ordered as in dbt's latest_loads macro (dbt_project/macros/latest_loads.sql).
_SETTLED_SQL = f"""
select attempt.session_id, bool_or(attempt.complete), bool_or(attempt.status = '{UNPUBLISHED}')
from {SCHEMA}.{MANIFEST} as attempt
inner join (
    select distinct on (session_id) session_id, load_id
    from {SCHEMA}.{MANIFEST}
    where season = $1 and session_id is not null
    order by session_id, finished_at desc nulls last, load_id desc
) as latest
    on attempt.session_id = latest.session_id and attempt.load_id = latest.load_id
group by attempt.session_id
"""

COMPLETE = "complete"


def settled_sessions(cursor, season: int) -> dict[str, str]:
    """Sessions later runs skip: session_id -> "complete" or "unpublished"."""
    cursor.execute(_SETTLED_SQL, parameters=(season,))
    return {
        session_id: COMPLETE if complete else UNPUBLISHED
        for session_id, complete, unpublished in cursor.fetchall()
        if complete or unpublished
    }


def complete_sessions(cursor, season: int) -> set[str]:
    return {s for s, state in settled_sessions(cursor, season).items() if state == COMPLETE}


def is_complete(cursor, season: int, session_id: str) -> bool:
    return settled_sessions(cursor, season).get(session_id) == COMPLETE


def is_unpublished(cursor, season: int, session_id: str) -> bool:
    """Polling this session stopped: still without results long after it ended."""
    return settled_sessions(cursor, season).get(session_id) == UNPUBLISHED


def has_attempts(cursor, session_id: str) -> bool:
    """Whether any earlier run tried this session."""
    cursor.execute(
        f"select exists (select 1 from {SCHEMA}.{MANIFEST} where session_id = $1)",
        parameters=(session_id,),
    )
    return bool(cursor.fetchone()[0])


def loads_since(cursor, season: int, since: datetime) -> dict[str, list[ManifestEntry]]:
    """Per session of ``season``: the rows of its latest load attempt started at or after
    ``since`` (what the runs since then found, e.g. a fanned-out backfill's event runs)."""
    columns = ", ".join(MANIFEST_SCHEMA)
    cursor.execute(
        f"select {columns} from {SCHEMA}.{MANIFEST} "
        "where season = $1 and session_id is not null and started_at >= $2 "
        "order by finished_at, load_id, dataset",
        parameters=(season, since),
    )
    latest: dict[str, list[ManifestEntry]] = {}
    for row in cursor.fetchall():
        entry = ManifestEntry(*row)
        kept = latest.get(entry.session_id)
        if kept is None or kept[0].load_id != entry.load_id:
            latest[entry.session_id] = kept = []  # a later load of the session replaces it
        kept.append(entry)
    return latest
