"""A run's schedule: FastF1's, snapshotted into raw when it changed, or the stored one."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import polars as pl

from flows.config import get_settings
from flows.datasets import SESSIONS_SCHEMA
from flows.extract.cache import configure_fastf1
from flows.extract.schedule import SessionRef, fetch_schedule, schedule_frames, session_refs
from flows.load.connection import connect, database_url
from flows.load.locks import advisory_lock
from flows.load.raw_schema import ensure_raw_tables
from flows.load.schedule_store import schedule_changed, stored_schedule
from flows.load.session_load import write_schedule

log = logging.getLogger("flows")


def snapshot_schedule(year: int) -> list[SessionRef]:
    """Fetch the season's schedule and snapshot it into raw.events / raw.sessions if it changed.

    A snapshot stored before a column existed (e.g. ``raw.sessions.ends_at``) differs from a
    fresh one, so the first run after an upgrade writes a complete snapshot.
    """
    configure_fastf1(get_settings())
    events, sessions = schedule_frames(fetch_schedule(year), year)
    with connect(database_url()) as conn:
        ensure_raw_tables(conn)
        with advisory_lock(conn, f"f1-schedule:{year}"):
            changed = schedule_changed(conn.cursor(), year, events, sessions)
            if changed:
                write_schedule(conn, year, events, sessions)
    log.info(
        "schedule %s: %d events, %d sessions (%s)",
        year,
        events.height,
        sessions.height,
        "stored" if changed else "unchanged",
    )
    return session_refs(events, sessions)


def stored_refs(year: int) -> list[SessionRef]:
    """The season's schedule as last snapshotted (no FastF1 call).

    A snapshot stored before ``raw.sessions.ends_at`` existed is stored again with the
    scheduled ends (the same schedule), so dbt's statuses have them.
    """
    with connect(database_url()) as conn:
        ensure_raw_tables(conn)
        with advisory_lock(conn, f"f1-schedule:{year}"):
            events, sessions = stored_schedule(conn.cursor(), year)
            if sessions.height == 0:
                raise LookupError(f"no schedule stored for {year}: run once without SKIP_SCHEDULE")
            refs = session_refs(events, sessions)
            if sessions["ends_at"].null_count() > sessions["starts_at"].null_count():
                ends = pl.Series("ends_at", [r.ends_at for r in refs], SESSIONS_SCHEMA["ends_at"])
                write_schedule(conn, year, events, sessions.with_columns(ends))
                log.info("schedule %s: stored again with the scheduled ends", year)
    return refs


def sessions_near(year: int, now: datetime, hours: float) -> list[str]:
    """Sessions of the stored schedule starting within ``hours`` of ``now`` (no FastF1 call)."""
    with connect(database_url()) as conn:
        ensure_raw_tables(conn)
        events, sessions = stored_schedule(conn.cursor(), year)
    window = timedelta(hours=hours)
    return [
        ref.session_id
        for ref in session_refs(events, sessions)
        if ref.starts_at is not None and abs(ref.starts_at - now) <= window
    ]
