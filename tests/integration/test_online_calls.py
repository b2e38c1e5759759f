"""Few calls, and late publication, on the online path: FastF1's real network code through the
stand-in for F1's hosts, counted in the stand-in's request log.

Expected figures are FastF1's own, from ../shared/fastf1-frozen/README.md.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from flows.backfill import backfill
from flows.config import get_settings
from flows.extract.cache import configure_fastf1
from flows.extract.schedule import fetch_schedule
from flows.extract.session import extract_session
from flows.sync import sync
from tests.cli import run_cli, run_env
from tests.integration.database import query, scalar
from tests.integration.test_replay_backfill import RECORDED, TOP_THREE, top_three
from tests.standin.plugin import JOLPICA, LIVETIMING, MIRROR
from tests.unit.test_session_extract import recorded_ref

pytestmark = [pytest.mark.online, pytest.mark.integration]

AZERBAIJAN = "/static/2023/2023-04-30_Azerbaijan_Grand_Prix/"
SPRINT = AZERBAIJAN + "2023-04-29_Sprint/"
BAHRAIN_RACE = "/static/2023/2023-03-05_Bahrain_Grand_Prix/2023-03-05_Race/"
BAHRAIN_RACE_RESULTS = "/ergast/f1/2023/1/results.json"
DATASETS = ("results", "laps", "weather", "race_control_messages", "track_status", "session_status")


@pytest.fixture(autouse=True)
def cold_fastf1(standin, db_url):
    """FastF1 online through the stand-in (its rate budget in the test's database), with an
    empty cache (DATA_DIR is the test's)."""
    configure_fastf1(get_settings())
    return standin


def _session_folder(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/"


def _live_timing_calls(requests: list[dict]) -> dict[str, list[tuple[str, int]]]:
    """Live-timing calls (either host) per session folder, as (host, status)."""
    calls: dict[str, list[tuple[str, int]]] = {}
    for r in requests:
        if r["host"] in (LIVETIMING, MIRROR) and r["path"].count("/") == 5:
            calls.setdefault(_session_folder(r["path"]), []).append((r["host"], r["status"]))
    return calls


def _status(url: str, session_id: str) -> str:
    return scalar(url, "select status from staged.sessions where session_id = $1", session_id)


def _figures(url: str, session_id: str) -> tuple[int | None, ...]:
    counts = [
        scalar(url, f"select count(*) from staged.{dataset} where session_id = $1", session_id)
        for dataset in DATASETS
    ]
    return tuple(count or None for count in counts)


def test_an_unpublished_session_costs_two_calls(standin):
    ref = recorded_ref(2019, "Australian Grand Prix", "R")  # not recorded: never published
    before = len(standin.requests())

    extract = extract_session(ref)

    calls = standin.requests()[before:]
    assert [(r["host"], r["status"]) for r in calls] == [(LIVETIMING, 403), (MIRROR, 404)]
    assert calls[0]["path"].endswith("/SessionStatus.jsonStream")
    assert not extract.published and not extract.complete


def test_the_schedule_costs_one_call_cold_and_none_warm(standin):
    fetch_schedule(2019)
    cold = len(standin.requests())
    fetch_schedule(2019)

    assert cold == 1
    assert len(standin.requests()) == cold


def _cli_backfill(standin, db_url: str, cache_dir, *args: str, **extra_env: str) -> dict:
    """`make backfill` in a process of its own (its own FastF1 rate limiter), online."""
    env = run_env(
        db_url, **standin.env(), FASTF1_CACHE_DIR=str(cache_dir), LOG_FORMAT="json", **extra_env
    )
    env.pop("FASTF1_OFFLINE", None)
    done = run_cli("backfill", *args, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    return next(line["summary"] for line in lines if "summary" in line)


def test_a_cold_online_season_costs_two_calls_per_unpublished_session_and_a_rerun_five_at_most(
    standin, db_url, prefect_backend, tmp_path
):
    _cli_backfill(standin, db_url, tmp_path / "cache", "--year", "2019")

    monza_q = "2019-italian-grand-prix-q"
    assert _figures(db_url, monza_q) == (20, 275, 95, 40, 12, 17)
    assert top_three(db_url, monza_q) == ["LEC", "HAM", "BOT"]
    statuses = Counter(r[0] for r in query(db_url, "select status from staged.sessions"))
    sessions = sum(statuses.values())
    assert statuses == {"completed": 1, "unpublished": sessions - 1}
    first = standin.requests()
    per_session = _live_timing_calls(first)
    monza = per_session.pop("/static/2019/2019-09-08_Italian_Grand_Prix/2019-09-07_Qualifying/")
    assert (LIVETIMING, 200) in monza
    assert len(per_session) == sessions - 1  # every unpublished session was probed once ...
    assert {tuple(calls) for calls in per_session.values()} == {
        ((LIVETIMING, 403), (MIRROR, 404))  # ... for two calls
    }
    manifest_rows = scalar(db_url, "select count(*) from raw.load_manifest")

    # the rerun, even with a cold FastF1 cache: only the schedule is fetched
    again = _cli_backfill(standin, db_url, tmp_path / "cold-again", "--year", "2019")

    rerun = standin.requests()[len(first) :]
    assert len(rerun) <= 5, rerun
    assert (again["skipped"], again["unpublished"], again.get("loaded")) == (1, sessions - 1, None)
    assert scalar(db_url, "select count(*) from raw.load_manifest") == manifest_rows


def test_a_session_held_back_then_published_is_completed_by_the_next_online_sync(
    standin, db_url, prefect_backend
):
    as_of = datetime.fromisoformat("2023-04-30T12:00:00+00:00")  # the day after the sprint
    sprint = "2023-azerbaijan-grand-prix-s"
    standin.set_rules(held_back=[SPRINT])

    summary = sync(year=2023, as_of=as_of)

    assert not summary.failed
    assert _status(db_url, sprint) == "awaiting_results"
    assert _live_timing_calls(standin.requests())[SPRINT] == [(LIVETIMING, 403), (MIRROR, 404)]
    detail = scalar(
        db_url,
        "select detail from staged.session_datasets where session_id = $1 and dataset = 'laps'",
        sprint,
    )
    assert detail.startswith("not published")

    standin.set_rules()  # F1 publishes the sprint
    before = len(standin.requests())
    summary = sync(year=2023, as_of=as_of, skip_schedule=True)

    assert not summary.failed
    assert _status(db_url, sprint) == "completed"
    assert _figures(db_url, sprint) == (20, 308, None, None, 13, 5)
    assert top_three(db_url, sprint) == ["PER", "LEC", "VER"]
    fetched = {r["path"] for r in standin.requests()[before:] if r["status"] == 200}
    assert SPRINT + "TimingData.jsonStream" in fetched  # fresh from F1, not from a cache


def test_late_results_complete_a_race_and_sessions_unpublished_a_week_on_stop_being_polled(
    standin, db_url, prefect_backend
):
    race, day_after = "2023-bahrain-grand-prix-r", datetime(2023, 3, 6, 12, tzinfo=UTC)
    others = [f"2023-bahrain-grand-prix-{t}" for t in ("fp1", "fp2", "fp3", "q")]  # unrecorded
    standin.set_rules(held_back=[BAHRAIN_RACE_RESULTS])

    sync(year=2023, as_of=day_after)

    assert _status(db_url, race) == "awaiting_results"  # F1's own driver list, no classification
    assert scalar(db_url, "select count(*) from staged.results where session_id = $1", race) == 20
    assert top_three(db_url, race) == []
    assert {_status(db_url, s) for s in others} == {"awaiting_results"}

    standin.set_rules()  # Jolpica publishes the classification
    first = len(standin.requests())
    sync(year=2023, as_of=day_after + timedelta(hours=1), skip_schedule=True)

    assert _status(db_url, race) == "completed"
    fetched = {(r["host"], r["path"]) for r in standin.requests()[first:] if r["status"] == 200}
    assert (JOLPICA, BAHRAIN_RACE_RESULTS) in fetched
    # nothing of the incomplete load was kept in FastF1's HTTP cache (12 h): fetched afresh
    assert (LIVETIMING, BAHRAIN_RACE + "RaceControlMessages.jsonStream") in fetched
    assert _figures(db_url, race) == (20, None, None, 73, 11, 5)
    assert top_three(db_url, race) == ["VER", "PER", "ALO"]

    week_later = day_after + timedelta(days=7)  # the others' last poll: then unpublished
    sync(year=2023, as_of=week_later, skip_schedule=True)

    assert {_status(db_url, s) for s in others} == {"unpublished"}
    statuses = query(
        db_url,
        "select distinct status from staged.session_datasets where session_id = any($1)",
        others,
    )
    assert statuses == [("unpublished",)]
    rows, before = scalar(db_url, "select count(*) from raw.load_manifest"), standin.requests()

    sync(year=2023, as_of=week_later + timedelta(hours=12), skip_schedule=True)

    bahrain = "/static/2023/2023-03-05_Bahrain_Grand_Prix/"
    assert not [r for r in standin.requests()[len(before) :] if r["path"].startswith(bahrain)]
    assert scalar(db_url, "select count(*) from raw.load_manifest") == rows  # nothing polled

    summary = backfill(year=2023, events=["Bahrain"], sessions=["FP1"], force=True)  # FORCE=1

    tried = _live_timing_calls(standin.requests())
    assert tried[bahrain + "2023-03-03_Practice_1/"][-2:] == [(LIVETIMING, 403), (MIRROR, 404)]
    assert summary.counts["unpublished"] == 1


def test_a_cold_online_season_completes_through_rate_limits_and_server_errors(
    standin, db_url, prefect_backend, tmp_path
):
    # the hosts allow less than the budget (scaled to seconds): their 429s are waited out
    # (Retry-After) and every 40th answer, a 503, is retried; no session may fail
    standin.set_rules(
        rate_limit={"calls": 6, "window": 2, "retry_after": 1}, error_every=40, error_status=503
    )
    budget = {"RATE_BUDGET_CALLS": "12", "RATE_BUDGET_JOLPICA_CALLS": "6"}

    summary = _cli_backfill(
        standin,
        db_url,
        tmp_path / "cache",
        "--year",
        "2023",
        RATE_BUDGET_WINDOW_SECONDS="2",
        **budget,
    )

    injected = Counter(r["injected"] for r in standin.requests())
    assert injected["rate_limit"] and injected["error"], injected
    assert summary["failures"] == {} and "failed" not in summary
    recorded = RECORDED[2023]
    assert summary["loaded"] == len(recorded)
    for session_id, figures in recorded.items():  # the offline replay's figures
        assert _figures(db_url, session_id) == figures, session_id
        assert _status(db_url, session_id) == "completed"
    for session_id, podium in TOP_THREE.items():
        if session_id in recorded:
            assert top_three(db_url, session_id) == podium
