"""Write one session's load (all datasets + manifest) as a single transaction, and the schedule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import fastf1
import polars as pl

from flows.datasets import BY_NAME, SESSION_DATASETS, Dataset
from flows.extract.result import SessionExtract
from flows.extract.schedule import SessionRef
from flows.load.ingest import ingest, lineage
from flows.load.locks import advisory_lock
from flows.load.manifest import (
    FAILED,
    LOADED,
    UNAVAILABLE,
    UNPUBLISHED,
    ManifestEntry,
    manifest_frame,
)
from flows.load.partition_copy import partitions_streaming
from flows.load.raw_tables import MANIFEST, PARTITIONED, SCHEMA, column_type, quote_ident


def now() -> datetime:
    return datetime.now(UTC)


def session_lock(conn, session_id: str):
    """Concurrent runs load a session once: the second waits, then finds it complete."""
    return advisory_lock(conn, f"f1-session:{session_id}")


def write_session(conn, extract: SessionExtract, started_at: datetime) -> list[ManifestEntry]:
    """All datasets of one load and their manifest rows become visible together, or none do.

    Telemetry streams into its partitions while the other datasets and the manifest are
    written; the partitions are attached last, in the same transaction."""
    ref = extract.ref
    load_id, loaded_at = str(uuid.uuid4()), now()
    cursor = conn.cursor()
    frames = {name: frame for name, frame in extract.frames.items() if frame is not None}
    telemetry = {name: frames[name] for name in PARTITIONED if name in frames}
    entries = []
    try:
        for name, frame in frames.items():
            add_new_columns(cursor, BY_NAME[name], frame)
        row_lineage = lineage(load_id, loaded_at, ref.session_id)
        with partitions_streaming(cursor, telemetry, row_lineage):
            for name, frame in extract.frames.items():
                if frame is None:
                    rows, status = 0, UNPUBLISHED if extract.given_up else UNAVAILABLE
                elif name in telemetry:
                    rows, status = frame.height, LOADED
                else:
                    rows, status = ingest(cursor, name, frame, row_lineage), LOADED
                entries.append(
                    _entry(
                        ref,
                        load_id,
                        name,
                        status,
                        rows,
                        extract.detail(name),
                        started_at,
                        complete=extract.complete,
                        version=extract.fastf1_version,
                    )
                )
            ingest(cursor, MANIFEST, manifest_frame(entries))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return entries


def add_new_columns(cursor, dataset: Dataset, frame: pl.DataFrame) -> None:
    """Columns a newer FastF1 added (see to_polars) join the raw table, in this transaction."""
    known = dataset.schema
    for name, dtype in frame.schema.items():
        if name not in known:
            cursor.execute(
                f"alter table {SCHEMA}.{quote_ident(dataset.name)} "
                f"add column if not exists {quote_ident(name)} {column_type(dataset.name, dtype)}"
            )


def write_failure(conn, ref: SessionRef, error: str, started_at: datetime) -> list[ManifestEntry]:
    """Record a failed attempt for every dataset of the session, with the reason."""
    load_id = str(uuid.uuid4())
    entries = [
        _entry(ref, load_id, d.name, FAILED, 0, error, started_at, complete=False)
        for d in SESSION_DATASETS
    ]
    cursor = conn.cursor()
    ingest(cursor, MANIFEST, manifest_frame(entries))
    conn.commit()
    return entries


def write_schedule(conn, season: int, events: pl.DataFrame, sessions: pl.DataFrame) -> str:
    """Snapshot the season's schedule into raw.events / raw.sessions (one transaction)."""
    load_id, loaded_at = str(uuid.uuid4()), now()
    cursor = conn.cursor()
    try:
        for table, frame in (("events", events), ("sessions", sessions)):
            ingest(cursor, table, frame, lineage(load_id, loaded_at))
        entry = ManifestEntry(
            load_id=load_id,
            season=season,
            event_id=None,
            session_id=None,
            dataset="schedule",
            status=LOADED,
            complete=None,
            row_count=events.height + sessions.height,
            detail=None,
            fastf1_version=fastf1.__version__,
            started_at=loaded_at,
            finished_at=now(),
        )
        ingest(cursor, MANIFEST, manifest_frame([entry]))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return load_id


def _entry(
    ref: SessionRef,
    load_id: str,
    dataset: str,
    status: str,
    rows: int,
    detail: str | None,
    started_at: datetime,
    *,
    complete: bool,
    version: str = fastf1.__version__,
) -> ManifestEntry:
    return ManifestEntry(
        load_id=load_id,
        season=ref.season,
        event_id=ref.event_id,
        session_id=ref.session_id,
        dataset=dataset,
        status=status,
        complete=complete,
        row_count=rows,
        detail=detail,
        fastf1_version=version,
        started_at=started_at,
        finished_at=now(),
    )
