"""Replay a recorded race weekend with `sync` at three moments (2023 Bahrain GP, offline)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.config import get_settings
from flows.load.connection import connect
from flows.sync import sync
from flows.transform.clock import ReplayError
from flows.transform.dbt import run_dbt
from tests.cli import run_cli
from tests.integration.database import create_database, query, scalar

pytestmark = [pytest.mark.integration, pytest.mark.replay]

EVENT = "2023-bahrain-grand-prix"
RACE = f"{EVENT}-r"
BEFORE = datetime.fromisoformat("2023-03-01T12:00:00+00:00")  # before FP1
DURING = datetime.fromisoformat("2023-03-05T16:00:00+00:00")  # race started 15:00 UTC
AFTER = datetime.fromisoformat("2023-03-06T12:00:00+00:00")


def _status(url: str, table: str, key: str, value: str) -> str:
    return scalar(url, f"select status from staged.{table} where {key} = $1", value)


def _history(url: str, entity: str, entity_id: str) -> list[tuple]:
    """(status, valid_from, valid_to) of an event or session, oldest first."""
    return query(
        url,
        f"select status, valid_from, valid_to from staged.{entity}_status_history "
        f"where {entity}_id = $1 order by valid_from",
        entity_id,
    )


def test_weekend_replay_moves_race_and_event_through_their_statuses(
    db_url, offline_fastf1, prefect_backend
):
    seen = []
    for moment in (BEFORE, DURING, AFTER):
        summary = sync(year=2023, as_of=moment)
        assert not summary.failed
        seen.append(
            (
                _status(db_url, "sessions", "session_id", RACE),
                _status(db_url, "events", "event_id", EVENT),
            )
        )
    assert seen == [("scheduled", "scheduled"), ("live", "live"), ("completed", "completed")]

    history = _history(db_url, "event", EVENT)
    assert [h[0] for h in history] == ["scheduled", "live", "completed"]
    assert [h[1] for h in history[1:]] == [h[2] for h in history[:-1]]  # contiguous
    assert history[-1][2] is None
    assert [h[0] for h in _history(db_url, "session", RACE)] == ["scheduled", "live", "completed"]

    podium = query(
        db_url,
        "select p1_abbreviation, p2_abbreviation, p3_abbreviation from staged.podiums "
        "where session_id = $1",
        RACE,
    )
    assert podium == [("VER", "PER", "ALO")]
    # the other sessions of the weekend have no recorded data: over, but no results
    others = dict(
        query(
            db_url,
            "select session_id, status from staged.sessions "
            "where event_id = $1 and session_id <> $2",
            EVENT,
            RACE,
        )
    )
    assert set(others.values()) == {"awaiting_results"}

    # a fourth run at the same moment changes nothing
    rows = scalar(db_url, "select count(*) from staged.event_status_history")
    sync(year=2023, as_of=AFTER, skip_schedule=True)
    assert scalar(db_url, "select count(*) from staged.event_status_history") == rows


STATUS_TESTS = ("status_history_is_current", "podiums_are_completed_sessions")


def _seen(url: str) -> dict[str, list[tuple]]:
    """What a user sees of the statuses: sessions, events and podiums."""
    return {
        "sessions": query(url, "select session_id, status from staged.sessions order by 1"),
        "events": query(url, "select event_id, status from staged.events order by 1"),
        "podiums": query(url, "select * from staged.podiums order by 1"),
    }


@pytest.fixture
def fresh_database(pg_server, monkeypatch):
    """Makes another fresh database the active one (DATABASE_URL), as a live sync would find."""

    def make() -> str:
        url = create_database(pg_server)
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        return url

    return make


def test_forward_replays_see_what_live_syncs_at_those_moments_see(
    db_url, offline_fastf1, prefect_backend, fresh_database
):
    replayed = {}
    for moment in (DURING, AFTER):
        sync(year=2023, as_of=moment)
        replayed[moment] = _seen(db_url)
    history = [(status, start) for status, start, _ in _history(db_url, "session", RACE)]
    assert history == [("live", DURING), ("completed", AFTER)]

    # a live sync at each moment: the same database, as it was then (the runs before it)
    for moment in (DURING, AFTER):
        live = fresh_database()
        sync(year=2023, as_of=moment)
        assert _seen(live) == replayed[moment]
    assert replayed[AFTER]["podiums"] == [(RACE, EVENT, 2023, "R", "VER", "PER", "ALO")]


def _raw_rows(url: str) -> dict[str, int]:
    return {
        table: scalar(url, f"select count(*) from raw.{table}")
        for table in ("load_manifest", "events", "sessions", "results")
    }


def test_a_replay_before_what_the_database_observed_is_refused(
    db_url, offline_fastf1, prefect_backend
):
    sync(year=2023, as_of=AFTER)
    raw, seen = _raw_rows(db_url), _seen(db_url)
    histories = query(db_url, "select * from staged.session_status_history order by 1, 3")

    # from the command line: one line, exit 1, before Prefect starts
    cli = run_cli("sync", "--year", "2023", "--as-of", "2023-03-01T12:00Z")
    assert cli.returncode == 1
    assert cli.stderr.strip().splitlines() == [
        "error: AS_OF 2023-03-01T12:00:00Z is before what this database has already observed "
        "(2023-03-06T12:00:00Z): use a fresh database to replay the past"
    ]
    # as a flow (a deployment's parameters): refused before anything is written
    with pytest.raises(ReplayError, match="use a fresh database"):
        sync(year=2023, as_of=BEFORE)
    with pytest.raises(ReplayError, match="in the future"):
        sync(year=2023, as_of=datetime.now(UTC) + timedelta(days=1))
    assert _raw_rows(db_url) == raw
    assert _seen(db_url) == seen
    assert query(db_url, "select * from staged.session_status_history order by 1, 3") == histories

    # forward again, four weeks later, nothing new: statuses move, the sources are stale
    with connect(db_url) as conn:  # as if the loads were four weeks old
        conn.cursor().execute(
            "update raw.load_manifest set finished_at = finished_at - interval '28 days'"
        )
        conn.commit()
    later = AFTER + timedelta(days=28)
    summary = sync(year=2023, as_of=later, skip_schedule=True, skip_results=True)
    assert "raw.load_manifest" in [line.split(":")[0] for line in summary.stale_sources]
    assert scalar(db_url, "select count(*) from staged.full_builds") == 1  # statuses only
    statuses = dict(query(db_url, "select event_id, status from staged.events"))
    assert statuses["2023-saudi-arabian-grand-prix"] == "awaiting_results"  # raced 19 March
    run_dbt(db_url, "test", "--select", *STATUS_TESTS)  # error severity: raises on a row
