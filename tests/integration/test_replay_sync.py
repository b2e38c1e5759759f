"""Replay a recorded race weekend with `sync` at three moments (2023 Bahrain GP, offline)."""

from __future__ import annotations

from datetime import datetime

import pytest

from flows.sync import sync
from tests.integration.conftest import query, scalar

pytestmark = [pytest.mark.integration, pytest.mark.replay]

EVENT = "2023-bahrain-grand-prix"
RACE = f"{EVENT}-r"
BEFORE = datetime.fromisoformat("2023-03-01T12:00:00+00:00")  # before FP1
DURING = datetime.fromisoformat("2023-03-05T16:00:00+00:00")  # race started 15:00 UTC
AFTER = datetime.fromisoformat("2023-03-06T12:00:00+00:00")


def _status(url: str, table: str, key: str, value: str) -> str:
    return scalar(url, f"select status from staged.{table} where {key} = $1", value)


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

    history = query(
        db_url,
        "select status, valid_from, valid_to from staged.event_status_history "
        "where event_id = $1 order by valid_from",
        EVENT,
    )
    assert [h[0] for h in history] == ["scheduled", "live", "completed"]
    assert [h[1] for h in history[1:]] == [h[2] for h in history[:-1]]  # contiguous
    assert history[-1][2] is None
    race_history = query(
        db_url,
        "select status from staged.session_status_history where session_id = $1 "
        "order by valid_from",
        RACE,
    )
    assert [h[0] for h in race_history] == ["scheduled", "live", "completed"]

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
