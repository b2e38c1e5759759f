"""The Prefect tasks the flows wire together; each calls one plain function and returns."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from flows.config import get_settings
from flows.extract.schedule import SessionRef
from flows.load.connection import database_url
from flows.load.event_outcomes import event_run_outcomes
from flows.load.retention import prune_by_policy
from flows.load.schedule_run import sessions_near, snapshot_schedule, stored_refs
from flows.load.session_attempt import attempt_session
from flows.operator.progress import RunProgress
from flows.operator.report import NOT_YET_HELD, SessionOutcome, tally_line
from flows.retry import RETRY_DELAYS, is_transient
from flows.selection import held_sessions
from flows.transform.clock import check_as_of
from flows.transform.dbt import build_staged, freshness_warnings

log = logging.getLogger("flows")

# Network-bound tasks retry transient errors (timeouts, 429/5xx, FastF1's rate limit).
IO_TASK = dict(
    retries=len(RETRY_DELAYS),
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=is_transient,
    cache_policy=NO_CACHE,
)


@task(**IO_TASK)
def load_schedule(year: int) -> list[SessionRef]:
    """Fetch the season's schedule and snapshot it into raw.events / raw.sessions."""
    return snapshot_schedule(year)


@task(cache_policy=NO_CACHE)
def read_schedule(year: int) -> list[SessionRef]:
    """The season's schedule as last snapshotted (no FastF1 call)."""
    return stored_refs(year)


@task(cache_policy=NO_CACHE)
def near_sessions(year: int, now: datetime, hours: float) -> list[str]:
    """Sessions of the stored schedule starting within ``hours`` of ``now`` (no FastF1 call)."""
    return sessions_near(year, now, hours)


@task(**IO_TASK, task_run_name="load {ref.session_id}")
def load_session(
    ref: SessionRef, force: bool = False, now: datetime | None = None
) -> SessionOutcome:
    """Extract one session with FastF1 and write it to raw in one transaction (a transient
    error is raised while Prefect will retry the task, recorded as failed after the last)."""
    return attempt_session(ref, force, now, will_retry=_will_retry)


@task(cache_policy=NO_CACHE)
def gather_outcomes(
    refs: list[SessionRef], since: datetime, event_states: dict[str, str]
) -> list[SessionOutcome]:
    """A fanned-out backfill's outcomes per session, from what its event runs wrote."""
    return event_run_outcomes(refs, since, event_states)


@task(cache_policy=NO_CACHE)
def build_staged_tables(as_of: datetime | None = None) -> list[str]:
    """`dbt build`: deduplicated, indexed, tested `staged` tables, statuses as of ``as_of``
    (only the statuses when raw has nothing new since the last full build)."""
    return build_staged(database_url(), as_of=as_of, changed_only=True)


@task(cache_policy=NO_CACHE)
def prune_telemetry_loads() -> dict[str, int]:
    """Drop superseded telemetry loads, keeping the latest TELEMETRY_KEEP_LOADS per session."""
    return prune_by_policy(database_url(), get_settings().telemetry_keep_loads)


@task(cache_policy=NO_CACHE)
def check_replay(as_of: datetime) -> None:
    """Refuse an AS_OF before what the database has observed, before anything is written."""
    check_as_of(database_url(), as_of)


@task(cache_policy=NO_CACHE)
def check_source_freshness() -> list[str]:
    """`dbt source freshness`: stale raw sources, each a warning (never a failure)."""
    return freshness_warnings(database_url())


def load_sessions(
    refs: list[SessionRef], now: datetime, force: bool = False, title: str = "sessions"
) -> list[SessionOutcome]:
    """Load (in parallel, bounded by the flow's task runner) every session that has ended."""
    ended = held_sessions(refs, now)
    later = f", {len(refs) - len(ended)} not yet" if len(ended) < len(refs) else ""
    log.info("%s: %d sessions held%s", title, len(ended), later)
    clock = time.monotonic()
    futures = [load_session.submit(ref, force, now) for ref in ended]
    with RunProgress(title, len(futures)) as progress:
        for future in as_completed(futures):
            progress.advance(future.result().rows)
    outcomes = [future.result() for future in futures]  # in schedule order
    if outcomes:
        log.info("%s: %s", title, tally_line(outcomes, time.monotonic() - clock))
    return outcomes + [SessionOutcome(r, NOT_YET_HELD) for r in refs if r not in ended]


def _will_retry() -> bool:
    """Whether Prefect will run this task run again (a transient failure is then not final)."""
    from prefect.context import TaskRunContext

    context = TaskRunContext.get()
    if context is None:  # called outside Prefect (task.fn): nobody retries
        return False
    return context.task_run.run_count <= context.task.retries
