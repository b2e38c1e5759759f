"""The load manifest: one row per (load, dataset) saying what a load attempt found and wrote."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import polars as pl

from flows.load.raw_tables import MANIFEST, MANIFEST_SCHEMA, SCHEMA

LOADED, UNAVAILABLE, FAILED = "loaded", "unavailable", "failed"


@dataclass(frozen=True)
class ManifestEntry:
    load_id: str
    season: int
    event_id: str | None
    session_id: str | None
    dataset: str
    status: str
    complete: bool | None
    row_count: int
    detail: str | None
    fastf1_version: str
    started_at: datetime
    finished_at: datetime


def manifest_frame(entries: list[ManifestEntry]) -> pl.DataFrame:
    return pl.DataFrame([asdict(e) for e in entries], schema=MANIFEST_SCHEMA, orient="row")


# A session is complete when its latest load was marked complete (see
# SessionExtract.complete): later runs skip it unless forced.
_COMPLETE_SQL = f"""
select session_id
from (
    select distinct on (session_id) session_id, complete
    from {SCHEMA}.{MANIFEST}
    where season = $1 and session_id is not null
    order by session_id, finished_at desc
) as latest
where complete
"""


def complete_sessions(cursor, season: int) -> set[str]:
    cursor.execute(_COMPLETE_SQL, parameters=(season,))
    return {row[0] for row in cursor.fetchall()}


def is_complete(cursor, season: int, session_id: str) -> bool:
    return session_id in complete_sessions(cursor, season)


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
