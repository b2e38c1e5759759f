"""When an incomplete session stops being polled (UNPUBLISHED_AFTER_DAYS after its end)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.config import get_settings
from flows.extract.schedule import SessionRef
from flows.selection import stops_polling

RACE = SessionRef(
    2023, 1, "e", "E", "e-r", "R", "Race", starts_at=datetime(2023, 3, 5, 15, tzinfo=UTC)
)
RACE_END = datetime(2023, 3, 5, 17, tzinfo=UTC)  # two hours later
WEEK = timedelta(days=7)


def test_the_default_threshold_is_a_week(monkeypatch):
    monkeypatch.delenv("UNPUBLISHED_AFTER_DAYS", raising=False)
    get_settings.cache_clear()
    assert get_settings().unpublished_after == WEEK


def test_the_threshold_is_configurable(monkeypatch):
    monkeypatch.setenv("UNPUBLISHED_AFTER_DAYS", "1.5")
    get_settings.cache_clear()
    assert get_settings().unpublished_after == timedelta(hours=36)


@pytest.mark.parametrize(
    ("now", "stops"),
    [
        (RACE_END + timedelta(hours=1), False),  # F1 publishes 30-120 min after a session
        (RACE_END + WEEK - timedelta(seconds=1), False),
        (RACE_END + WEEK, True),
        (RACE_END + timedelta(days=365), True),  # a backfill of an old season: one try
    ],
)
def test_polling_stops_a_week_after_the_scheduled_end(now, stops):
    assert stops_polling(RACE, now, WEEK) is stops


def test_a_session_without_a_start_time_is_polled_on():
    undated = SessionRef(2023, 1, "e", "E", "e-r", "R", "Race", starts_at=None)
    assert not stops_polling(undated, RACE_END + timedelta(days=365), WEEK)
