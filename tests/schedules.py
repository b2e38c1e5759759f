"""FastF1-shaped season schedules built in code: the wide frame of ``get_event_schedule``.

One builder, ``fastf1_schedule``, from ``Event`` rows; ``weekend`` and ``fortnightly`` make the
usual weekends, ``wide_schedule`` a whole season of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd

CONVENTIONAL = ("Practice 1", "Practice 2", "Practice 3", "Qualifying", "Race")
SPRINT_QUALIFYING = ("Practice 1", "Sprint Qualifying", "Sprint", "Qualifying", "Race")


@dataclass(frozen=True)
class Event:
    """One row of FastF1's wide event schedule; sessions are (name, naive UTC start)."""

    round_number: int
    name: str
    sessions: tuple[tuple[str, str | datetime], ...]
    event_format: str = "conventional"
    utc_offset: timedelta = timedelta(hours=2)
    country: str = "Italy"
    location: str = "Monza"
    official_name: str | None = None  # FORMULA 1 <NAME> unless given


def weekend(first_day: str, names: tuple[str, ...] = CONVENTIONAL) -> tuple[tuple[str, str], ...]:
    """Sessions on consecutive half-days from ``first_day`` 10:00 UTC."""
    start = pd.Timestamp(f"{first_day} 10:00")
    return tuple((name, str(start + pd.Timedelta(hours=12 * i))) for i, name in enumerate(names))


def sprint_weekend(round_number: int, name: str, first_day: str, **fields) -> Event:
    """A sprint weekend of the 2024 format (``weekend`` from ``first_day``)."""
    sessions = weekend(first_day, SPRINT_QUALIFYING)
    return Event(round_number, name, sessions, "sprint_qualifying", **fields)


def fortnightly(
    season: int,
    event_names: list[str],
    first_race: datetime | None = None,
    sessions: tuple[str, ...] = CONVENTIONAL,
    event_format: str = "conventional",
) -> list[Event]:
    """One weekend a fortnight, Friday to Sunday: sessions at 11:00/14:00 UTC, the last one at
    the race's hour (first race: 3 March 15:00 UTC); country and location from the name."""
    first_race = first_race or datetime(season, 3, 3, 15)
    events = []
    for index, name in enumerate(event_names):
        race_day = first_race + timedelta(days=14 * index)
        starts = []
        for number, session in enumerate(sessions, start=1):
            day = race_day - timedelta(days=2 - min((number - 1) // 2, 2))
            start = (
                race_day if session == sessions[-1] else day.replace(hour=11 if number % 2 else 14)
            )
            starts.append((session, start))
        place = name.split()[0]
        events.append(
            Event(
                index + 1,
                name,
                tuple(starts),
                event_format,
                utc_offset=timedelta(hours=1),
                country=place,
                location=place,
                official_name=f"FORMULA 1 {name.upper()} {season}",
            )
        )
    return events


def wide_schedule(season: int, event_names: list[str], **options) -> pd.DataFrame:
    """A season of ``fortnightly`` weekends as FastF1 gives it."""
    return fastf1_schedule(fortnightly(season, event_names, **options))


def fastf1_schedule(events: list[Event]) -> pd.DataFrame:
    """FastF1's ``EventSchedule`` layout (the columns and dtypes FastF1 3.9 gives): Session1..5,
    SessionNDate (local), SessionNDateUtc."""
    rows = []
    for event in events:
        tz = timezone(event.utc_offset)
        row = {
            "RoundNumber": event.round_number,
            "Country": event.country,
            "Location": event.location,
            "OfficialEventName": event.official_name or f"FORMULA 1 {event.name.upper()}",
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
