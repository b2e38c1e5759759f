"""The `backfill` flow: a season's sessions from FastF1 into raw, then dbt build."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.config import get_settings
from flows.extract.network import NETWORK
from flows.operator.artifacts import publish_report
from flows.operator.logs import ensure_logging
from flows.operator.report import RunSummary
from flows.outcome import final_state
from flows.selection import select_sessions
from flows.tasks import (
    build_staged_tables,
    gather_outcomes,
    load_schedule,
    load_sessions,
    prune_telemetry_loads,
)


@flow(name="backfill", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().max_workers))
def backfill(
    year: int,
    events: list[str] | None = None,
    sessions: list[str] | None = None,
    force: bool = False,
    fan_out: bool = False,
    build: bool = True,
) -> State:
    """Load every session of ``year`` that has ended (or the chosen ones), then build staged.

    ``fan_out`` (when run as a deployment) starts one flow run of the same deployment per
    event instead, waits for them all, gathers their outcomes, then builds staged once.
    The run ends Failed, after its report, when a session (or an event run) failed.
    """
    ensure_logging(get_settings())
    started = datetime.now(UTC)
    calls_before = NETWORK.snapshot()
    refs = select_sessions(load_schedule(year), events, sessions)
    if fan_out:
        event_ids = list(dict.fromkeys(r.event_id for r in refs))
        runs = [run_event.submit(year, e, sessions, force) for e in event_ids]
        states = dict(zip(event_ids, (r.result() for r in runs), strict=True))
        outcomes = gather_outcomes(refs, started, states)
    else:
        outcomes = load_sessions(refs, started, force, title=f"backfill {year}")
    if build:  # the run that builds (a fanned-out backfill's parent) prunes
        prune_telemetry_loads()
        build_staged_tables()
    summary = RunSummary(year, outcomes, staged_built=build, network=NETWORK.since(calls_before))
    publish_report(summary, "backfill")
    return final_state(summary)


@task(cache_policy=NO_CACHE, task_run_name="event {event_id}")
def run_event(year: int, event_id: str, sessions: list[str] | None, force: bool) -> str:
    """One flow run of this deployment for one event, on any worker of the pool."""
    from prefect.deployments import run_deployment
    from prefect.runtime import deployment

    if not deployment.name:
        raise RuntimeError("fan_out needs the backfill to run as a deployment (make deploy)")
    run = run_deployment(
        name=f"backfill/{deployment.name}",
        parameters={
            "year": year,
            "events": [event_id],
            "sessions": sessions,
            "force": force,
            "fan_out": False,
            "build": False,
        },
        as_subflow=True,
    )
    return run.state.type.value
