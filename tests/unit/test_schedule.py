"""Schedule -> events/sessions frames: stable ids, session types, UTC start times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from flows.datasets import EVENTS_SCHEMA, SESSIONS_SCHEMA
from flows.extract.schedule import (
    fetch_schedule,
    make_event_id,
    make_session_id,
    schedule_frames,
    session_refs,
    session_type,
    slugify,
)
from flows.session_types import UnknownSessionError
from tests.schedules import CONVENTIONAL, SPRINT_QUALIFYING, Event, fastf1_schedule, weekend

# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("São Paulo Grand Prix", "sao-paulo-grand-prix"),
        ("Emilia Romagna Grand Prix", "emilia-romagna-grand-prix"),
        ("70th Anniversary Grand Prix", "70th-anniversary-grand-prix"),
        ("  Mexico City   Grand Prix! ", "mexico-city-grand-prix"),
        ("Grand Prix de l'Émilie", "grand-prix-de-l-emilie"),
    ],
)
def test_slugify_gives_lowercase_ascii_words_joined_by_dashes(text, slug):
    assert slugify(text) == slug


def test_event_id_is_season_and_name_slug_without_round():
    event_id = make_event_id(2024, "São Paulo Grand Prix")

    assert event_id == "2024-sao-paulo-grand-prix"
    assert make_event_id(2025, "São Paulo Grand Prix") != event_id


def test_session_ids_differ_per_session_type_and_extend_the_event_id():
    event_id = make_event_id(2023, "Azerbaijan Grand Prix")
    ids = [make_session_id(event_id, t) for t in ("FP1", "Q", "SS", "S", "R")]

    assert len(set(ids)) == len(ids)
    assert all(i.startswith(f"{event_id}-") for i in ids)
    assert all(i == i.lower() for i in ids)


# --- session types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_format", "names", "types"),
    [
        ("conventional", CONVENTIONAL, ("FP1", "FP2", "FP3", "Q", "R")),
        # 2021: "Sprint Qualifying" was the sprint race itself.
        (
            "sprint",
            ("Practice 1", "Qualifying", "Practice 2", "Sprint Qualifying", "Race"),
            ("FP1", "Q", "FP2", "S", "R"),
        ),
        # 2022: the same format, with the race renamed "Sprint".
        (
            "sprint",
            ("Practice 1", "Qualifying", "Practice 2", "Sprint", "Race"),
            ("FP1", "Q", "FP2", "S", "R"),
        ),
        (
            "sprint_shootout",
            ("Practice 1", "Qualifying", "Sprint Shootout", "Sprint", "Race"),
            ("FP1", "Q", "SS", "S", "R"),
        ),
        ("sprint_qualifying", SPRINT_QUALIFYING, ("FP1", "SQ", "S", "Q", "R")),
    ],
    ids=["conventional", "sprint-2021", "sprint-2022", "sprint_shootout", "sprint_qualifying"],
)
def test_session_type_for_every_fastf1_session_name(event_format, names, types):
    assert tuple(session_type(name, event_format) for name in names) == types


@pytest.mark.parametrize("name", ["Practice 4", "Day 1", "Shakedown", ""])
def test_unknown_session_name_raises_naming_it(name):
    with pytest.raises(UnknownSessionError, match=re.escape(repr(name))):
        session_type(name, "conventional")


def test_schedule_with_unknown_session_name_raises():
    schedule = fastf1_schedule(
        [Event(1, "Italian Grand Prix", weekend("2019-09-06", ("Practice 1", "Hot Lap")))]
    )
    with pytest.raises(UnknownSessionError):
        schedule_frames(schedule, 2019)


# --- schedule_frames on a schedule built in code ---------------------------------------------

MONZA = Event(
    round_number=14,
    name="Italian Grand Prix",
    sessions=(
        ("Practice 1", "2019-09-06 09:00"),
        ("Practice 2", "2019-09-06 13:00"),
        ("Practice 3", "2019-09-07 10:00"),
        ("Qualifying", "2019-09-07 13:00"),
        ("Race", "2019-09-08 13:10"),
    ),
    utc_offset=timedelta(hours=2),
)
MONTREAL = Event(
    round_number=7,
    name="Canadian Grand Prix",
    sessions=weekend("2019-06-07"),
    utc_offset=timedelta(hours=-4),
    country="Canada",
    location="Montréal",
)


def test_schedule_frames_have_one_row_per_event_and_per_session_with_declared_schemas():
    events, sessions = schedule_frames(fastf1_schedule([MONTREAL, MONZA]), 2019)

    assert events.schema == pl.Schema(EVENTS_SCHEMA)
    assert sessions.schema == pl.Schema(SESSIONS_SCHEMA)
    assert events["event_id"].to_list() == [
        "2019-canadian-grand-prix",
        "2019-italian-grand-prix",
    ]
    assert sessions.height == 10
    assert sessions["session_id"].is_unique().all()


def test_event_row_carries_the_schedule_fields():
    events, _ = schedule_frames(fastf1_schedule([MONZA]), 2019)
    row = events.row(0, named=True)

    assert row["season"] == 2019
    assert row["round_number"] == 14
    assert row["event_name"] == "Italian Grand Prix"
    assert row["official_event_name"] == "FORMULA 1 ITALIAN GRAND PRIX"
    assert (row["country"], row["location"]) == ("Italy", "Monza")
    assert row["event_format"] == "conventional"
    assert str(row["event_date"]) == "2019-09-08"
    assert row["f1_api_support"] is True


def test_session_starts_at_is_utc_and_utc_offset_comes_from_the_local_time():
    _, sessions = schedule_frames(fastf1_schedule([MONZA]), 2019)
    quali = sessions.filter(pl.col("session_type") == "Q").row(0, named=True)

    assert quali["session_id"] == "2019-italian-grand-prix-q"
    assert quali["session_number"] == 4
    assert quali["session_name"] == "Qualifying"
    assert quali["starts_at"] == datetime(2019, 9, 7, 13, 0, tzinfo=UTC)
    assert quali["utc_offset"] == timedelta(hours=2)


def test_negative_utc_offset_is_kept():
    _, sessions = schedule_frames(fastf1_schedule([MONTREAL]), 2019)

    assert set(sessions["utc_offset"].to_list()) == {timedelta(hours=-4)}
    assert sessions["starts_at"][0] == datetime(2019, 6, 7, 10, 0, tzinfo=UTC)


def test_session_types_follow_the_event_format():
    azerbaijan = Event(
        4,
        "Azerbaijan Grand Prix",
        weekend("2023-04-28", ("Practice 1", "Qualifying", "Sprint Shootout", "Sprint", "Race")),
        event_format="sprint_shootout",
    )
    _, sessions = schedule_frames(fastf1_schedule([azerbaijan]), 2023)

    assert sessions["session_type"].to_list() == ["FP1", "Q", "SS", "S", "R"]
    assert sessions["session_number"].to_list() == [1, 2, 3, 4, 5]


def test_event_with_fewer_than_five_sessions_gives_only_those_sessions():
    short = Event(3, "Chinese Grand Prix", weekend("2019-04-12", ("Practice 1", "Race")))
    _, sessions = schedule_frames(fastf1_schedule([short]), 2019)

    assert sessions["session_type"].to_list() == ["FP1", "R"]


def test_testing_events_are_excluded():
    testing = Event(
        0,
        "Pre-Season Testing",
        weekend("2019-02-18", ("Day 1", "Day 2", "Day 3")),
        event_format="testing",
    )
    events, sessions = schedule_frames(fastf1_schedule([testing, MONZA]), 2019)

    assert events["event_name"].to_list() == ["Italian Grand Prix"]
    assert set(sessions["event_id"]) == {"2019-italian-grand-prix"}


def test_ids_are_stable_when_an_earlier_event_is_removed_and_rounds_renumber():
    australia = Event(1, "Australian Grand Prix", weekend("2020-03-13"))
    china = Event(2, "Chinese Grand Prix", weekend("2020-04-17"))
    bahrain = Event(3, "Bahrain Grand Prix", weekend("2020-11-27"))
    before_events, before_sessions = schedule_frames(
        fastf1_schedule([australia, china, bahrain]), 2020
    )
    renumbered = Event(2, bahrain.name, bahrain.sessions)
    after_events, after_sessions = schedule_frames(fastf1_schedule([australia, renumbered]), 2020)

    def ids(events, name):
        return events.filter(pl.col("event_name") == name).row(0, named=True)

    assert ids(before_events, "Bahrain Grand Prix")["round_number"] == 3
    assert ids(after_events, "Bahrain Grand Prix")["round_number"] == 2
    assert (
        ids(before_events, "Bahrain Grand Prix")["event_id"]
        == ids(after_events, "Bahrain Grand Prix")["event_id"]
    )
    bahrain_id = ids(after_events, "Bahrain Grand Prix")["event_id"]
    before = before_sessions.filter(pl.col("event_id") == bahrain_id)["session_id"].to_list()
    after = after_sessions.filter(pl.col("event_id") == bahrain_id)["session_id"].to_list()
    assert before == after
    assert len(after) == 5


def test_session_refs_carry_event_name_and_start():
    events, sessions = schedule_frames(fastf1_schedule([MONZA]), 2019)
    refs = session_refs(events, sessions)

    race = next(r for r in refs if r.session_type == "R")
    assert race.event_name == "Italian Grand Prix"
    assert race.round_number == 14
    assert race.session_name == "Race"
    assert race.starts_at == datetime(2019, 9, 8, 13, 10, tzinfo=UTC)
    assert race.label == "2019 Italian Grand Prix Race"


# --- replay of FastF1's real schedules ------------------------------------------------------


@pytest.mark.replay
@pytest.mark.parametrize(("season", "races"), [(2019, 21), (2020, 17), (2023, 22)])
def test_recorded_fastf1_schedule_converts(offline_fastf1, season, races):
    events, sessions = schedule_frames(fetch_schedule(season), season)

    assert events.height == races
    assert sorted(events["round_number"].to_list()) == list(range(1, races + 1))
    assert events["event_id"].is_unique().all()
    assert sessions["session_id"].is_unique().all()
    assert sessions["starts_at"].null_count() == 0
    assert set(sessions["event_id"]) == set(events["event_id"])
    assert (sessions["season"] == season).all()


@pytest.mark.replay
def test_recorded_2023_schedule_has_azerbaijan_sprint_shootout_weekend(offline_fastf1):
    events, sessions = schedule_frames(fetch_schedule(2023), 2023)
    baku = events.filter(pl.col("event_name") == "Azerbaijan Grand Prix").row(0, named=True)
    baku_sessions = sessions.filter(pl.col("event_id") == baku["event_id"]).sort("session_number")

    assert baku["event_format"] == "sprint_shootout"
    assert baku_sessions["session_type"].to_list() == ["FP1", "Q", "SS", "S", "R"]
    assert set(baku_sessions["utc_offset"].to_list()) == {timedelta(hours=4)}
