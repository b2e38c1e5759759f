"""Statuses as of a point in time, their history, podiums and the availability matrix (dbt)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import polars as pl
import pytest

from flows.extract.schedule import SessionRef, schedule_frames
from flows.extract.session import SessionExtract
from flows.load.connection import connect
from flows.load.schedule_run import stored_refs
from flows.load.schedule_store import schedule_changed
from flows.transform import dbt
from flows.transform.dbt import DbtError, build_staged, run_dbt, stale_sources
from tests.integration.database import query, scalar
from tests.integration.loading import load, write_season
from tests.integration.marts_support import project_copy
from tests.schedules import wide_schedule
from tests.synthetic import synthetic_frames

pytestmark = pytest.mark.integration

SEASON = 2024
EVENTS = ["Bahrain Grand Prix", "Saudi Arabian Grand Prix", "Australian Grand Prix"]
# Bahrain's weekend (tests.schedules): FP1 Fri 1 Mar 11:00, FP2 14:00, FP3 Sat 11:00,
# Q Sat 14:00, R Sun 3 Mar 15:00-17:00 UTC; then a weekend a fortnight.
BAHRAIN, SAUDI, AUSTRALIA = (
    f"2024-{slug}"
    for slug in ("bahrain-grand-prix", "saudi-arabian-grand-prix", "australian-grand-prix")
)
RACE_START = datetime(2024, 3, 3, 15, tzinfo=UTC)
BEFORE_WEEKEND, DURING_RACE = datetime(2024, 2, 28, 12, tzinfo=UTC), RACE_START + timedelta(hours=1)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _schedule(url: str, schedule: pd.DataFrame) -> dict[str, SessionRef]:
    """Write a schedule snapshot (creating raw first); its sessions by session_id."""
    return {ref.session_id: ref for ref in write_season(url, schedule, SEASON)}


def _load(url: str, ref: SessionRef, frames: dict[str, pl.DataFrame | None]) -> SessionExtract:
    """Load the frames; the extract, which tells what the load settled (complete or not)."""
    load(url, ref, frames)
    return SessionExtract(ref, frames)


def _frames(seed: int, **overrides: pl.DataFrame | None) -> dict[str, pl.DataFrame | None]:
    return {**synthetic_frames(seed, RACE_START, drivers=3, laps=2), **overrides}


def _unclassified(frames: dict[str, pl.DataFrame | None]) -> dict[str, pl.DataFrame | None]:
    """The same session before its classification is published: every position null."""
    results = frames["results"].with_columns(pl.lit(None, pl.Int16).alias("position"))
    return {**frames, "results": results}


def _build(url: str, as_of: datetime) -> None:
    run_dbt(url, "build", "--vars", json.dumps({"as_of": as_of.isoformat()}))


def _statuses(url: str, table: str, key: str, prefix: str) -> dict[str, str]:
    rows = query(url, f"select {key}, status from staged.{table} where {key} like $1", prefix + "%")
    return dict(rows)


def _history(url: str, entity: str, entity_id: str) -> list[tuple[str, datetime, datetime | None]]:
    return query(
        url,
        f"select status, valid_from, valid_to from staged.{entity}_status_history "
        f"where {entity}_id = $1 order by valid_from",
        entity_id,
    )


def _result_count(url: str, session_id: str) -> int:
    return scalar(url, "select count(*) from staged.results where session_id = $1", session_id)


def _observation_count(url: str) -> int:
    return scalar(
        url,
        "select (select count(*) from staged.session_status_observations)"
        " + (select count(*) from staged.event_status_observations)",
    )


def test_session_statuses_at_a_fixed_as_of(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    fp1 = _load(db_url, refs[f"{BAHRAIN}-fp1"], _frames(1))
    assert fp1.complete  # practice: the driver list is the final result
    _build(db_url, _at("2024-03-02T14:00:00+00:00"))  # the very start of qualifying

    assert _statuses(db_url, "sessions", "session_id", BAHRAIN) == {
        f"{BAHRAIN}-fp1": "completed",
        f"{BAHRAIN}-fp2": "awaiting_results",  # held, never loaded
        f"{BAHRAIN}-fp3": "awaiting_results",
        f"{BAHRAIN}-q": "live",
        f"{BAHRAIN}-r": "scheduled",
    }
    assert _statuses(db_url, "events", "event_id", "2024-") == {
        BAHRAIN: "live",
        SAUDI: "scheduled",
        AUSTRALIA: "scheduled",
    }
    lengths = query(
        db_url,
        "select session_type, extract(epoch from ends_at - starts_at)::int / 60, is_cancelled, "
        "has_complete_results "
        "from staged.sessions where event_id = $1 order by session_number",
        BAHRAIN,
    )
    assert lengths == [
        ("FP1", 60, False, True),
        ("FP2", 60, False, False),
        ("FP3", 60, False, False),
        ("Q", 60, False, False),
        ("R", 120, False, False),
    ]
    event = query(
        db_url,
        "select starts_at, ends_at, final_session_id, status_as_of from staged.events "
        "where event_id = $1",
        BAHRAIN,
    )
    assert event == [
        (
            _at("2024-03-01T11:00:00+00:00"),
            RACE_START + timedelta(hours=2),
            f"{BAHRAIN}-r",
            _at("2024-03-02T14:00:00+00:00"),
        )
    ]


def test_replaying_a_weekend_records_scheduled_live_completed(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    before, during, after = BEFORE_WEEKEND, DURING_RACE, _at("2024-03-03T18:30:00+00:00")
    race = refs[f"{BAHRAIN}-r"]
    _build(db_url, before)
    _build(db_url, during)
    _load(db_url, race, _unclassified(_frames(2)))
    _build(db_url, after)
    assert _statuses(db_url, "events", "event_id", BAHRAIN) == {BAHRAIN: "awaiting_results"}
    # the classification arrives; rebuilt at the same as_of, awaiting_results never held
    _load(db_url, race, _frames(2))
    _build(db_url, after)

    expected = [("scheduled", before, during), ("live", during, after), ("completed", after, None)]
    assert _history(db_url, "event", BAHRAIN) == expected
    assert _history(db_url, "session", f"{BAHRAIN}-r") == expected
    # qualifying ended before `during` and was never loaded
    assert [row[0] for row in _history(db_url, "session", f"{BAHRAIN}-q")] == [
        "scheduled",
        "awaiting_results",
    ]
    assert _history(db_url, "event", AUSTRALIA) == [("scheduled", before, None)]

    observations = _observation_count(db_url)
    _build(db_url, after)
    assert _observation_count(db_url) == observations
    assert _history(db_url, "event", BAHRAIN) == expected


def test_cancelled_and_renumbered_events_keep_their_ids_and_data(db_url):
    first = wide_schedule(SEASON, EVENTS)
    refs = _schedule(db_url, first)
    _load(db_url, refs[f"{BAHRAIN}-r"], _frames(3))
    _build(db_url, _at("2024-03-10T12:00:00+00:00"))
    starts_before = dict(
        query(
            db_url,
            "select session_id, starts_at from staged.sessions where event_id = $1",
            AUSTRALIA,
        )
    )

    # Saudi Arabia is called off and Australia's FP3 dropped: Australia becomes round 2.
    second = first[first["EventName"] != "Saudi Arabian Grand Prix"].reset_index(drop=True)
    second["RoundNumber"] = range(1, len(second) + 1)
    second.loc[second["EventName"] == "Australian Grand Prix", "Session3"] = None
    _schedule(db_url, second)
    australia_race = refs[f"{AUSTRALIA}-r"]
    _load(db_url, australia_race, _frames(4))
    _build(db_url, _at("2024-04-01T12:00:00+00:00"))

    events = query(
        db_url,
        "select event_id, round_number, is_cancelled, status from staged.events order by event_id",
    )
    assert events == [
        (AUSTRALIA, 2, False, "completed"),
        (BAHRAIN, 1, False, "completed"),
        (SAUDI, 2, True, "cancelled"),  # its last snapshot's round
    ]
    assert set(_statuses(db_url, "sessions", "session_id", SAUDI).values()) == {"cancelled"}
    assert _statuses(db_url, "sessions", "session_id", AUSTRALIA) == {
        f"{AUSTRALIA}-fp1": "awaiting_results",
        f"{AUSTRALIA}-fp2": "awaiting_results",
        f"{AUSTRALIA}-fp3": "cancelled",
        f"{AUSTRALIA}-q": "awaiting_results",
        f"{AUSTRALIA}-r": "completed",
    }
    rounds = query(
        db_url,
        "select round_number, array_agg(session_type order by session_number) "
        "from staged.sessions where event_id = $1 group by 1 order by 1",
        AUSTRALIA,
    )
    assert rounds == [(2, ["FP1", "FP2", "Q", "R"]), (3, ["FP3"])]  # FP3: its last snapshot
    starts_after = dict(
        query(
            db_url,
            "select session_id, starts_at from staged.sessions where event_id = $1",
            AUSTRALIA,
        )
    )
    assert starts_after == starts_before
    assert _result_count(db_url, f"{BAHRAIN}-r") == _result_count(db_url, f"{AUSTRALIA}-r") == 3
    assert [row[0] for row in _history(db_url, "event", SAUDI)] == ["scheduled", "cancelled"]
    assert [row[0] for row in _history(db_url, "event", AUSTRALIA)] == ["scheduled", "completed"]


def test_sessions_snapshotted_before_raw_had_ends_at_get_their_scheduled_end(db_url):
    # A database of the version before raw.sessions.ends_at: the DDL run adds the column, null
    # in the snapshots it wrote. The next run's snapshot differs, so it is stored; Saudi Arabia,
    # called off by then, keeps rows of the old snapshot only.
    first = wide_schedule(SEASON, EVENTS)
    _schedule(db_url, first)
    with connect(db_url) as conn:
        conn.cursor().execute("update raw.sessions set ends_at = null")  # as that version left it
        conn.commit()
        assert schedule_changed(conn.cursor(), SEASON, *schedule_frames(first, SEASON))
    _schedule(db_url, first[first["EventName"] != "Saudi Arabian Grand Prix"])
    _build(db_url, _at("2024-03-20T12:00:00+00:00"))

    lengths = query(
        db_url,
        "select session_type, extract(epoch from ends_at - starts_at)::int / 60, status "
        "from staged.sessions where event_id = $1 order by session_number",
        SAUDI,
    )
    assert lengths == [
        ("FP1", 60, "cancelled"),
        ("FP2", 60, "cancelled"),
        ("FP3", 60, "cancelled"),
        ("Q", 60, "cancelled"),
        ("R", 120, "cancelled"),  # a race's two-hour limit
    ]
    assert scalar(db_url, "select count(*) from staged.sessions where ends_at is null") == 0


def test_a_run_on_the_stored_schedule_stores_it_again_with_scheduled_ends(db_url):
    # SKIP_SCHEDULE=1 on a database of the version before raw.sessions.ends_at
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS[:1]))
    with connect(db_url) as conn:
        conn.cursor().execute("update raw.sessions set ends_at = null")  # as that version left it
        conn.commit()

    assert stored_refs(SEASON) == list(refs.values())
    assert stored_refs(SEASON) == list(refs.values())  # stored again once, not on every run
    _build(db_url, RACE_START + timedelta(hours=1))

    assert scalar(db_url, "select count(distinct _load_id) from raw.sessions") == 2
    assert _statuses(db_url, "sessions", "session_id", f"{BAHRAIN}-r") == {f"{BAHRAIN}-r": "live"}


def test_results_polling_podiums_and_dataset_matrix(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    race, qualifying = refs[f"{BAHRAIN}-r"], refs[f"{BAHRAIN}-q"]
    provisional = _load(db_url, race, _unclassified(_frames(5)))
    assert not provisional.complete
    _build(db_url, _at("2024-03-03T18:00:00+00:00"))

    assert _statuses(db_url, "sessions", "session_id", f"{BAHRAIN}-r") == {
        f"{BAHRAIN}-r": "awaiting_results"
    }
    assert _statuses(db_url, "events", "event_id", BAHRAIN) == {BAHRAIN: "awaiting_results"}
    assert scalar(db_url, "select count(*) from staged.podiums") == 0

    final = _load(db_url, race, _frames(6, weather=None))  # weather not published this time
    pole = _load(db_url, qualifying, _frames(7))
    assert final.complete and pole.complete
    _build(db_url, _at("2024-03-04T06:00:00+00:00"))

    assert _statuses(db_url, "sessions", "session_id", f"{BAHRAIN}-r") == {
        f"{BAHRAIN}-r": "completed"
    }
    assert _statuses(db_url, "events", "event_id", BAHRAIN) == {BAHRAIN: "completed"}
    assert [row[0] for row in _history(db_url, "session", race.session_id)] == [
        "awaiting_results",
        "completed",
    ]
    drivers = query(
        db_url,
        "select count(*), count(distinct driver_number), count(position) from staged.results "
        "where session_id = $1",
        race.session_id,
    )
    assert drivers == [(3, 3, 3)]

    podiums = query(
        db_url,
        "select session_id, event_id, season, session_type, p1_abbreviation, p2_abbreviation, "
        "p3_abbreviation from staged.podiums order by session_id",
    )
    assert podiums == [
        (ref.session_id, BAHRAIN, SEASON, ref.session_type, *_top_three(extract))
        for ref, extract in ((qualifying, pole), (race, final))
    ]

    matrix = query(
        db_url,
        "select dataset, status, row_count, complete, load_id from staged.session_datasets "
        "where session_id = $1 order by dataset",
        race.session_id,
    )
    latest_load = scalar(
        db_url,
        "select load_id from raw.load_manifest where session_id = $1 "
        "order by finished_at desc limit 1",
        race.session_id,
    )
    assert matrix == sorted(
        (
            name,
            "unavailable" if frame is None else "loaded",
            0 if frame is None else frame.height,
            True,
            latest_load,
        )
        for name, frame in final.frames.items()
    )
    assert scalar(db_url, "select count(*) from staged.session_datasets") == 2 * len(final.frames)
    # the staged table keeps the provisional load's weather, the matrix says what the last found
    weather = scalar(
        db_url, "select count(*) from staged.weather where session_id = $1", race.session_id
    )
    assert weather == provisional.frames["weather"].height


def _top_three(extract: SessionExtract) -> list[str]:
    results = extract.frames["results"]
    return results.filter(pl.col("position") <= 3).sort("position")["abbreviation"].to_list()


def test_as_of_without_a_zone_is_refused(db_url):
    _schedule(db_url, wide_schedule(SEASON, EVENTS[:1]))
    with pytest.raises(DbtError, match="as_of must be an ISO-8601 timestamp with a zone"):
        run_dbt(db_url, "build", "--vars", json.dumps({"as_of": "2024-03-03 15:00"}))


# --- Builds in any order: statuses only move forward, and agree with history and podiums ---

STATUS_TESTS = ("status_history_is_current", "podiums_are_completed_sessions")


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Statuses, histories and podiums, as rows."""
    return {
        table: query(url, f"select * from staged.{table} order by 1, 2")
        for table in (
            "session_status_history",
            "event_status_history",
            "podiums",
        )
    } | {
        table: query(url, f"select {key}, status, status_as_of from staged.{table} order by 1")
        for table, key in (("sessions", "session_id"), ("events", "event_id"))
    }


def test_builds_in_any_order_never_move_statuses_back(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    before, during, after = BEFORE_WEEKEND, DURING_RACE, _at("2024-03-04T12:00:00+00:00")
    race = refs[f"{BAHRAIN}-r"]
    _build(db_url, before)
    _load(db_url, race, _frames(8))
    _build(db_url, after)
    seen = _snapshot(db_url)
    assert _statuses(db_url, "sessions", "session_id", race.session_id) == {
        race.session_id: "completed"
    }
    assert [p[0] for p in seen["podiums"]] == [race.session_id]

    _build(db_url, during)  # backwards, by hand (make dbt): nothing moves
    assert _snapshot(db_url) == seen
    clock = query(
        db_url,
        "select requested_as_of, status_as_of from staged.status_clock order by _recorded_at",
    )
    assert clock[-1] == (during, after)

    later = _at("2024-03-17T16:30:00+00:00")  # Saudi Arabia's race is live
    _build(db_url, later)
    assert _statuses(db_url, "events", "event_id", SAUDI) == {SAUDI: "live"}
    assert [row[0] for row in _history(db_url, "session", race.session_id)] == [
        "scheduled",
        "completed",
    ]
    run_dbt(db_url, "test", "--select", *STATUS_TESTS)  # error severity: raises on a row

    # the same tests fail on a status that disagrees with its history and podium
    with connect(db_url) as conn:
        conn.cursor().execute(
            "update staged.sessions set status = 'scheduled' where session_id = $1",
            parameters=(race.session_id,),
        )
        conn.commit()
    with pytest.raises(DbtError) as failure:
        run_dbt(db_url, "test", "--select", *STATUS_TESTS)
    assert all(f"{name}: fail" in str(failure.value) for name in STATUS_TESTS)


def _oids(url: str) -> dict[str, int]:
    """The tables of staged by their PostgreSQL oid: a rebuilt table gets a new one."""
    return dict(
        query(
            url,
            "select c.relname::text, c.oid::bigint from pg_class c join pg_namespace n "
            "on n.oid = c.relnamespace where n.nspname = 'staged' and c.relkind = 'r'",
        )
    )


def _checksums(url: str, tables: list[str]) -> dict[str, str]:
    return {
        table: scalar(
            url, f"select md5(string_agg(t::text, '|' order by t::text)) from staged.{table} t"
        )
        for table in tables
    }


def test_a_build_with_nothing_new_builds_only_the_statuses(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    race, qualifying = refs[f"{BAHRAIN}-r"], refs[f"{BAHRAIN}-q"]
    _load(db_url, qualifying, _frames(9))
    build_staged(db_url, as_of=_at("2024-03-03T14:00:00+00:00"), changed_only=True)  # first: full
    heavy = ["results", "laps", "weather", "session_datasets"]  # tables: a rebuild makes a new oid
    telemetry = ["car_data", "position_data"]  # views over raw: nothing stored to rebuild
    oids, sums = _oids(db_url), _checksums(db_url, heavy + telemetry)
    assert _statuses(db_url, "sessions", "session_id", race.session_id) == {
        race.session_id: "scheduled"
    }

    # nothing new: an hour later the race is live, and only the statuses were built
    build_staged(db_url, as_of=_at("2024-03-03T15:30:00+00:00"), changed_only=True)
    assert _statuses(db_url, "sessions", "session_id", race.session_id) == {race.session_id: "live"}
    live = _at("2024-03-03T15:30:00+00:00")
    assert _history(db_url, "session", race.session_id)[-1] == ("live", live, None)
    after = _oids(db_url)
    assert {t: after[t] for t in heavy} == {t: oids[t] for t in heavy}  # not rebuilt
    assert after["sessions"] != oids["sessions"] and after["podiums"] != oids["podiums"]
    assert _checksums(db_url, heavy + telemetry) == sums
    assert scalar(db_url, "select count(*) from staged.full_builds") == 1

    # a new load: everything is built again
    final = _load(db_url, race, _frames(10))
    build_staged(db_url, as_of=_at("2024-03-03T18:00:00+00:00"), changed_only=True)
    assert _statuses(db_url, "sessions", "session_id", race.session_id) == {
        race.session_id: "completed"
    }
    assert _result_count(db_url, race.session_id) == final.frames["results"].height
    assert scalar(db_url, "select count(*) from staged.full_builds") == 2
    race_laps = "select count(*) from staged.laps where session_id = $1"  # laps: incremental
    assert scalar(db_url, race_laps, race.session_id) == final.frames["laps"].height > 0


def _execute(url: str, sql: str, *params) -> None:
    with connect(url) as conn:
        conn.cursor().execute(sql, parameters=params or None)
        conn.commit()


def test_a_failed_full_build_records_no_stamp_and_the_next_run_builds_everything(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    qualifying = refs[f"{BAHRAIN}-q"]
    _load(db_url, qualifying, _frames(12))
    # a driver without a number: staged.results is built, its not_null test fails
    broken = "(select min(driver_number) from raw.results)"
    _execute(db_url, f"update raw.results set driver_number = null where driver_number = {broken}")
    with pytest.raises(DbtError, match="not_null_results_driver_number: fail"):
        build_staged(db_url, changed_only=True)
    assert scalar(db_url, "select to_regclass('staged.full_builds') is null")  # no stamp

    # repaired, nothing new loaded: still a full build (results rebuilt from the repaired raw),
    # as no full build has succeeded yet; this one records its stamp
    _execute(db_url, "update raw.results set driver_number = '999' where driver_number is null")
    build_staged(db_url, changed_only=True)
    assert query(db_url, "select load_manifest_rows from staged.full_builds") == [
        (scalar(db_url, "select count(*) from raw.load_manifest"),)
    ]
    assert scalar(db_url, "select count(*) from staged.results where driver_number = '999'") == 1


def test_a_new_model_that_reads_raw_needs_no_other_edit_to_hold_the_stamp(
    db_url, tmp_path, monkeypatch
):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    _load(db_url, refs[f"{BAHRAIN}-q"], _frames(13))
    # a new staged model reading raw, in a copy of the project, named nowhere else; it fails
    project = project_copy(tmp_path)
    (project / "models" / "staged" / "new_dataset.sql").write_text(
        "select session_id, 1 / (count(*) - count(*)) as broken\n"
        "from {{ source('raw', 'results') }}\ngroup by session_id\n"
    )
    monkeypatch.setattr(dbt, "DBT_PROJECT_DIR", project)
    with pytest.raises(DbtError, match="new_dataset: error"):
        build_staged(db_url, changed_only=True)
    assert scalar(db_url, "select to_regclass('staged.full_builds') is null")  # no stamp
    # every other model was built and tested: the stamp waited for the new one alone
    assert scalar(db_url, "select count(*) from staged.results") > 0


def test_stale_sources_are_reported(db_url):
    refs = _schedule(db_url, wide_schedule(SEASON, EVENTS))
    _load(db_url, refs[f"{BAHRAIN}-r"], _frames(11, weather=None))
    assert stale_sources(db_url) == []  # loaded just now
    with connect(db_url) as conn:  # age the load: four weeks ago
        conn.cursor().execute(
            "update raw.load_manifest set finished_at = finished_at - interval '28 days'"
        )
        conn.commit()
    stale = stale_sources(db_url)
    names = sorted(line.split(":")[0] for line in stale)
    loaded = sorted(f"raw.{name}" for name in _frames(11) if name != "weather")
    assert names == sorted([*loaded, "raw.load_manifest"])
    assert all("last loaded 28.0 days ago" in line for line in stale), stale
    assert all("stale after 21 days" in line for line in stale), stale
