"""The `sync` flow, run twice a day: refresh the schedule, poll results, rebuild statuses."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.artifacts import publish_report
from flows.config import get_settings
from flows.logs import ensure_logging
from flows.report import RunSummary
from flows.tasks import (
    build_staged_tables,
    check_replay,
    check_source_freshness,
    load_schedule,
    load_sessions,
    read_schedule,
)


@flow(name="sync", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().max_workers))
def sync(
    year: int | None = None,
    skip_schedule: bool = False,
    skip_results: bool = False,
    as_of: datetime | None = None,
) -> RunSummary:
    """Bring the season up to date as of ``as_of`` (default: now).

    1. Snapshot the schedule: moved sessions get their new times, vanished ones become
       cancelled in staged (their rows are kept), renumbered rounds keep their ids.
    2. Load every session that has ended and is not complete yet: results still missing
       (F1 publishes 30-120 min after a session, Jolpica can lag a day) mean another try on
       the next run; each new load supersedes the earlier partial one in staged.
    3. `dbt build`, with statuses (scheduled, live, awaiting_results, completed) as of ``as_of``
       (only the statuses when nothing new was loaded), then `dbt source freshness`.

    An ``as_of`` before what the database has observed is refused before anything is written.
    """
    ensure_logging(get_settings())
    if as_of is not None:
        check_replay(as_of)
    now = as_of or datetime.now(UTC)
    year = year or now.year
    refs = read_schedule(year) if skip_schedule else load_schedule(year)
    outcomes = [] if skip_results else load_sessions(refs, now, title=f"sync {year}")
    build_staged_tables(as_of=now)
    stale = check_source_freshness()
    summary = RunSummary(year, outcomes, staged_built=True, stale_sources=stale)
    publish_report(summary, "sync")
    return summary
