"""The raw schema set up and filled in the test's process, by the loader's own functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import polars as pl

from flows.extract.schedule import SessionRef, schedule_frames, session_refs
from flows.extract.session import SessionExtract
from flows.load.connection import connect
from flows.load.manifest import ManifestEntry
from flows.load.raw_schema import ensure_raw_tables
from flows.load.session_load import write_schedule, write_session
from tests.schedules import wide_schedule


def create_raw_tables(url: str) -> None:
    """The DDL run of every pipeline run: creates, extends or converts the raw tables."""
    with connect(url) as conn:
        ensure_raw_tables(conn)


def write_season(url: str, schedule: pd.DataFrame, season: int) -> list[SessionRef]:
    """A snapshot of a FastF1 schedule written to raw (the tables made first); its sessions."""
    events, sessions = schedule_frames(schedule, season)
    create_raw_tables(url)
    with connect(url) as conn:
        write_schedule(conn, season, events, sessions)
    return session_refs(events, sessions)


def bahrain_2024(url: str) -> dict[str, SessionRef]:
    """Raw tables and a one-event 2024 schedule (tests.schedules); its sessions by type."""
    refs = write_season(url, wide_schedule(2024, ["Bahrain Grand Prix"]), 2024)
    return {ref.session_type: ref for ref in refs}


def load(url: str, ref: SessionRef, frames: dict[str, pl.DataFrame | None]) -> list[ManifestEntry]:
    """One load of the session's frames, as a run writes it; its manifest rows."""
    with connect(url) as conn:
        return write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))
