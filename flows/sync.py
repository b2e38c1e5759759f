"""The `sync` flow, run twice a day: refresh the schedule, poll results, rebuild statuses."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prefect import flow
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.config import get_settings
from flows.extract.network import NETWORK
from flows.operator.artifacts import publish_report
from flows.operator.logs import ensure_logging
from flows.operator.report import RunSummary
from flows.outcome import final_state
from flows.tasks import (
    build_staged_tables,
    check_replay,
    check_source_freshness,
    load_schedule,
    load_sessions,
    near_sessions,
    prune_telemetry_loads,
    read_schedule,
)

log = logging.getLogger("flows.sync")


@flow(name="sync", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().max_workers))
def sync(
    year: int | None = None,
    skip_schedule: bool = False,
    skip_results: bool = False,
    as_of: datetime | None = None,
    near_session_hours: float | None = None,
) -> State:
    """Bring the season up to date as of ``as_of`` (default: now).

    1. Snapshot the schedule: moved sessions get their new times, vanished ones become
       cancelled in staged (their rows are kept), renumbered rounds keep their ids.
    2. Load every session that has ended and is not complete yet: results still missing
       (F1 publishes 30-120 min after a session, Jolpica can lag a day) mean another try on
       the next run; each new load supersedes the earlier partial one in staged. Telemetry of
       superseded loads beyond TELEMETRY_KEEP_LOADS per session is then dropped.
    3. `dbt build`, with statuses (scheduled, live, awaiting_results, completed) as of ``as_of``
       (only the statuses when nothing new was loaded), then `dbt source freshness`.

    With ``near_session_hours`` (the race-weekend schedule) the run does nothing, and says
    why, unless a session of the stored schedule starts within that many hours of ``as_of``.
    The run ends Failed, after its report, when a session failed. An ``as_of`` before what the
    database has observed is refused before anything is written.
    """
    ensure_logging(get_settings())
    calls_before = NETWORK.snapshot()
    if as_of is not None:
        check_replay(as_of)
    now = as_of or datetime.now(UTC)
    year = year or now.year
    if near_session_hours is not None and not near_sessions(year, now, near_session_hours):
        why = f"skipped: no session of the stored {year} schedule within {near_session_hours:g} h"
        log.info("sync %s", why)
        return final_state(RunSummary(year, [], staged_built=False), message=why)
    refs = read_schedule(year) if skip_schedule else load_schedule(year)
    outcomes = [] if skip_results else load_sessions(refs, now, title=f"sync {year}")
    prune_telemetry_loads()
    build_staged_tables(as_of=now)
    stale = check_source_freshness()
    summary = RunSummary(
        year,
        outcomes,
        staged_built=True,
        network=NETWORK.since(calls_before),
        stale_sources=stale,
    )
    publish_report(summary, "sync")
    return final_state(summary)
