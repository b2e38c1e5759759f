"""The synthetic season the benchmark streams: a real schedule, real sizes, the same every time."""

from __future__ import annotations

from flows.session_types import scheduled_length
from tests.synthetic import WEEKEND, synthetic_season


def test_sessions_follow_weekends_in_schedule_order():
    season = synthetic_season(2030, 7, drivers=2, minutes=2)

    assert [ref.session_type for ref in season.refs] == [
        "FP1",
        "FP2",
        "FP3",
        "Q",
        "R",
        "FP1",
        "FP2",
    ]
    assert season.events.height == 2 and season.sessions.height == 10  # whole weekends scheduled
    assert season.sessions["session_id"].to_list()[:7] == [ref.session_id for ref in season.refs]
    starts = [ref.starts_at for ref in season.refs]
    assert starts == sorted(starts)


def test_frames_are_the_same_on_every_call_and_differ_between_sessions():
    season = synthetic_season(2030, 2, drivers=2, minutes=2)

    first = season.frames(0)
    assert all(first[name].equals(frame) for name, frame in season.frames(0).items())
    assert not first["car_data"].equals(season.frames(1)["car_data"])


def test_streaming_yields_each_session_once():
    season = synthetic_season(2030, 3, drivers=2, minutes=2)

    assert [ref for ref, _ in season] == season.refs


def test_real_sizes_sample_every_car_four_times_a_second():
    season = synthetic_season(2030, 1)  # FP1: 20 cars, 60 minutes

    frames = season.frames(0)
    assert frames["car_data"].height == frames["position_data"].height == 20 * 60 * 60 * 4
    assert frames["car_data"]["driver_number"].n_unique() == 20


def test_the_race_has_the_longest_timing_data_and_fits_its_scheduled_slot():
    minutes = {name: length for name, _, _, length in WEEKEND}

    assert max(minutes, key=minutes.get) == "Race"
    assert minutes["Race"] * 60 <= scheduled_length("R").total_seconds()
