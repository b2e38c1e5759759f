"""extract_session on real recorded FastF1 sessions: frames per dataset, None when unavailable."""

from __future__ import annotations

import logging
import threading

import polars as pl
import pytest

from flows import datasets as ds
from flows.extract.fastf1_warnings import captured_fastf1_warnings
from flows.extract.publication import NOT_PUBLISHED, borrows_driver_list
from flows.extract.result import SessionExtract
from flows.extract.schedule import SessionRef, fetch_schedule, schedule_frames, session_refs
from flows.extract.session import extract_session

TELEMETRY = [d.name for d in ds.SESSION_DATASETS if d.telemetry]


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


# FastF1's figures for 2019 Monza qualifying (the frozen README)
MONZA_2019_Q = {
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
def test_2019_italian_qualifying_row_counts(monza_2019_q):
    heights = {
        name: None if frame is None else frame.height for name, frame in monza_2019_q.frames.items()
    }

    # a dataset registered later is held to its declared schema by the next test
    assert {name: heights[name] for name in MONZA_2019_Q} == MONZA_2019_Q


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
def test_session_missing_from_the_recording_is_not_published(offline_fastf1):
    extract = extract_session(recorded_ref(2019, "Australian Grand Prix", "R"))

    assert not extract.published
    assert extract.frames == dict.fromkeys(ds.BY_NAME)
    assert not extract.complete
    assert {extract.detail(dataset) for dataset in ds.BY_NAME} == {NOT_PUBLISHED}


@pytest.mark.replay
def test_a_session_without_session_info_but_with_timing_is_published(offline_fastf1):
    # 2020 70th Anniversary FP2 was recorded without SessionInfo and DriverList: the probe
    # (SessionStatus) finds it, and FastF1's figures are the frozen README's
    extract = extract_session(recorded_ref(2020, "70th Anniversary Grand Prix", "FP2"))

    assert extract.published and extract.complete
    assert extract.frames["results"].height == 20
    assert extract.frames["laps"].height == 535
    assert extract.frames["weather"].height == 100


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


# --- the driver-list rule (no recorded session has SessionStatus without its own list or laps)

_POSITIONS = {"position": pl.Int16}
LIST_ONLY = dict.fromkeys(ds.BY_NAME) | {
    "results": pl.DataFrame({"position": [None, None]}, schema=_POSITIONS)
}
LAPS = pl.DataFrame({"lap_number": [1]})


def _ref(session_type: str) -> SessionRef:
    return SessionRef(2023, 1, "e", "E", f"e-{session_type.lower()}", session_type, "x", None)


def _never_asked() -> bool:
    raise AssertionError("live timing was asked although the answer cannot matter")


def test_a_practice_driver_list_fastf1_copied_from_the_race_is_not_its_result():
    assert borrows_driver_list(_ref("FP1"), LIST_ONLY, lambda: False)


def test_a_practice_sessions_own_driver_list_is_its_result():
    assert not borrows_driver_list(_ref("FP1"), LIST_ONLY, lambda: True)
    extract = SessionExtract(_ref("FP2"), LIST_ONLY)
    assert extract.complete  # practice: its own driver list is the final result


def test_practice_results_with_the_sessions_own_laps_are_its_own():
    assert not borrows_driver_list(_ref("FP3"), LIST_ONLY | {"laps": LAPS}, _never_asked)


def test_only_practice_borrows_a_driver_list():
    # a race, qualifying or sprint without positions has its own list: results not final yet
    for session_type in ("Q", "SQ", "SS", "S", "R"):
        assert not borrows_driver_list(_ref(session_type), LIST_ONLY, _never_asked)
        assert not SessionExtract(_ref(session_type), LIST_ONLY).complete
