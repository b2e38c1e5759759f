"""How runs end: Failed (with the report published) when a session failed, one report per run,
and the race-weekend schedule's cheap skip when no session is near."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from flows.backfill import backfill
from flows.config import get_settings
from flows.extract.cache import configure_fastf1
from flows.load.event_outcomes import event_run_outcomes
from flows.load.schedule_run import sessions_near, snapshot_schedule
from flows.operator.cli import main
from flows.operator.report import RunSummary
from flows.selection import select_sessions
from flows.sync import sync
from tests.integration.database import scalar
from tests.integration.faults import rate_limited
from tests.integration.test_reliability import BAKU, BAKU_FOLDER

pytestmark = pytest.mark.integration


def flow_runs_since(since: datetime) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
            sort=FlowRunSort.START_TIME_ASC,
        )


def artifacts_of(flow_run_id) -> dict[str, object]:
    """The run's keyed artifacts by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in artifacts if a.key}


def table_rows(artifact) -> list[dict]:
    return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data


@pytest.mark.replay
@pytest.mark.usefixtures("no_retry_wait", "restore_logging")
def test_a_failed_session_fails_the_flow_run_after_its_report(
    db_url, network, prefect_backend, capsys
):
    # Protections: flows.outcome.final_state ends the run Failed when a session failed (so
    # Prefect automations can fire), after publish_report; flows.operator.cli reads the summary from
    # the Failed state (return_state=True) and still prints it and exits 1; artifact keys are
    # per run (flows.operator.artifacts.artifact_key), so the rerun's report does not replace it.
    since = datetime.now(UTC)
    network.add(BAKU_FOLDER["S"], rate_limited)  # every attempt: the Sprint fails
    args = ["backfill", "--year", "2023", "--events", "Azerbaijan", "--sessions", "SS,S"]

    assert main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "1 loaded, 0 skipped (already complete), 0 unavailable, 1 failed" in err
    assert "failed 2023 Azerbaijan Grand Prix Sprint: RateLimitExceededError" in err

    network.clear()
    assert main(args) == 0  # the rerun loads the Sprint: Completed

    first, second = flow_runs_since(since)
    assert first.state.type.value == "FAILED"
    assert first.state.message == f"failed sessions: {BAKU['S']}"
    assert second.state.type.value == "COMPLETED"
    reports = [artifacts_of(first.id), artifacts_of(second.id)]
    for run, report in zip((first, second), reports, strict=True):
        assert sorted(report) == [
            f"backfill-2023-{run.name}-{str(run.id)[:8]}-availability",
            f"backfill-2023-{run.name}-{str(run.id)[:8]}-sessions",
        ]
    failed_rows, rerun_rows = (
        {r["session_id"]: r for r in table_rows(next(a for k, a in rep.items() if "sessions" in k))}
        for rep in reports
    )
    assert failed_rows[BAKU["S"]]["status"] == "failed"
    assert "RateLimitExceededError" in failed_rows[BAKU["S"]]["detail"]
    assert failed_rows[BAKU["SS"]]["status"] == "loaded"
    assert rerun_rows[BAKU["S"]]["status"] == "loaded"
    assert rerun_rows[BAKU["SS"]]["status"] == "skipped"


# 2019 Italian Grand Prix, from its official timetable (CEST = UTC+2): FP3 Saturday 7 September
# 12:00, qualifying 15:00, race Sunday 8 September 15:10.
MONZA_QUALIFYING = datetime(2019, 9, 7, 13, 0, tzinfo=UTC)


def test_the_race_weekend_run_skips_cheaply_when_no_session_is_near(
    db_url, offline_fastf1, prefect_backend, tmp_path, monkeypatch
):
    # Protection: sync(near_session_hours=...) reads only the stored schedule and returns
    # before any FastF1 call or dbt build when no session starts within the window.
    snapshot_schedule(2019)  # the stored schedule, as an earlier sync leaves it
    schedule_loads = scalar(db_url, "select count(*) from raw.load_manifest")

    near = sessions_near(2019, MONZA_QUALIFYING, 6)
    assert set(near) == {"2019-italian-grand-prix-fp3", "2019-italian-grand-prix-q"}
    assert sessions_near(2019, datetime(2019, 12, 20, 12, tzinfo=UTC), 6) == []
    # the empty answer is not for want of a schedule
    assert scalar(db_url, "select count(*) from raw.sessions where season = 2019") > 0

    # FastF1 now has nothing at all: a run that called it would fail
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    monkeypatch.setenv("FASTF1_CACHE_DIR", str(empty))
    get_settings.cache_clear()
    configure_fastf1(get_settings())
    winter = datetime(2019, 12, 20, 12, tzinfo=UTC)
    state = sync(year=2019, as_of=winter, near_session_hours=6, return_state=True)

    assert state.type.value == "COMPLETED"
    assert state.message == "skipped: no session of the stored 2019 schedule within 6 h"
    assert not state.result().staged_built
    assert scalar(db_url, "select count(*) from raw.load_manifest") == schedule_loads
    staged = "select count(*) from information_schema.schemata where schema_name = 'staged'"
    assert scalar(db_url, staged) == 0  # no dbt build


@pytest.mark.replay
def test_a_fanned_out_parent_gathers_its_event_runs_outcomes(
    db_url, offline_fastf1, prefect_backend
):
    # Protection: flows.load.event_outcomes.event_run_outcomes builds the parent's report from
    # the manifest rows its event runs wrote (not an empty "0 sessions" one), and a session
    # whose event run ended without loading it is failed, which fails the parent.
    # (test_deployments.py runs a real fan-out on two workers; here an event run ending
    # Failed before it loads anything is given as its final state.)
    azerbaijan, miami = "2023-azerbaijan-grand-prix", "2023-miami-grand-prix"
    types = ["Q", "SS", "S"]
    refs = select_sessions(snapshot_schedule(2023), ["Azerbaijan", "Miami"], types)
    since = datetime.now(UTC)
    backfill(year=2023, events=["Azerbaijan"], sessions=types, build=False)  # its event run

    first = event_run_outcomes(refs, since, {azerbaijan: "COMPLETED", miami: "FAILED"})

    assert {o.ref.session_id: o.status for o in first} == {
        BAKU["Q"]: "loaded",
        BAKU["SS"]: "loaded",
        BAKU["S"]: "loaded",
        f"{miami}-q": "failed",  # Miami 2023 had no sprint
    }
    laps = {o.ref.session_id: e.row_count for o in first for e in o.entries if e.dataset == "laps"}
    assert laps == {BAKU["Q"]: 356, BAKU["SS"]: 233, BAKU["S"]: 308}
    (miami_q,) = (o for o in first if o.ref.event_id == miami)
    assert miami_q.detail == "its event run ended FAILED without loading it"
    assert RunSummary(2023, first).failed

    # a later fan-out: the event runs find everything of Azerbaijan complete
    again = datetime.now(UTC)
    backfill(year=2023, events=["Azerbaijan"], sessions=types, build=False)
    baku_refs = [r for r in refs if r.event_id == azerbaijan]
    second = event_run_outcomes(baku_refs, again, {azerbaijan: "COMPLETED"})
    assert [o.status for o in second] == ["skipped"] * 3
