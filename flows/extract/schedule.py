"""A season's schedule from FastF1 as `events` and `sessions` frames with stable ids."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import fastf1
import pandas as pd
import polars as pl

from flows.datasets import EVENTS_SCHEMA, SESSIONS_SCHEMA
from flows.session_types import scheduled_length, session_type


@dataclass(frozen=True)
class SessionRef:
    """Everything needed to find one session in FastF1 and in the database."""

    season: int
    round_number: int
    event_id: str
    event_name: str
    session_id: str
    session_type: str
    session_name: str
    starts_at: datetime | None
    location: str | None = None  # the circuit's town, as FastF1 names it: "Monza", "Baku"
    country: str | None = None

    @property
    def ends_at(self) -> datetime | None:
        """When the session is scheduled to end (None when its start is unknown)."""
        return scheduled_end(self.starts_at, self.session_type)

    @property
    def label(self) -> str:
        return f"{self.season} {self.event_name} {self.session_name}"


def slugify(text: str) -> str:
    """'São Paulo Grand Prix' -> 'sao-paulo-grand-prix'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def make_event_id(season: int, event_name: str) -> str:
    """Keyed on the event's name, never its round: rounds change when events are cancelled."""
    return f"{season}-{slugify(event_name)}"


def make_session_id(event_id: str, session_type: str) -> str:
    return f"{event_id}-{session_type.lower()}"


def scheduled_end(starts_at: datetime | None, session_type: str) -> datetime | None:
    """When a session is scheduled to end (None when its start is unknown)."""
    return None if starts_at is None else starts_at + scheduled_length(session_type)


def fetch_schedule(season: int) -> pd.DataFrame:
    """FastF1's event schedule without testing events (they have no championship sessions)."""
    return fastf1.get_event_schedule(season, include_testing=False)


def schedule_frames(schedule: pd.DataFrame, season: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split FastF1's wide schedule into one row per event and one row per session."""
    events, sessions = [], []
    for _, event in schedule.iterrows():
        if not event.get("EventName") or int(event["RoundNumber"]) < 1:
            continue
        event_id = make_event_id(season, event["EventName"])
        events.append(_event_row(event, season, event_id))
        for number in range(1, 6):
            name = event.get(f"Session{number}")
            if not isinstance(name, str) or not name:
                continue
            stype = session_type(name, event["EventFormat"])
            starts_at = _utc(event.get(f"Session{number}DateUtc"))
            sessions.append(
                {
                    "session_id": make_session_id(event_id, stype),
                    "event_id": event_id,
                    "season": season,
                    "round_number": int(event["RoundNumber"]),
                    "session_number": number,
                    "session_type": stype,
                    "session_name": name,
                    "starts_at": starts_at,
                    "ends_at": scheduled_end(starts_at, stype),
                    "utc_offset": _offset(event.get(f"Session{number}Date")),
                }
            )
    return (
        pl.DataFrame(events, schema=EVENTS_SCHEMA, orient="row"),
        pl.DataFrame(sessions, schema=SESSIONS_SCHEMA, orient="row"),
    )


def session_refs(events: pl.DataFrame, sessions: pl.DataFrame) -> list[SessionRef]:
    by_id = {event["event_id"]: event for event in events.iter_rows(named=True)}
    return [
        SessionRef(
            season=row["season"],
            round_number=row["round_number"],
            event_id=row["event_id"],
            event_name=by_id[row["event_id"]]["event_name"],
            session_id=row["session_id"],
            session_type=row["session_type"],
            session_name=row["session_name"],
            starts_at=row["starts_at"],
            location=by_id[row["event_id"]]["location"],
            country=by_id[row["event_id"]]["country"],
        )
        for row in sessions.iter_rows(named=True)
    ]


def _event_row(event: pd.Series, season: int, event_id: str) -> dict:
    event_date = event.get("EventDate")
    return {
        "event_id": event_id,
        "season": season,
        "round_number": int(event["RoundNumber"]),
        "event_name": event["EventName"],
        "official_event_name": event.get("OfficialEventName") or None,
        "country": event.get("Country") or None,
        "location": event.get("Location") or None,
        "event_format": event.get("EventFormat") or None,
        "event_date": None if pd.isna(event_date) else pd.Timestamp(event_date).date(),
        "f1_api_support": bool(event.get("F1ApiSupport", False)),
    }


def _utc(value: object) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _offset(value: object) -> timedelta | None:
    if value is None or not isinstance(value, (pd.Timestamp, datetime)) or pd.isna(value):
        return None
    return value.utcoffset()
