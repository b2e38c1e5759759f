"""extract_session on real recorded FastF1 sessions: frames per dataset, None when unavailable."""

from __future__ import annotations

import logging
import threading

import polars as pl
import pytest

from flows import datasets as ds
from flows.extract.schedule import SessionRef, fetch_schedule, schedule_frames, session_refs
from flows.extract.session import (
    SessionExtract,
    captured_fastf1_warnings,
    extract_session,
    is_driver_list_only,
)

TELEMETRY = ("car_data", "position_data")


def recorded_ref(season: int, event_name: str, session_type: str) -> SessionRef:
    """The session's ref from FastF1's (recorded) schedule, as the pipeline builds it."""
    events, sessions = schedule_frames(fetch_schedule(season), season)
    refs = session_refs(events, sessions)
    return next(r for r in refs if r.event_name == event_name and r.session_type == session_type)


def podium(extract: SessionExtract) -> list[str]:
    results = extract.frames["results"]
    return results.sort("position").head(3)["abbreviation"].to_list()


@pytest.fixture
def monza_2019_q(offline_fastf1) -> SessionExtract:
    return extract_session(recorded_ref(2019, "Italian Grand Prix", "Q"))


@pytest.mark.replay
def test_2019_italian_qualifying_row_counts(monza_2019_q):
    heights = {
        name: None if frame is None else frame.height for name, frame in monza_2019_q.frames.items()
    }

    assert heights == {
        "results": 20,
        "laps": 275,
        "weather": 95,
        "car_data": None,  # telemetry is not in the recording
        "position_data": None,
        "session_status": 17,
        "track_status": 12,
        "race_control_messages": 40,
    }


@pytest.mark.replay
def test_2019_italian_qualifying_frames_have_the_declared_schemas(monza_2019_q):
    for name, frame in monza_2019_q.frames.items():
        if frame is not None:
            assert frame.schema == pl.Schema(ds.BY_NAME[name].schema), name


@pytest.mark.replay
def test_2019_italian_qualifying_pole_order(monza_2019_q):
    assert podium(monza_2019_q) == ["LEC", "HAM", "BOT"]


@pytest.mark.replay
def test_2019_italian_qualifying_telemetry_is_unavailable_with_fastf1_reason(monza_2019_q):
    for dataset in TELEMETRY:
        assert monza_2019_q.frames[dataset] is None
        assert "unavailable" in monza_2019_q.detail(dataset)


@pytest.mark.replay
def test_extract_keeps_its_ref_and_every_dataset(monza_2019_q):
    assert monza_2019_q.ref.session_id == "2019-italian-grand-prix-q"
    assert set(monza_2019_q.frames) == set(ds.BY_NAME)


@pytest.mark.replay
def test_every_fastf1_warning_is_kept_with_some_dataset(monza_2019_q):
    assert monza_2019_q.warnings  # telemetry was not recorded: FastF1 warned about it
    kept = " ".join(monza_2019_q.detail(name) or "" for name in ds.BY_NAME)
    assert all(warning in kept for warning in monza_2019_q.warnings)


@pytest.mark.replay
def test_2020_belgian_race_has_results_but_no_laps(offline_fastf1):
    extract = extract_session(recorded_ref(2020, "Belgian Grand Prix", "R"))

    assert extract.frames["laps"] is None
    assert "timing data" in extract.detail("laps")
    assert extract.frames["results"].height == 20
    assert podium(extract) == ["HAM", "BOT", "VER"]


@pytest.mark.replay
def test_session_missing_from_the_recording_has_every_dataset_unavailable(offline_fastf1):
    extract = extract_session(recorded_ref(2019, "Australian Grand Prix", "R"))

    assert extract.frames == dict.fromkeys(ds.BY_NAME)
    assert "session results" in extract.detail("results")
    assert set(extract.detail("results").split("; ")) <= set(extract.warnings)
    for dataset in ds.BY_NAME:
        assert extract.detail(dataset), f"no FastF1 reason kept for {dataset}"


# --- warning capture (no recording needed) ----------------------------------------------------


def test_warnings_logged_in_this_thread_are_captured():
    with captured_fastf1_warnings() as captured:
        logging.getLogger("fastf1.core").warning("Failed to load weather data!")

    assert captured == ["Failed to load weather data!"]


def test_warnings_logged_from_another_thread_are_not_captured():
    fastf1_log = logging.getLogger("fastf1.core")
    with captured_fastf1_warnings() as captured:
        other = threading.Thread(
            target=fastf1_log.warning, args=("Failed to load timing data! (other session)",)
        )
        other.start()
        other.join()
        fastf1_log.warning("Failed to load track status data!")

    assert captured == ["Failed to load track status data!"]


def test_info_messages_and_other_loggers_are_not_captured():
    with captured_fastf1_warnings() as captured:
        logging.getLogger("fastf1.req").info("Using cached data for timing_data")
        logging.getLogger("flows.backfill").warning("not from FastF1")

    assert captured == []


def test_nothing_is_captured_after_the_block_ends():
    with captured_fastf1_warnings() as captured:
        pass
    logging.getLogger("fastf1.core").warning("Failed to load race control messages!")

    assert captured == []


@pytest.mark.replay
def test_unrecorded_practice_with_only_a_fallback_driver_list_is_unavailable(offline_fastf1):
    # FastF1 builds a driver list for 2020 Belgian FP1 from the (recorded) race's Ergast
    # results, with no timing data and no positions: that is not this session's data.
    extract = extract_session(recorded_ref(2020, "Belgian Grand Prix", "FP1"))

    assert all(frame is None for frame in extract.frames.values())
    assert "driver list" in extract.detail("results")


def test_results_without_positions_count_when_timing_streams_exist():
    results = pl.DataFrame({"position": [None, None]}, schema={"position": pl.Int16})
    laps = pl.DataFrame({"lap_number": [1]})
    frames = {name: None for name in ds.BY_NAME} | {"results": results}

    assert is_driver_list_only(frames)
    assert not is_driver_list_only(frames | {"laps": laps})
    positioned = pl.DataFrame({"position": [1, 2]}, schema={"position": pl.Int16})
    assert not is_driver_list_only(frames | {"results": positioned})  # pre-2018: Ergast only
