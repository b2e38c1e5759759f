"""The dataset registry: everything about each FastF1 dataset, in one entry per dataset.

An entry says how its frame is read from a loaded ``fastf1.core.Session`` (``read``), which
FastF1 warnings concern it, its sanity checks, its raw columns and types, its natural key and
its raw layout. Extract (``flows.extract.session``), the checks, the conversion
(``flows.extract.frames``), the raw DDL (``flows.load.raw_tables``), the loader and the tests
all derive from ``SESSION_DATASETS``: a new dataset is an entry here, plus its staged model
and its YAML in dbt_project/models/staged (its raw table declared in _sources.yml).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

import pandas as pd
import polars as pl
from fastf1.exceptions import DataNotLoadedError

from flows.extract.fastf1_http import circuit_info

DURATION = pl.Duration("us")
TIMESTAMP = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Column:
    source: str  # FastF1's column name
    name: str  # snake_case name in raw
    dtype: pl.DataType


Frames = Mapping[str, pl.DataFrame | None]
# A sanity check: given every dataset's frame of a session (None: unavailable), what looks
# wrong about the dataset it belongs to ("check: ..."), or None when all is plausible.
Check = Callable[[Frames], str | None]
# How a dataset is read from a session FastF1 has loaded: a pandas or Polars frame, or None
# when FastF1 has none (None, an empty frame or FastF1's DataNotLoadedError: "unavailable").
Reader = Callable[[Any], pd.DataFrame | pl.DataFrame | None]


@dataclass(frozen=True)
class Dataset:
    name: str  # also the raw table's name
    columns: tuple[Column, ...]  # FastF1's columns -> raw's, in raw's order
    _: KW_ONLY
    key: tuple[str, ...]  # natural key within a session (session_id comes first); () one row
    read: Reader  # the frame of a loaded fastf1.core.Session
    warning_words: tuple[str, ...] = ()  # a FastF1 warning containing one concerns the dataset
    checks: tuple[Check, ...] = ()  # the first finding is recorded with the load
    telemetry: bool = False  # raw layout: arrays per driver-minute, a partition per load
    # errors of ``read`` that mean "FastF1 has none of it" (unavailable, the error kept as its
    # detail) rather than a failed load; FastF1's DataNotLoadedError always does
    unavailable_on: tuple[type[Exception], ...] = ()
    ordinal: str | None = None  # added 1..n column for streams with no natural key
    ignored: tuple[str, ...] = ()  # FastF1 columns deliberately not stored

    @property
    def schema(self) -> dict[str, pl.DataType]:
        cols = {c.name: c.dtype for c in self.columns}
        if self.ordinal:
            cols = {self.ordinal: pl.Int32, **cols}
        return cols


def _cols(*specs: tuple[str, str, pl.DataType]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


def telemetry_frame(per_driver: dict | None) -> pd.DataFrame | None:
    """FastF1 keeps telemetry as {driver number: frame}; stack it with a DriverNumber column.

    Where a driver has no sample at a time another driver has, FastF1 fills one in (zeros, or
    OffTrack at 0, 0, 0) with no Source, which a loaded session turns into the text 'nan':
    stored with a null source, so the filler is told from a measurement.
    """
    if not per_driver:
        return None
    parts = [
        pd.DataFrame(frame).assign(DriverNumber=str(driver))
        for driver, frame in per_driver.items()
        if len(frame)
    ]
    if not parts:
        return None
    stacked = pd.concat(parts, ignore_index=True)
    if "Source" in stacked.columns:
        stacked["Source"] = stacked["Source"].mask(stacked["Source"] == "nan")
    return stacked


# --- sanity checks: oddities are flagged with the load, not silently loaded ---------------------

_TIMING_STREAMS = ("session_status", "track_status", "race_control_messages", "weather")


def _laps_missing(frames: Frames) -> str | None:
    timed = any(frames.get(name) is not None for name in _TIMING_STREAMS)
    if frames.get("results") is not None and frames.get("laps") is None and timed:
        return "check: results but no laps, although the session has timing streams"
    return None


def _laps_of_unknown_drivers(frames: Frames) -> str | None:
    results, laps = frames.get("results"), frames.get("laps")
    if results is None or laps is None:
        return None
    drivers = laps["driver_number"].drop_nulls().unique()
    unknown = set(drivers.filter(~drivers.is_in(results["driver_number"].implode())))
    return f"check: laps of drivers missing from results: {sorted(unknown)}" if unknown else None


def _results_missing(frames: Frames) -> str | None:
    if frames.get("laps") is not None and frames.get("results") is None:
        return "check: laps but no results"
    return None


def _only_other_telemetry(frames: Frames, this: str, other: str) -> str | None:
    if frames.get(this) is None and frames.get(other) is not None:
        return "check: only one of car data and position data was published"
    return None


RESULTS = Dataset(
    "results",
    _cols(
        ("DriverNumber", "driver_number", pl.String),
        ("BroadcastName", "broadcast_name", pl.String),
        ("Abbreviation", "abbreviation", pl.String),
        ("DriverId", "driver_id", pl.String),
        ("TeamName", "team_name", pl.String),
        ("TeamColor", "team_color", pl.String),
        ("TeamId", "team_id", pl.String),
        ("FirstName", "first_name", pl.String),
        ("LastName", "last_name", pl.String),
        ("FullName", "full_name", pl.String),
        ("HeadshotUrl", "headshot_url", pl.String),
        ("CountryCode", "country_code", pl.String),
        ("Position", "position", pl.Int16),
        ("ClassifiedPosition", "classified_position", pl.String),
        ("GridPosition", "grid_position", pl.Int16),
        ("Q1", "q1", DURATION),
        ("Q2", "q2", DURATION),
        ("Q3", "q3", DURATION),
        ("Time", "time", DURATION),
        ("Status", "status", pl.String),
        ("Points", "points", pl.Float64),
        ("Laps", "laps", pl.Int16),
    ),
    key=("driver_number",),
    read=lambda session: session.results,
    warning_words=("result", "driver list", "session info"),
    checks=(_results_missing,),
)

LAPS = Dataset(
    "laps",
    _cols(
        ("Time", "time", DURATION),
        ("Driver", "driver", pl.String),
        ("DriverNumber", "driver_number", pl.String),
        ("LapTime", "lap_time", DURATION),
        ("LapNumber", "lap_number", pl.Int16),
        ("Stint", "stint", pl.Int16),
        ("PitOutTime", "pit_out_time", DURATION),
        ("PitInTime", "pit_in_time", DURATION),
        ("Sector1Time", "sector1_time", DURATION),
        ("Sector2Time", "sector2_time", DURATION),
        ("Sector3Time", "sector3_time", DURATION),
        ("Sector1SessionTime", "sector1_session_time", DURATION),
        ("Sector2SessionTime", "sector2_session_time", DURATION),
        ("Sector3SessionTime", "sector3_session_time", DURATION),
        ("SpeedI1", "speed_i1", pl.Float64),
        ("SpeedI2", "speed_i2", pl.Float64),
        ("SpeedFL", "speed_fl", pl.Float64),
        ("SpeedST", "speed_st", pl.Float64),
        ("IsPersonalBest", "is_personal_best", pl.Boolean),
        ("Compound", "compound", pl.String),
        ("TyreLife", "tyre_life", pl.Float64),
        ("FreshTyre", "fresh_tyre", pl.Boolean),
        ("Team", "team", pl.String),
        ("LapStartTime", "lap_start_time", DURATION),
        ("LapStartDate", "lap_start_date", TIMESTAMP),
        ("TrackStatus", "track_status", pl.String),
        ("Position", "position", pl.Int16),
        ("Deleted", "deleted", pl.Boolean),
        ("DeletedReason", "deleted_reason", pl.String),
        ("FastF1Generated", "fastf1_generated", pl.Boolean),
        ("IsAccurate", "is_accurate", pl.Boolean),
    ),
    key=("driver_number", "lap_number"),
    read=lambda session: session.laps,
    warning_words=("timing data", "lap", "session info"),
    checks=(_laps_missing, _laps_of_unknown_drivers),
)

WEATHER = Dataset(
    "weather",
    _cols(
        ("Time", "session_time", DURATION),
        ("AirTemp", "air_temp", pl.Float64),
        ("Humidity", "humidity", pl.Float64),
        ("Pressure", "pressure", pl.Float64),
        ("Rainfall", "rainfall", pl.Boolean),
        ("TrackTemp", "track_temp", pl.Float64),
        ("WindDirection", "wind_direction", pl.Int16),
        ("WindSpeed", "wind_speed", pl.Float64),
    ),
    key=("session_time",),
    read=lambda session: session.weather_data,
    warning_words=("weather",),
)

CAR_DATA = Dataset(
    "car_data",
    _cols(
        ("DriverNumber", "driver_number", pl.String),
        ("Date", "sampled_at", TIMESTAMP),
        ("SessionTime", "session_time", DURATION),
        ("RPM", "rpm", pl.Int32),
        ("Speed", "speed", pl.Int16),
        ("nGear", "n_gear", pl.Int16),
        ("Throttle", "throttle", pl.Int16),
        ("Brake", "brake", pl.Boolean),
        ("DRS", "drs", pl.Int16),
        ("Source", "source", pl.String),
    ),
    key=("driver_number", "sampled_at"),
    read=lambda session: telemetry_frame(session.car_data),
    warning_words=("car telemetry", "car data", "telemetry"),
    checks=(lambda frames: _only_other_telemetry(frames, "car_data", "position_data"),),
    telemetry=True,
    ignored=("Time",),  # SessionTime minus the lap's start: derivable, not stored
)

POSITION_DATA = Dataset(
    "position_data",
    _cols(
        ("DriverNumber", "driver_number", pl.String),
        ("Date", "sampled_at", TIMESTAMP),
        ("SessionTime", "session_time", DURATION),
        ("Status", "status", pl.String),
        ("X", "x", pl.Int32),
        ("Y", "y", pl.Int32),
        ("Z", "z", pl.Int32),
        ("Source", "source", pl.String),
    ),
    key=("driver_number", "sampled_at"),
    read=lambda session: telemetry_frame(session.pos_data),
    warning_words=("position data", "telemetry"),
    checks=(lambda frames: _only_other_telemetry(frames, "position_data", "car_data"),),
    telemetry=True,
    ignored=("Time",),
)

SESSION_STATUS = Dataset(
    "session_status",
    _cols(("Time", "session_time", DURATION), ("Status", "status", pl.String)),
    key=("sequence_number",),
    read=lambda session: session.session_status,
    warning_words=("session status",),
    ordinal="sequence_number",
)

TRACK_STATUS = Dataset(
    "track_status",
    _cols(
        ("Time", "session_time", DURATION),
        ("Status", "status", pl.String),
        ("Message", "message", pl.String),
    ),
    key=("sequence_number",),
    read=lambda session: session.track_status,
    warning_words=("track status",),
    ordinal="sequence_number",
)

RACE_CONTROL_MESSAGES = Dataset(
    "race_control_messages",
    _cols(
        ("Time", "message_at", TIMESTAMP),
        ("Category", "category", pl.String),
        ("Message", "message", pl.String),
        ("Status", "status", pl.String),
        ("Flag", "flag", pl.String),
        ("Scope", "scope", pl.String),
        ("Sector", "sector", pl.Int16),
        ("RacingNumber", "racing_number", pl.String),
        ("Lap", "lap", pl.Int16),
    ),
    key=("sequence_number",),
    read=lambda session: session.race_control_messages,
    warning_words=("race control",),
    ordinal="sequence_number",
)


def _determined(get: Callable[[], Any]) -> Any:
    """A FastF1 session property, or None where FastF1 could not determine it."""
    try:
        return get()
    except DataNotLoadedError:
        return None


def _session_info(session) -> pd.DataFrame | None:
    """One row: F1's keys of the session (its SessionInfo stream), FastF1's total_laps,
    session_start_time and t0_date; None when FastF1 has none of them."""
    info = _determined(lambda: session.session_info) or {}
    meeting = info.get("Meeting") or {}
    circuit = meeting.get("Circuit") or {}
    row = {
        "SessionKey": info.get("Key"),
        "MeetingKey": meeting.get("Key"),
        "CircuitKey": circuit.get("Key"),
        "CircuitShortName": circuit.get("ShortName"),
        "TotalLaps": _determined(lambda: session.total_laps),
        "SessionStartTime": _determined(lambda: session.session_start_time),
        "T0Date": _determined(lambda: session.t0_date),
    }
    return None if all(value is None for value in row.values()) else pd.DataFrame([row])


SESSION_INFO = Dataset(
    "session_info",
    _cols(
        ("SessionKey", "session_key", pl.Int32),
        ("MeetingKey", "meeting_key", pl.Int32),
        ("CircuitKey", "circuit_key", pl.Int32),
        ("CircuitShortName", "circuit_short_name", pl.String),
        ("TotalLaps", "total_laps", pl.Int16),
        ("SessionStartTime", "session_start_time", DURATION),
        ("T0Date", "t0_date", TIMESTAMP),
    ),
    key=(),
    read=_session_info,
    warning_words=("session info", "lap count", "session_start_time", "t0_date"),
)

MARKER_KINDS = {
    "corner": "corners",
    "marshal_light": "marshal_lights",
    "marshal_sector": "marshal_sectors",
}


def _circuit_info(session) -> pd.DataFrame | None:
    """Every track marker of FastF1's circuit info (MultiViewer's) with its kind, and the map
    rotation on each; None when there is none for the session's circuit and year."""
    info = circuit_info(session)
    if info is None:
        return None
    markers = [getattr(info, attr).assign(Kind=kind) for kind, attr in MARKER_KINDS.items()]
    return pd.concat(markers, ignore_index=True).assign(Rotation=info.rotation)


def _markers_listed_twice(frames: Frames) -> str | None:
    markers = frames.get("circuit_info")
    if markers is None:
        return None
    key = markers.select("kind", "number", "letter")
    twice = sorted({f"{k} {n}{le}" for k, n, le in key.filter(key.is_duplicated()).iter_rows()})
    return f"check: markers listed twice, one of each is kept: {twice}" if twice else None


CIRCUIT_INFO = Dataset(
    "circuit_info",
    _cols(
        ("Kind", "kind", pl.String),
        ("Number", "number", pl.Int16),
        ("Letter", "letter", pl.String),
        ("X", "x", pl.Float64),
        ("Y", "y", pl.Float64),
        ("Angle", "angle", pl.Float64),
        ("Distance", "distance", pl.Float64),
        ("Rotation", "rotation", pl.Float64),
    ),
    key=("kind", "number", "letter"),
    read=_circuit_info,
    warning_words=("circuit info", "multiviewer", "session info", "marker distance"),
    checks=(_markers_listed_twice,),
)

SESSION_DATASETS: tuple[Dataset, ...] = (
    RESULTS,
    LAPS,
    WEATHER,
    CAR_DATA,
    POSITION_DATA,
    SESSION_STATUS,
    TRACK_STATUS,
    RACE_CONTROL_MESSAGES,
    SESSION_INFO,
    CIRCUIT_INFO,
)
BY_NAME = {d.name: d for d in SESSION_DATASETS}
# FastF1 warnings that concern no dataset in particular are kept with this one's load.
GENERAL_WARNINGS = RESULTS.name

# Lineage carried by every raw row.
LINEAGE: dict[str, pl.DataType] = {
    "_load_id": pl.String,
    "_loaded_at": TIMESTAMP,
    "session_id": pl.String,
}

# The season schedule, snapshotted on every run (one row per event / per session).
EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String,
    "season": pl.Int16,
    "round_number": pl.Int16,
    "event_name": pl.String,
    "official_event_name": pl.String,
    "country": pl.String,
    "location": pl.String,
    "event_format": pl.String,
    "event_date": pl.Date,
    "f1_api_support": pl.Boolean,
}
SESSIONS_SCHEMA: dict[str, pl.DataType] = {
    "session_id": pl.String,
    "event_id": pl.String,
    "season": pl.Int16,
    "round_number": pl.Int16,
    "session_number": pl.Int16,
    "session_type": pl.String,
    "session_name": pl.String,
    "starts_at": TIMESTAMP,
    "utc_offset": DURATION,
    "ends_at": TIMESTAMP,  # scheduled end, from flows.session_types (for dbt's statuses)
}
