"""EVENTS= / SESSIONS= filters over a season's sessions."""

from __future__ import annotations

import pytest

from flows.extract.schedule import SessionRef, schedule_frames, session_refs
from flows.selection import SelectionError, select_sessions
from tests.schedules import Event, fastf1_schedule, sprint_weekend, weekend


@pytest.fixture(scope="module")
def refs() -> list[SessionRef]:
    schedule = fastf1_schedule(
        [
            Event(1, "Bahrain Grand Prix", weekend("2024-02-29")),
            sprint_weekend(6, "Miami Grand Prix", "2024-05-03"),
            Event(7, "Emilia Romagna Grand Prix", weekend("2024-05-17")),
            Event(16, "Italian Grand Prix", weekend("2024-08-30")),
            sprint_weekend(21, "São Paulo Grand Prix", "2024-11-01"),
        ]
    )
    return session_refs(*schedule_frames(schedule, 2024))


def events_of(chosen: list[SessionRef]) -> set[str]:
    return {r.event_name for r in chosen}


def test_no_filters_selects_everything(refs):
    assert select_sessions(refs) == refs


def test_select_by_round_number(refs):
    chosen = select_sessions(refs, events=["16"])

    assert events_of(chosen) == {"Italian Grand Prix"}
    assert len(chosen) == 5


def test_select_by_a_word_of_the_event_name(refs):
    assert events_of(select_sessions(refs, events=["Italian"])) == {"Italian Grand Prix"}


def test_name_match_ignores_case_and_accents(refs):
    assert events_of(select_sessions(refs, events=["sao paulo"])) == {"São Paulo Grand Prix"}


def test_select_by_event_id(refs):
    chosen = select_sessions(refs, events=["2024-emilia-romagna-grand-prix"])

    assert events_of(chosen) == {"Emilia Romagna Grand Prix"}


def test_select_by_full_event_name(refs):
    assert events_of(select_sessions(refs, events=["Miami Grand Prix"])) == {"Miami Grand Prix"}


def test_several_events_combine(refs):
    chosen = select_sessions(refs, events=["1", "Miami"])

    assert events_of(chosen) == {"Bahrain Grand Prix", "Miami Grand Prix"}


def test_select_by_session_types(refs):
    chosen = select_sessions(refs, sessions=["Q", "R"])

    assert {r.session_type for r in chosen} == {"Q", "R"}
    assert len(chosen) == 10


def test_session_types_are_case_insensitive(refs):
    chosen = select_sessions(refs, sessions=["sq", " s "])

    assert {(r.event_name, r.session_type) for r in chosen} == {
        ("Miami Grand Prix", "SQ"),
        ("Miami Grand Prix", "S"),
        ("São Paulo Grand Prix", "SQ"),
        ("São Paulo Grand Prix", "S"),
    }


def test_events_and_session_types_together(refs):
    chosen = select_sessions(refs, events=["Italian"], sessions=["Q"])

    assert [r.session_id for r in chosen] == ["2024-italian-grand-prix-q"]


def test_session_type_absent_from_the_chosen_event_selects_nothing(refs):
    assert select_sessions(refs, events=["Italian"], sessions=["SQ"]) == []


def test_ambiguous_name_raises_listing_the_matching_events(refs):
    with pytest.raises(SelectionError, match="several events") as error:
        select_sessions(refs, events=["Grand Prix"])

    message = str(error.value)
    assert "'Grand Prix'" in message
    assert "Bahrain Grand Prix" in message
    assert "Italian Grand Prix" in message


@pytest.mark.parametrize("name", ["Monaco", "Ital", "99"])
def test_unknown_event_raises_naming_it_and_the_season(refs, name):
    with pytest.raises(SelectionError, match="no event matches") as error:
        select_sessions(refs, events=[name])

    assert repr(name) in str(error.value)
    assert "2024" in str(error.value)


def test_unknown_session_type_raises_listing_the_valid_ones(refs):
    with pytest.raises(SelectionError, match="unknown session type FP4") as error:
        select_sessions(refs, sessions=["Q", "FP4"])

    for valid in ("FP1", "FP2", "FP3", "Q", "SQ", "SS", "S", "R"):
        assert valid in str(error.value)


# --- real schedules (the replay cache): names, locations and countries as FastF1 has them -------


@pytest.fixture
def seasons(offline_fastf1) -> dict[int, list[SessionRef]]:
    """FastF1's own 2019 and 2020 schedules, offline from the replay cache."""
    from flows.extract.schedule import fetch_schedule

    return {
        year: session_refs(*schedule_frames(fetch_schedule(year), year)) for year in (2019, 2020)
    }


@pytest.mark.replay
@pytest.mark.parametrize(
    ("year", "name", "event"),
    [
        (2019, "Monza", "Italian Grand Prix"),  # location
        (2019, "Baku", "Azerbaijan Grand Prix"),  # location
        (2019, "Italy", "Italian Grand Prix"),  # country, one event in 2019
        (2019, "Mexico", "Mexican Grand Prix"),  # country
        (2019, "United States", "United States Grand Prix"),  # the event's name comes first
        (2020, "Mugello", "Tuscan Grand Prix"),
    ],
)
def test_select_by_location_or_country(seasons, year, name, event):
    assert events_of(select_sessions(seasons[year], events=[name])) == {event}


@pytest.mark.replay
def test_a_country_with_several_events_lists_them(seasons):
    # 2020: Italy held the Italian (Monza), Tuscan (Mugello) and Emilia Romagna (Imola) GPs.
    with pytest.raises(SelectionError, match="'Italy' matches several events in 2020") as error:
        select_sessions(seasons[2020], events=["Italy"])

    for candidate in ("Italian Grand Prix (Monza)", "Tuscan Grand Prix (Mugello)"):
        assert candidate in str(error.value)


@pytest.mark.replay
@pytest.mark.parametrize(
    ("name", "suggested"),
    [("Monzza", "Monza"), ("Italain", "Italian"), ("Silverston", "Silverstone")],
)
def test_an_unknown_name_gets_a_suggestion(seasons, name, suggested):
    with pytest.raises(SelectionError, match=f"no event matches '{name}' in 2019") as error:
        select_sessions(seasons[2019], events=[name])

    assert f"did you mean {suggested}" in str(error.value)


@pytest.mark.replay
def test_no_suggestion_for_a_name_like_nothing(seasons):
    with pytest.raises(SelectionError) as error:
        select_sessions(seasons[2019], events=["Atlantis"])

    assert "did you mean" not in str(error.value)
