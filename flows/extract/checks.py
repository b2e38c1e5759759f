"""Sanity checks on what FastF1 gave for a session: oddities are flagged, not silently loaded."""

from __future__ import annotations

import polars as pl

TIMING_STREAMS = ("session_status", "track_status", "race_control_messages", "weather")


def sanity_flags(frames: dict[str, pl.DataFrame | None]) -> dict[str, str]:
    """Dataset -> what looks wrong about it (empty when all is plausible)."""
    flags: dict[str, str] = {}
    results, laps = frames.get("results"), frames.get("laps")
    timed = any(frames.get(name) is not None for name in TIMING_STREAMS)
    if results is not None and laps is None and timed:
        flags["laps"] = "check: results but no laps, although the session has timing streams"
    if results is not None and laps is not None:
        unknown = set(laps["driver_number"].drop_nulls()) - set(results["driver_number"])
        if unknown:
            flags["laps"] = f"check: laps of drivers missing from results: {sorted(unknown)}"
    if laps is not None and results is None:
        flags["results"] = "check: laps but no results"
    car, position = frames.get("car_data"), frames.get("position_data")
    if (car is None) != (position is None):
        missing = "car_data" if car is None else "position_data"
        flags[missing] = "check: only one of car data and position data was published"
    return flags
