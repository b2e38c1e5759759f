"""FastF1-shaped season schedules built in code (the wide format of get_event_schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

CONVENTIONAL = ("Practice 1", "Practice 2", "Practice 3", "Qualifying", "Race")


def wide_schedule(
    season: int,
    event_names: list[str],
    first_race: datetime | None = None,
    sessions: tuple[str, ...] = CONVENTIONAL,
    event_format: str = "conventional",
) -> pd.DataFrame:
    """One conventional weekend a fortnight, Friday to Sunday, sessions at 11:00/14:00 UTC."""
    first_race = first_race or datetime(season, 3, 3, 15)
    rows = []
    for index, name in enumerate(event_names):
        race_day = first_race + timedelta(days=14 * index)
        row = {
            "RoundNumber": index + 1,
            "Country": name.split()[0],
            "Location": name.split()[0],
            "OfficialEventName": f"FORMULA 1 {name.upper()} {season}",
            "EventDate": pd.Timestamp(race_day.date()),
            "EventName": name,
            "EventFormat": event_format,
            "F1ApiSupport": True,
        }
        for number, session in enumerate(sessions, start=1):
            day = race_day - timedelta(days=2 - min((number - 1) // 2, 2))
            start = day.replace(hour=11 if number % 2 else 14)
            if session == sessions[-1]:
                start = race_day
            row[f"Session{number}"] = session
            row[f"Session{number}DateUtc"] = pd.Timestamp(start)
            row[f"Session{number}Date"] = (
                pd.Timestamp(start).tz_localize("UTC").tz_convert("Europe/Rome")
            )
        rows.append(row)
    return pd.DataFrame(rows)
