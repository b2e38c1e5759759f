"""Deterministic synthetic sessions and seasons shaped like FastF1's frames, at real sizes.

Used by the tests (tiny) and the benchmark (a season, streamed one session at a time). Car data
and position are sampled about 4 times a second per car, as F1's live timing publishes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl

from flows import datasets as ds
from flows.datasets import telemetry_frame
from flows.extract.frames import to_polars
from flows.extract.schedule import SessionRef, schedule_frames, session_refs
from tests.schedules import Event, fastf1_schedule

TELEMETRY_HZ = 4
COMPOUNDS = np.array(["SOFT", "MEDIUM", "HARD"])
LAP_SECONDS = 90.0
# A conventional weekend: FastF1's session names, start (days before the race, UTC hour) and
# minutes of timing data (a race's telemetry spans about two hours).
WEEKEND = (
    ("Practice 1", -2, 11, 60),
    ("Practice 2", -2, 15, 60),
    ("Practice 3", -1, 11, 60),
    ("Qualifying", -1, 15, 60),
    ("Race", 0, 13, 120),
)


def synthetic_session(
    seed: int,
    start: datetime,
    drivers: int = 20,
    laps: int = 50,
    lap_seconds: float = 90.0,
) -> dict[str, pd.DataFrame]:
    """FastF1-shaped frames of one session (telemetry as {driver: frame}, like FastF1)."""
    rng = np.random.default_rng(seed)
    numbers = [str(n) for n in range(1, drivers + 1)]
    t0 = (
        pd.Timestamp(start).tz_localize(None) if pd.Timestamp(start).tzinfo else pd.Timestamp(start)
    )
    duration = laps * lap_seconds
    return {
        "results": _results(rng, numbers, laps),
        "laps": _laps(rng, numbers, laps, lap_seconds, t0),
        "weather": _weather(rng, duration),
        "car_data": {n: _car(rng, duration, t0) for n in numbers},
        "position_data": {n: _position(rng, duration, t0) for n in numbers},
        "session_status": pd.DataFrame(
            {
                "Time": pd.to_timedelta([0, 60, duration + 60], unit="s"),
                "Status": ["Inactive", "Started", "Finished"],
            }
        ),
        "track_status": pd.DataFrame(
            {
                "Time": pd.to_timedelta([0, duration / 2], unit="s"),
                "Status": ["1", "2"],
                "Message": ["AllClear", "Yellow"],
            }
        ),
        "race_control_messages": pd.DataFrame(
            {
                "Time": [t0, t0 + pd.Timedelta(seconds=duration / 2)],
                "Category": ["Flag", "Flag"],
                "Message": ["GREEN LIGHT - PIT EXIT OPEN", "YELLOW IN TRACK SECTOR 3"],
                "Status": [None, None],
                "Flag": ["GREEN", "YELLOW"],
                "Scope": ["Track", "Sector"],
                "Sector": [np.nan, 3.0],
                "RacingNumber": [None, None],
                "Lap": [None, 7],
            }
        ),
        # t0_date is where the telemetry's Date - SessionTime puts it, as FastF1 derives it
        "session_info": pd.DataFrame(
            {
                "SessionKey": [9000 + seed],
                "MeetingKey": [1000 + seed],
                "CircuitKey": [seed % 100],
                "CircuitShortName": [f"Circuit {seed % 100}"],
                "TotalLaps": [laps],
                "SessionStartTime": pd.to_timedelta([60], unit="s"),
                "T0Date": [t0],
            }
        ),
        "circuit_info": _circuit_info(rng),
    }


def synthetic_frames(seed: int, start: datetime, **sizes) -> dict[str, pl.DataFrame]:
    """The same session converted to the raw schema, as the extract step would: every dataset
    of the registry (one without a generator above gets ``generic_frame``)."""
    session = synthetic_session(seed, start, **sizes)
    frames = {}
    for dataset in ds.SESSION_DATASETS:
        frame = session.get(dataset.name)
        if frame is None:
            frame = generic_frame(dataset, seed, start)
        elif dataset.telemetry:
            frame = telemetry_frame(frame)
        frames[dataset.name] = to_polars(frame, dataset)
    return frames


def generic_frame(dataset: ds.Dataset, seed: int, start: datetime) -> pd.DataFrame:
    """FastF1-named columns of ``dataset`` with distinct values per row (one row when its key
    is the session alone), so a newly registered dataset is loaded and built by the tests."""
    rows = 3 if dataset.key else 1
    stamp = pd.Timestamp(start).tz_localize(None) if pd.Timestamp(start).tzinfo else start
    values = {
        pl.String: lambda i, name: f"{name}-{seed}-{i}",
        pl.Boolean: lambda i, name: i % 2 == 0,
        pl.Date: lambda i, name: (pd.Timestamp(stamp) + pd.Timedelta(days=i)).date(),
        ds.DURATION: lambda i, name: pd.Timedelta(seconds=60 * i + seed),
        ds.TIMESTAMP: lambda i, name: pd.Timestamp(stamp) + pd.Timedelta(seconds=60 * i),
    }

    def value(dtype: pl.DataType, i: int, name: str):
        if dtype.is_integer():
            return i + 1
        if dtype.is_float():
            return i + seed / 10
        return values[dtype](i, name)

    return pd.DataFrame(
        {c.source: [value(c.dtype, i, c.name) for i in range(rows)] for c in dataset.columns}
    )


def _results(rng: np.random.Generator, numbers: list[str], laps: int) -> pd.DataFrame:
    order = rng.permutation(len(numbers))
    n = len(numbers)
    return pd.DataFrame(
        {
            "DriverNumber": numbers,
            "Abbreviation": [f"D{int(x):02d}" for x in numbers],
            "TeamName": [f"Team {i // 2 + 1}" for i in range(n)],
            "FullName": [f"Driver {x}" for x in numbers],
            "Position": (order + 1).astype(float),
            "ClassifiedPosition": [str(p + 1) for p in order],
            "GridPosition": (rng.permutation(n) + 1).astype(float),
            "Time": pd.to_timedelta(rng.uniform(5000, 5400, n), unit="s"),
            "Status": ["Finished"] * n,
            "Points": np.where(
                order < 10, np.array([25, 18, 15, 12, 10, 8, 6, 4, 2, 1])[np.minimum(order, 9)], 0
            ).astype(float),
            "Laps": np.full(n, float(laps)),
        }
    )


def _laps(rng, numbers, laps, lap_seconds, t0) -> pd.DataFrame:
    n = len(numbers) * laps
    lap_time = rng.normal(lap_seconds, 1.5, n)
    driver = np.repeat(numbers, laps)
    lap_number = np.tile(np.arange(1, laps + 1), len(numbers)).astype(float)
    end = np.cumsum(lap_time.reshape(len(numbers), laps), axis=1).ravel()
    sectors = lap_time[:, None] * np.array([0.3, 0.4, 0.3])
    return pd.DataFrame(
        {
            "Time": pd.to_timedelta(end, unit="s"),
            "Driver": [f"D{int(x):02d}" for x in driver],
            "DriverNumber": driver,
            "LapTime": pd.to_timedelta(lap_time, unit="s"),
            "LapNumber": lap_number,
            "Stint": np.ceil(lap_number / 20),
            "Sector1Time": pd.to_timedelta(sectors[:, 0], unit="s"),
            "Sector2Time": pd.to_timedelta(sectors[:, 1], unit="s"),
            "Sector3Time": pd.to_timedelta(sectors[:, 2], unit="s"),
            "SpeedST": rng.uniform(290, 340, n),
            "IsPersonalBest": rng.random(n) < 0.1,
            "Compound": COMPOUNDS[(lap_number // 20).astype(int) % 3],
            "TyreLife": (lap_number - 1) % 20 + 1,
            "FreshTyre": np.ones(n, dtype=bool),
            "LapStartTime": pd.to_timedelta(end - lap_time, unit="s"),
            "LapStartDate": t0 + pd.to_timedelta(end - lap_time, unit="s"),
            "TrackStatus": ["1"] * n,
            "Position": rng.integers(1, len(numbers) + 1, n).astype(float),
            "Deleted": np.zeros(n, dtype=bool),
            "IsAccurate": np.ones(n, dtype=bool),
        }
    )


def _circuit_info(rng) -> pd.DataFrame:
    """Markers as FastF1's circuit info has them (corner 4 also as 4a), with the map rotation."""
    parts = []
    for kind, count in (("corner", 12), ("marshal_light", 8), ("marshal_sector", 10)):
        numbers = list(range(1, count + 1)) + ([4] if kind == "corner" else [])
        parts.append(
            pd.DataFrame(
                {
                    "X": rng.uniform(-8000, 8000, len(numbers)).round(3),
                    "Y": rng.uniform(-8000, 8000, len(numbers)).round(3),
                    "Number": numbers,
                    "Letter": [""] * count + (["a"] if kind == "corner" else []),
                    "Angle": rng.uniform(-180, 180, len(numbers)).round(3),
                    "Distance": np.sort(rng.uniform(0, 5000, len(numbers))).round(1),
                    "Kind": kind,
                }
            )
        )
    return pd.concat(parts, ignore_index=True).assign(Rotation=float(rng.integers(0, 360)))


def _weather(rng, duration: float) -> pd.DataFrame:
    minutes = int(duration // 60) + 1
    return pd.DataFrame(
        {
            "Time": pd.to_timedelta(np.arange(minutes) * 60.0 + 13.9, unit="s"),
            "AirTemp": rng.normal(24, 1, minutes),
            "Humidity": rng.uniform(40, 60, minutes),
            "Pressure": rng.normal(1010, 2, minutes),
            "Rainfall": np.zeros(minutes, dtype=bool),
            "TrackTemp": rng.normal(38, 2, minutes),
            "WindDirection": rng.integers(0, 360, minutes),
            "WindSpeed": rng.uniform(0, 4, minutes),
        }
    )


def _timedeltas(seconds: np.ndarray) -> pd.TimedeltaIndex:
    """Seconds as FastF1's nanosecond timedeltas, rounded to the microsecond (vectorised:
    ``pd.to_timedelta`` on floats is slow at telemetry sizes)."""
    micros = np.round(seconds * 1e6).astype(np.int64)
    return pd.TimedeltaIndex(micros.astype("timedelta64[us]").astype("timedelta64[ns]"))


def _samples(rng, duration: float) -> np.ndarray:
    count = int(duration * TELEMETRY_HZ)
    jitter = rng.uniform(-0.02, 0.02, count)
    return np.arange(count) / TELEMETRY_HZ + 0.05 + jitter


def _car(rng, duration: float, t0) -> pd.DataFrame:
    seconds = _samples(rng, duration)
    n, elapsed = len(seconds), _timedeltas(seconds)
    return pd.DataFrame(
        {
            "Date": t0 + elapsed,
            "SessionTime": elapsed,
            "Time": elapsed,
            "RPM": rng.integers(8000, 12500, n).astype(float),
            "Speed": rng.integers(80, 340, n).astype(float),
            "nGear": rng.integers(1, 9, n),
            "Throttle": rng.integers(0, 101, n).astype(float),
            "Brake": rng.random(n) < 0.2,
            "DRS": rng.choice([0, 1, 8, 10, 12, 14], n),
            "Source": "car",
        }
    )


def _position(rng, duration: float, t0) -> pd.DataFrame:
    seconds = _samples(rng, duration)
    n, elapsed = len(seconds), _timedeltas(seconds)
    angle = seconds / 90.0 * 2 * np.pi
    return pd.DataFrame(
        {
            "Date": t0 + elapsed,
            "SessionTime": elapsed,
            "Time": elapsed,
            "Status": "OnTrack",
            "X": np.round(5000 * np.cos(angle)),
            "Y": np.round(3000 * np.sin(angle)),
            "Z": rng.integers(-200, 200, n).astype(float),
            "Source": "pos",
        }
    )


@dataclass(frozen=True)
class SyntheticSeason:
    """A schedule of ``len(refs)`` sessions whose frames are made on demand, one at a time."""

    season: int
    events: pl.DataFrame
    sessions: pl.DataFrame
    refs: list[SessionRef]
    drivers: int = 20
    minutes: float | None = None  # every session's length; None: real lengths (see WEEKEND)

    def frames(self, index: int) -> dict[str, pl.DataFrame]:
        """The raw-schema frames of session ``index`` (the same on every call)."""
        ref = self.refs[index]
        minutes = self.minutes or _MINUTES[ref.session_name]
        laps = max(int(minutes * 60 / LAP_SECONDS), 1)
        return synthetic_frames(
            self.season * 1000 + index, ref.starts_at, drivers=self.drivers, laps=laps
        )

    def __iter__(self) -> Iterator[tuple[SessionRef, dict[str, pl.DataFrame]]]:
        """Stream the season: only one session's frames are alive at a time."""
        for index, ref in enumerate(self.refs):
            yield ref, self.frames(index)


def synthetic_season(
    season: int, sessions: int, drivers: int = 20, minutes: float | None = None
) -> SyntheticSeason:
    """The first ``sessions`` sessions of a season of conventional weekends, a fortnight apart.

    At real sizes (the default) a practice or qualifying session has 2 x 288,000 telemetry rows
    and a race 2 x 576,000; ``drivers`` and ``minutes`` make tiny seasons for tests.
    """
    events = -(-sessions // len(WEEKEND))
    schedule = synthetic_schedule(season, events)
    event_frame, session_frame = schedule_frames(schedule, season)
    refs = session_refs(event_frame, session_frame)[:sessions]
    return SyntheticSeason(season, event_frame, session_frame, refs, drivers, minutes)


def synthetic_schedule(season: int, events: int) -> pd.DataFrame:
    """FastF1's wide event schedule (``get_event_schedule``) for ``events`` weekends."""
    first_race = datetime(season, 3, 1)
    weekends = []
    for index in range(events):
        race_day = first_race + timedelta(days=14 * index)
        sessions = tuple(
            (session, race_day + timedelta(days=days, hours=hour))
            for session, days, hour, _ in WEEKEND
        )
        name = f"Synthetic {index + 1} Grand Prix"
        official = f"FORMULA 1 {name.upper()} {season}"
        weekends.append(
            Event(
                index + 1,
                name,
                sessions,
                "conventional",
                timedelta(0),
                "Nowhere",
                f"Circuit {index + 1}",
                official,
            )
        )
    return fastf1_schedule(weekends)


_MINUTES = {name: minutes for name, _, _, minutes in WEEKEND}
