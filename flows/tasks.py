"""The Prefect tasks the flows wire together: schedule, one session, dbt build."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from flows.config import get_settings
from flows.extract.cache import configure_fastf1
from flows.extract.schedule import SessionRef, fetch_schedule, schedule_frames, session_refs
from flows.extract.session import SessionExtract, extract_session
from flows.load.connection import connect, database_url
from flows.load.locks import advisory_lock
from flows.load.manifest import FAILED, has_attempts, is_complete, is_unpublished
from flows.load.raw_tables import ddl_statements
from flows.load.retention import prune_telemetry
from flows.load.schedule_store import schedule_changed, stored_schedule
from flows.load.session_load import session_lock, write_failure, write_schedule, write_session
from flows.operator.logs import log_context
from flows.operator.progress import RunProgress
from flows.operator.report import NOT_YET_HELD, SKIPPED, UNPUBLISHED_SESSION, SessionOutcome
from flows.retry import RETRY_DELAYS, is_transient, is_transient_error
from flows.selection import stops_polling
from flows.transform.clock import check_as_of
from flows.transform.dbt import build_staged, stale_sources

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
    configure_fastf1(get_settings())
    events, sessions = schedule_frames(fetch_schedule(year), year)
    with connect(database_url()) as conn:
        ensure_raw_tables(conn)
        with advisory_lock(conn, f"f1-schedule:{year}"):
            changed = schedule_changed(conn.cursor(), year, events, sessions)
            if changed:
                write_schedule(conn, year, events, sessions)
    log.info(
        "schedule %s: %d events, %d sessions (%s)",
        year,
        events.height,
        sessions.height,
        "stored" if changed else "unchanged",
    )
    return session_refs(events, sessions)


@task(cache_policy=NO_CACHE)
def read_schedule(year: int) -> list[SessionRef]:
    """The season's schedule as last snapshotted (no FastF1 call)."""
    with connect(database_url()) as conn:
        ensure_raw_tables(conn)
        events, sessions = stored_schedule(conn.cursor(), year)
    if sessions.height == 0:
        raise LookupError(f"no schedule stored for {year}: run once without SKIP_SCHEDULE")
    return session_refs(events, sessions)


@task(**IO_TASK, task_run_name="load {ref.session_id}")
def load_session(
    ref: SessionRef, force: bool = False, now: datetime | None = None
) -> SessionOutcome:
    """Extract one session with FastF1 and write it to raw in one transaction.

    ``now`` (the run's as_of) decides whether an incomplete session is given up (unpublished).
    """
    configure_fastf1(get_settings())
    started, clock = datetime.now(UTC), time.monotonic()
    context = log_context(season=ref.season, event=ref.event_id, session=ref.session_id)
    with context, connect(database_url()) as conn, session_lock(conn, ref.session_id):
        cursor = conn.cursor()
        if not force and is_complete(cursor, ref.season, ref.session_id):
            log.debug("%s: already complete, skipped", ref.label)
            return SessionOutcome(ref, SKIPPED)
        if not force and is_unpublished(cursor, ref.season, ref.session_id):
            log.debug("%s: unpublished (no longer polled; FORCE=1 tries it), skipped", ref.label)
            return SessionOutcome(ref, UNPUBLISHED_SESSION)
        fresh = not get_settings().fastf1_offline and (
            force or has_attempts(cursor, ref.session_id)
        )
        try:
            extract = extract_session(ref, fresh=fresh)
            extract.given_up = _gives_up(extract, now or started)
            entries = write_session(conn, extract, started)
        except Exception as exc:
            if is_transient_error(exc) and not _last_attempt():
                raise  # Prefect retries it after a back-off
            entries = write_failure(conn, ref, f"{type(exc).__name__}: {exc}", started)
    outcome = SessionOutcome.from_entries(ref, entries, time.monotonic() - clock)
    with log_context(season=ref.season, event=ref.event_id, session=ref.session_id):
        if outcome.status == FAILED:
            log.error("%s: failed: %s", ref.label, outcome.detail)
        else:  # routine: the bar, the report and the log file have it
            log.debug("%s: %s (%d rows)", ref.label, outcome.status, outcome.rows)
        for flag in outcome.flags:
            log.warning("%s: flagged: %s", ref.label, flag)
    return outcome


@task(cache_policy=NO_CACHE)
def build_staged_tables(as_of: datetime | None = None) -> list[str]:
    """`dbt build`: deduplicated, indexed, tested `staged` tables, statuses as of ``as_of``
    (only the statuses when raw has nothing new since the last full build)."""
    return build_staged(database_url(), as_of=as_of, changed_only=True)


@task(cache_policy=NO_CACHE)
def prune_telemetry_loads() -> dict[str, int]:
    """Drop superseded telemetry loads, keeping the latest TELEMETRY_KEEP_LOADS per session."""
    keep = get_settings().telemetry_keep_loads
    if keep == 0:
        return {}
    with connect(database_url()) as conn:
        dropped = prune_telemetry(conn, keep=keep)
    if any(dropped.values()):
        log.info("pruned superseded telemetry loads (keeping %d a session): %s", keep, dropped)
    return dropped


@task(cache_policy=NO_CACHE)
def check_replay(as_of: datetime) -> None:
    """Refuse an AS_OF before what the database has observed, before anything is written."""
    check_as_of(database_url(), as_of)


@task(cache_policy=NO_CACHE)
def check_source_freshness() -> list[str]:
    """`dbt source freshness`: stale raw sources, each a warning (never a failure)."""
    try:
        stale = stale_sources(database_url())
    except Exception as exc:  # freshness informs; it must not fail the run
        log.warning("source freshness could not be checked: %s", exc)
        return []
    for line in stale:
        log.warning("stale source %s", line)
    return stale


def load_sessions(
    refs: list[SessionRef], now: datetime, force: bool = False, title: str = "sessions"
) -> list[SessionOutcome]:
    """Load (in parallel, bounded by the flow's task runner) every session that has ended."""
    ended = [r for r in refs if r.ends_at is None or r.ends_at <= now]
    later = f", {len(refs) - len(ended)} not yet" if len(ended) < len(refs) else ""
    log.info("%s: %d sessions held%s", title, len(ended), later)
    clock = time.monotonic()
    futures = [load_session.submit(ref, force, now) for ref in ended]
    with RunProgress(title, len(futures)) as progress:
        for future in as_completed(futures):
            progress.advance(future.result().rows)
    outcomes = [future.result() for future in futures]  # in schedule order
    if outcomes:
        counts = Counter(o.status for o in outcomes)
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        rows = sum(o.rows for o in outcomes)
        log.info("%s: %s; %s rows in %.0f s", title, tally, f"{rows:,}", time.monotonic() - clock)
    return outcomes + [SessionOutcome(r, NOT_YET_HELD) for r in refs if r not in ended]


def ensure_raw_tables(conn) -> None:
    """Create or extend the raw tables (one process at a time: concurrent DDL can collide)."""
    with advisory_lock(conn, "f1-ddl"):
        cursor = conn.cursor()
        for statement in ddl_statements():
            cursor.execute(statement)
        conn.commit()


def _gives_up(extract: SessionExtract, now: datetime) -> bool:
    """An online attempt that leaves the session incomplete long after its end is the last."""
    settings = get_settings()
    if extract.complete or settings.fastf1_offline:  # offline: the cache is not F1
        return False
    return stops_polling(extract.ref, now, settings.unpublished_after)


def _last_attempt() -> bool:
    """Whether Prefect will not retry this task run again (so a failure must be recorded)."""
    from prefect.context import TaskRunContext

    context = TaskRunContext.get()
    if context is None:  # called outside Prefect (task.fn): nobody retries
        return True
    return context.task_run.run_count > context.task.retries
