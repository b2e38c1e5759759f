"""Build FastF1-shaped pandas data in code (same columns and dtypes as FastF1 3.9 gives)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

import pandas as pd


@dataclass(frozen=True)
class Event:
    """One row of FastF1's wide event schedule; sessions are (name, naive UTC start)."""

    round_number: int
    name: str
    sessions: tuple[tuple[str, str], ...]
    event_format: str = "conventional"
    utc_offset: timedelta = timedelta(hours=2)
    country: str = "Italy"
    location: str = "Monza"


CONVENTIONAL = ("Practice 1", "Practice 2", "Practice 3", "Qualifying", "Race")


def weekend(first_day: str, names: tuple[str, ...] = CONVENTIONAL) -> tuple[tuple[str, str], ...]:
    """Sessions on consecutive half-days from ``first_day`` 10:00 UTC."""
    start = pd.Timestamp(f"{first_day} 10:00")
    return tuple((name, str(start + pd.Timedelta(hours=12 * i))) for i, name in enumerate(names))


def fastf1_schedule(events: list[Event]) -> pd.DataFrame:
    """FastF1's ``EventSchedule`` layout: Session1..5, SessionNDate (local), SessionNDateUtc."""
    rows = []
    for event in events:
        tz = timezone(event.utc_offset)
        row = {
            "RoundNumber": event.round_number,
            "Country": event.country,
            "Location": event.location,
            "OfficialEventName": f"FORMULA 1 {event.name.upper()}",
            "EventDate": pd.Timestamp(event.sessions[-1][1]).normalize(),
            "EventName": event.name,
            "EventFormat": event.event_format,
        }
        for number in range(1, 6):
            if number <= len(event.sessions):
                name, utc = event.sessions[number - 1]
                utc_stamp = pd.Timestamp(utc)
                local = utc_stamp.tz_localize("UTC").tz_convert(tz)
            else:
                name, utc_stamp, local = None, pd.NaT, None
            row[f"Session{number}"] = name
            row[f"Session{number}Date"] = local
            row[f"Session{number}DateUtc"] = utc_stamp
        row["F1ApiSupport"] = True
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["RoundNumber"] = frame["RoundNumber"].astype("int64")
    frame["EventDate"] = pd.to_datetime(frame["EventDate"])
    for number in range(1, 6):
        frame[f"Session{number}Date"] = frame[f"Session{number}Date"].astype(object)
        frame[f"Session{number}DateUtc"] = pd.to_datetime(frame[f"Session{number}DateUtc"])
    frame["F1ApiSupport"] = frame["F1ApiSupport"].astype(bool)
    return frame
