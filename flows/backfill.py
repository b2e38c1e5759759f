"""The `backfill` flow: a season's sessions from FastF1 into raw, then dbt build."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.artifacts import publish_report
from flows.config import get_settings
from flows.logs import ensure_logging
from flows.network import NETWORK
from flows.report import RunSummary
from flows.selection import select_sessions
from flows.tasks import build_staged_tables, load_schedule, load_sessions

log = logging.getLogger("flows.backfill")


@flow(name="backfill", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().max_workers))
def backfill(
    year: int,
    events: list[str] | None = None,
    sessions: list[str] | None = None,
    force: bool = False,
    fan_out: bool = False,
    build: bool = True,
) -> RunSummary:
    """Load every session of ``year`` that has ended (or the chosen ones), then build staged.

    ``fan_out`` (when run as a deployment) starts one flow run of the same deployment per
    event instead, waits for them all, then builds staged once.
    """
    ensure_logging(get_settings())
    calls_before = NETWORK.snapshot()
    refs = select_sessions(load_schedule(year), events, sessions)
    if fan_out:
        event_ids = list(dict.fromkeys(r.event_id for r in refs))
        runs = [run_event.submit(year, e, sessions, force) for e in event_ids]
        states = [r.result() for r in runs]
        failed = [e for e, state in zip(event_ids, states, strict=True) if state != "COMPLETED"]
        if failed:
            log.error("event runs that did not complete: %s", ", ".join(failed))
        outcomes = []
    else:
        outcomes = load_sessions(refs, datetime.now(UTC), force, title=f"backfill {year}")
    if build:
        build_staged_tables()
    summary = RunSummary(year, outcomes, staged_built=build, network=NETWORK.since(calls_before))
    publish_report(summary, "backfill")
    return summary


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
