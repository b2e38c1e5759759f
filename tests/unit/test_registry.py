"""The dataset and session-type registries: what a new entry gets without further edits."""

from __future__ import annotations

from datetime import UTC, datetime

import fastf1
import polars as pl
import pytest

from flows import datasets as ds
from flows.extract.checks import sanity_flags
from flows.extract.schedule import schedule_frames, session_refs
from flows.extract.session import dataset_frame, session_frames
from tests.schedules import Event, fastf1_schedule

# A dataset read from session attributes rather than a FastF1 DataFrame (as session metadata is)
EVENT_INFO = ds.Dataset(
    "event_info",
    ds._cols(
        ("EventName", "event_name", pl.String),
        ("RoundNumber", "round_number", pl.Int16),
        ("EventDate", "event_date", ds.TIMESTAMP),
    ),
    key=(),
    read=lambda session: pl.DataFrame(
        {
            "EventName": [session.event["EventName"]],
            "RoundNumber": [int(session.event["RoundNumber"])],
            "EventDate": [session.event["EventDate"]],
        }
    ),
)


@pytest.fixture
def monza_2019_q(offline_fastf1):
    """FastF1's 2019 Italian GP qualifying from the recorded schedule, not loaded."""
    return fastf1.get_event(2019, 14).get_session("Qualifying")


@pytest.mark.replay
def test_a_reader_of_session_attributes_gives_the_declared_raw_frame(monza_2019_q):
    frame = dataset_frame(monza_2019_q, EVENT_INFO)

    assert frame.schema == pl.Schema(EVENT_INFO.schema)
    # the frozen README: round 14 of 2019 is the Italian Grand Prix, race day 8 September
    assert frame.row(0) == ("Italian Grand Prix", 14, datetime(2019, 9, 8, tzinfo=UTC))


@pytest.mark.replay
def test_a_reader_of_data_fastf1_has_not_loaded_is_unavailable(monza_2019_q):
    # FastF1 raises DataNotLoadedError for data it has not loaded (this session is not)
    not_loaded = ds.Dataset("not_loaded", ds.LAPS.columns, key=(), read=lambda s: s.laps)
    nothing = ds.Dataset("nothing", EVENT_INFO.columns, key=(), read=lambda s: None)
    empty = ds.Dataset("empty", EVENT_INFO.columns, key=(), read=lambda s: pl.DataFrame())

    assert [dataset_frame(monza_2019_q, d) for d in (not_loaded, nothing, empty)] == [None] * 3


def _meeting_key(session) -> pl.DataFrame:
    return pl.DataFrame({"Key": [{}["Meeting"]]})  # as a session whose info lacks the meeting


@pytest.mark.replay
def test_errors_a_dataset_declares_as_unavailable_are_kept_as_its_detail(monza_2019_q):
    meeting = ds.Dataset(
        "meeting", EVENT_INFO.columns, key=(), read=_meeting_key, unavailable_on=(KeyError,)
    )
    notes: list[str] = []

    assert session_frames(monza_2019_q, notes, [meeting, EVENT_INFO])["meeting"] is None
    assert notes == ["meeting unavailable: KeyError: 'Meeting'"]
    with pytest.raises(KeyError):  # any other error fails the load, as it did
        session_frames(monza_2019_q, notes, [ds.Dataset("meeting", (), key=(), read=_meeting_key)])


def test_every_registered_dataset_has_a_reader_and_raw_columns_of_its_own():
    names = [d.name for d in ds.SESSION_DATASETS]
    assert len(set(names)) == len(names)
    for dataset in ds.SESSION_DATASETS:
        assert callable(dataset.read), dataset.name
        assert set(dataset.key) <= set(dataset.schema), dataset.name
        assert not set(dataset.schema) & set(ds.LINEAGE), dataset.name


def test_checks_flag_the_dataset_that_is_missing():
    car = pl.DataFrame({"driver_number": ["1"]})
    only_car = dict.fromkeys(ds.BY_NAME) | {"car_data": car}

    assert sanity_flags(only_car) == {
        "position_data": "check: only one of car data and position data was published"
    }
    assert sanity_flags(dict.fromkeys(ds.BY_NAME)) == {}


# --- session types --------------------------------------------------------------------------

MONZA = Event(
    round_number=14,
    name="Italian Grand Prix",
    sessions=(
        ("Practice 3", "2019-09-07 10:00"),
        ("Qualifying", "2019-09-07 13:00"),
        ("Race", "2019-09-08 13:10"),
    ),
)


def test_the_schedule_snapshot_carries_each_sessions_scheduled_end():
    events, sessions = schedule_frames(fastf1_schedule([MONZA]), 2019)
    ends = dict(zip(sessions["session_type"], sessions["ends_at"], strict=True))

    # a qualifying hour (18 + 15 + 12 minutes and two breaks), a race's two-hour limit
    assert ends["Q"] == datetime(2019, 9, 7, 14, 0, tzinfo=UTC)
    assert ends["R"] == datetime(2019, 9, 8, 15, 10, tzinfo=UTC)
    # what dbt reads from raw is what the pipeline itself uses
    assert {r.session_type: r.ends_at for r in session_refs(events, sessions)} == ends


def test_a_session_without_a_start_has_no_scheduled_end():
    no_start = Event(3, "Chinese Grand Prix", (("Practice 1", "2019-04-12 10:00"),))
    schedule = fastf1_schedule([no_start])
    schedule["Session1DateUtc"] = None
    _, sessions = schedule_frames(schedule, 2019)

    assert sessions.select("starts_at", "ends_at").row(0) == (None, None)
    assert sessions["ends_at"].dtype == pl.Datetime("us", "UTC")


def test_samples_fastf1_fills_in_for_a_missing_driver_have_no_source():
    # FastF1's parser (fastf1/_api.py car_data) gives a driver with missing samples the sample
    # times of the most complete driver, zeros, and no Source; a loaded Session turns that
    # Source into the text 'nan' (seen through the real path in test_online_telemetry's set-up).
    # Either way the filler rows are stored with a null source, the measured ones with 'car'.
    import fastf1._api as live_timing

    from flows.datasets import BY_NAME, telemetry_frame
    from flows.extract.frames import to_polars
    from tests.standin.telemetry_streams import encode_car_data, synthetic_telemetry

    start = datetime(2023, 3, 5, 15, tzinfo=UTC)
    car, _ = synthetic_telemetry(["1", "44"], start, seconds=20, seed=3)
    missing = car["utc_ns"].unique().sort()[10:20].to_list()  # ten sample times of driver 44
    car = car.filter(~((pl.col("driver_number") == "44") & pl.col("utc_ns").is_in(missing)))
    lines = encode_car_data(car, start).decode("utf-8-sig").split("\r\n")[:-1]
    parsed = live_timing.car_data("/2023/x/", response=lines)
    as_session_gives = {
        driver: frame.assign(Source=frame["Source"].astype(str)) for driver, frame in parsed.items()
    }

    for per_driver in (parsed, as_session_gives):
        stored = to_polars(telemetry_frame(per_driver), BY_NAME["car_data"])
        counts = {(d, s): n for d, s, n in stored.group_by("driver_number", "source").len().rows()}
        samples = car["utc_ns"].n_unique()
        assert counts == {("1", "car"): samples, ("44", "car"): samples - 10, ("44", None): 10}
