"""The `backfill` flow: a season's schedule and sessions from FastF1 into raw, then dbt build."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.config import get_settings
from flows.database import connect, database_url
from flows.extract.cache import configure_fastf1
from flows.extract.schedule import SessionRef, fetch_schedule, schedule_frames, session_refs
from flows.extract.session import extract_session
from flows.load.manifest import has_attempts, is_complete
from flows.load.raw_tables import ddl_statements
from flows.load.session_load import session_lock, write_failure, write_schedule, write_session
from flows.report import NOT_YET_HELD, SKIPPED, RunSummary, SessionOutcome
from flows.retry import RETRY_DELAYS, is_transient, is_transient_error
from flows.selection import select_sessions
from flows.transform.dbt import build_staged

log = logging.getLogger("flows.backfill")


@task(
    retries=len(RETRY_DELAYS),
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=is_transient,
    cache_policy=NO_CACHE,
)
def load_schedule(year: int) -> list[SessionRef]:
    """Fetch the season's schedule and snapshot it into raw.events / raw.sessions."""
    configure_fastf1(get_settings())
    events, sessions = schedule_frames(fetch_schedule(year), year)
    with connect(database_url()) as conn:
        cursor = conn.cursor()
        for statement in ddl_statements():
            cursor.execute(statement)
        conn.commit()
        write_schedule(conn, year, events, sessions)
    log.info("schedule %s: %d events, %d sessions", year, events.height, sessions.height)
    return session_refs(events, sessions)


@task(
    retries=len(RETRY_DELAYS),
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=is_transient,
    cache_policy=NO_CACHE,
    task_run_name="load {ref.session_id}",
)
def load_session(ref: SessionRef, force: bool = False) -> SessionOutcome:
    """Extract one session with FastF1 and write it to raw in one transaction."""
    configure_fastf1(get_settings())
    started, clock = datetime.now(UTC), time.monotonic()
    with connect(database_url()) as conn, session_lock(conn, ref.session_id):
        cursor = conn.cursor()
        if not force and is_complete(cursor, ref.season, ref.session_id):
            log.info("%s: already complete, skipped", ref.label)
            return SessionOutcome(ref, SKIPPED)
        fresh = not get_settings().fastf1_offline and (
            force or has_attempts(cursor, ref.session_id)
        )
        try:
            entries = write_session(conn, extract_session(ref, fresh=fresh), started)
        except Exception as exc:
            if is_transient_error(exc) and not _last_attempt():
                raise  # Prefect retries it after a back-off
            entries = write_failure(conn, ref, f"{type(exc).__name__}: {exc}", started)
    outcome = SessionOutcome.from_entries(ref, entries, time.monotonic() - clock)
    log.info("%s: %s (%d rows)", ref.label, outcome.status, outcome.rows)
    return outcome


@task(cache_policy=NO_CACHE)
def build_staged_tables() -> list[str]:
    """`dbt build`: deduplicated, indexed, tested `staged` tables."""
    return build_staged(database_url())


@flow(name="backfill", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().max_workers))
def backfill(
    year: int,
    events: list[str] | None = None,
    sessions: list[str] | None = None,
    force: bool = False,
) -> RunSummary:
    """Load every session of ``year`` that has ended (or the chosen ones), then build staged."""
    refs = select_sessions(load_schedule(year), events, sessions)
    now = datetime.now(UTC)
    held = [r for r in refs if r.ends_at is None or r.ends_at <= now]
    futures = [load_session.submit(ref, force) for ref in held]
    outcomes = [f.result() for f in futures]
    outcomes += [SessionOutcome(r, NOT_YET_HELD) for r in refs if r not in held]
    build_staged_tables()
    return RunSummary(year, outcomes, staged_built=True)


def _last_attempt() -> bool:
    from prefect.runtime import task_run

    return task_run.run_count > len(RETRY_DELAYS)
