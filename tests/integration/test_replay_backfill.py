"""Backfill whole seasons offline on real recorded sessions (../shared/fastf1-frozen).

Expected figures are FastF1's own, listed in ../shared/fastf1-frozen/README.md; `None`
marks a stream the recording lacks (it must be reported unavailable, not loaded empty).
"""

from __future__ import annotations

import pytest

from flows.backfill import backfill
from flows.datasets import SESSION_DATASETS
from tests.cli import replay_env, run_cli
from tests.integration.database import query, scalar

pytestmark = [pytest.mark.integration, pytest.mark.replay]

DATASETS = ("results", "laps", "weather", "race_control_messages", "track_status", "session_status")
RECORDED = {
    2019: {
        "2019-italian-grand-prix-q": (20, 275, 95, 40, 12, 17),
    },
    2020: {
        "2020-hungarian-grand-prix-fp2": (20, 109, None, 13, 1, 5),
        "2020-70th-anniversary-grand-prix-fp2": (20, 535, 100, None, 7, 5),
        "2020-belgian-grand-prix-r": (20, None, 121, 28, 9, 5),
        "2020-italian-grand-prix-r": (20, None, 143, 71, 10, 7),
        "2020-portuguese-grand-prix-r": (20, None, None, 119, 3, 5),
    },
    2023: {
        "2023-bahrain-grand-prix-r": (20, None, None, 73, 11, 5),
        "2023-azerbaijan-grand-prix-q": (20, 356, None, 61, 21, 17),
        "2023-azerbaijan-grand-prix-ss": (20, 233, None, 58, 19, 12),
        "2023-azerbaijan-grand-prix-s": (20, 308, None, None, 13, 5),
        "2023-miami-grand-prix-r": (20, None, None, None, 5, 5),
    },
}
TOP_THREE = {
    "2019-italian-grand-prix-q": ["LEC", "HAM", "BOT"],
    "2020-belgian-grand-prix-r": ["HAM", "BOT", "VER"],
    "2023-azerbaijan-grand-prix-s": ["PER", "LEC", "VER"],
    "2023-azerbaijan-grand-prix-ss": ["LEC", "PER", "VER"],
}
TABLES = ("events", "sessions", *(d.name for d in SESSION_DATASETS))


def _counts(url: str) -> dict[str, int]:
    staged = {f"staged.{t}": scalar(url, f"select count(*) from staged.{t}") for t in TABLES}
    raw = {f"raw.{t}": scalar(url, f"select count(*) from raw.{t}") for t in TABLES[2:]}
    return staged | raw


def top_three(url: str, session_id: str) -> list[str]:
    rows = query(
        url,
        "select abbreviation from staged.results where session_id = $1 and position <= 3 "
        "order by position",
        session_id,
    )
    return [r[0] for r in rows]


@pytest.mark.parametrize("season", sorted(RECORDED))
def test_season_backfill_loads_what_was_recorded(season, db_url, offline_fastf1, prefect_backend):
    summary = backfill(year=season)

    recorded = RECORDED[season]
    loaded = {o.ref.session_id for o in summary.outcomes if o.status == "loaded"}
    assert loaded == set(recorded)
    assert summary.counts["unavailable"] == len(summary.outcomes) - len(recorded)
    assert not summary.failed and summary.staged_built

    for session_id, figures in recorded.items():
        for dataset, expected in zip(DATASETS, figures, strict=True):
            staged = scalar(
                db_url, f"select count(*) from staged.{dataset} where session_id = $1", session_id
            )
            status = scalar(
                db_url,
                "select status from raw.load_manifest where session_id = $1 and dataset = $2",
                session_id,
                dataset,
            )
            assert (staged, status) == ((expected, "loaded") if expected else (0, "unavailable")), (
                session_id,
                dataset,
            )
    for session_id, podium in TOP_THREE.items():
        if session_id in recorded:
            assert top_three(db_url, session_id) == podium

    # every session of the schedule is in staged.sessions; the others never got a loaded row
    assert scalar(db_url, "select count(*) from staged.sessions") == len(summary.outcomes)
    stray = scalar(
        db_url,
        "select count(*) from raw.load_manifest where session_id is not null "
        "and status <> 'unavailable' and not (session_id = any($1))",
        list(recorded),
    )
    assert stray == 0

    before = _counts(db_url)
    again = backfill(year=season)
    assert {o.ref.session_id for o in again.outcomes if o.status == "skipped"} == set(recorded)
    assert again.counts["loaded"] == 0
    assert _counts(db_url) == before


def test_make_backfill_command_exits_zero_offline(db_url, offline_fastf1, prefect_backend):
    """The CLI behind `make backfill`, in its own process, on the same Prefect API."""
    env = replay_env(db_url, offline_fastf1)
    done = run_cli("backfill", "--year", "2019", "--events", "Italian", env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 loaded" in done.stderr and "4 unavailable" in done.stderr
    assert top_three(db_url, "2019-italian-grand-prix-q") == ["LEC", "HAM", "BOT"]
