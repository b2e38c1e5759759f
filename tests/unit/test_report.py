"""Per-session outcome from manifest entries, and the run's one-line summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.extract.schedule import SessionRef
from flows.load.manifest import FAILED, LOADED, UNAVAILABLE, ManifestEntry
from flows.operator.report import NOT_YET_HELD, SKIPPED, RunSummary, SessionOutcome

REF = SessionRef(
    season=2019,
    round_number=14,
    event_id="2019-italian-grand-prix",
    event_name="Italian Grand Prix",
    session_id="2019-italian-grand-prix-q",
    session_type="Q",
    session_name="Qualifying",
    starts_at=datetime(2019, 9, 7, 13, tzinfo=UTC),
)


def entry(dataset: str, status: str, rows: int = 0, detail: str | None = None) -> ManifestEntry:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    return ManifestEntry(
        load_id="load-1",
        season=REF.season,
        event_id=REF.event_id,
        session_id=REF.session_id,
        dataset=dataset,
        status=status,
        complete=status == LOADED,
        row_count=rows,
        detail=detail,
        fastf1_version="3.9.0",
        started_at=at,
        finished_at=at,
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([LOADED, UNAVAILABLE, FAILED], FAILED),
        ([UNAVAILABLE, FAILED], FAILED),
        ([LOADED, FAILED], FAILED),
        ([LOADED, UNAVAILABLE], LOADED),
        ([UNAVAILABLE, LOADED], LOADED),
        ([LOADED], LOADED),
        ([UNAVAILABLE, UNAVAILABLE], UNAVAILABLE),
    ],
)
def test_session_status_precedence_failed_then_loaded_then_unavailable(statuses, expected):
    entries = [entry(f"dataset{i}", s) for i, s in enumerate(statuses)]

    assert SessionOutcome.from_entries(REF, entries, 1.0).status == expected


def test_failed_session_carries_the_failure_detail():
    entries = [
        entry("results", LOADED, 20),
        entry("weather", UNAVAILABLE, detail="Failed to load weather data!"),
        entry("laps", FAILED, detail="laps.LapNumber: does not convert"),
    ]
    outcome = SessionOutcome.from_entries(REF, entries, 2.5)

    assert outcome.detail == "laps.LapNumber: does not convert"
    assert outcome.seconds == 2.5
    assert outcome.entries == entries


def test_session_without_failure_has_no_detail():
    entries = [entry("results", LOADED, 20), entry("weather", UNAVAILABLE, detail="missing")]

    assert SessionOutcome.from_entries(REF, entries, 0.1).detail is None


def test_outcome_rows_sum_the_entries():
    entries = [
        entry("results", LOADED, 20),
        entry("laps", LOADED, 275),
        entry("car_data", UNAVAILABLE),
    ]

    assert SessionOutcome.from_entries(REF, entries, 0.1).rows == 295


def outcome(status: str) -> SessionOutcome:
    return SessionOutcome(REF, status)


def test_summary_line_counts_each_status():
    statuses = [LOADED] * 3 + [SKIPPED] * 2 + [UNAVAILABLE] * 4 + [FAILED] + [NOT_YET_HELD] * 5
    summary = RunSummary(2019, [outcome(s) for s in statuses], staged_built=False)
    line = summary.line()

    assert line.startswith("season 2019: 15 sessions")
    assert "3 loaded" in line
    assert "2 skipped" in line
    assert "4 unavailable" in line
    assert "1 failed" in line
    assert "5 not yet held" in line
    assert "staged NOT built" in line


def test_summary_line_shows_zero_counts_and_built_staged():
    line = RunSummary(2020, [outcome(LOADED)], staged_built=True).line()

    assert line.startswith("season 2020: 1 session")
    assert "1 loaded" in line
    assert "0 failed" in line
    assert "0 unavailable" in line
    assert "staged built" in line


def test_summary_lists_failed_outcomes():
    failed = outcome(FAILED)
    summary = RunSummary(2019, [outcome(LOADED), failed, outcome(UNAVAILABLE)])

    assert summary.failed == [failed]


def test_dataset_counts_tally_statuses_and_rows_per_dataset():
    first = SessionOutcome.from_entries(
        REF, [entry("results", LOADED, 20), entry("laps", UNAVAILABLE)], 0.1
    )
    second = SessionOutcome.from_entries(
        REF, [entry("results", LOADED, 19), entry("laps", FAILED, detail="boom")], 0.1
    )
    counts = RunSummary(2019, [first, second]).dataset_counts()

    assert counts["results"][LOADED] == 2
    assert counts["results"]["rows"] == 39
    assert counts["laps"][UNAVAILABLE] == 1
    assert counts["laps"][FAILED] == 1
    assert counts["laps"]["rows"] == 0
