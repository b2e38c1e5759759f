"""One attempt at a session: skip what is settled, extract, write, or record the failure."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flows.config import Settings, get_settings
from flows.extract.cache import configure_fastf1
from flows.extract.result import SessionExtract
from flows.extract.schedule import SessionRef
from flows.extract.session import extract_session
from flows.load.connection import connect, database_url
from flows.load.manifest import FAILED, has_attempts, is_complete, is_unpublished
from flows.load.session_load import session_lock, write_failure, write_session
from flows.operator.logs import log_context
from flows.operator.report import SKIPPED, UNPUBLISHED_SESSION, SessionOutcome
from flows.retry import is_transient_error
from flows.selection import stops_polling

log = logging.getLogger("flows")


def attempt_session(
    ref: SessionRef,
    force: bool = False,
    now: datetime | None = None,
    will_retry: Callable[[], bool] = lambda: False,
) -> SessionOutcome:
    """Extract one session with FastF1 and write it to raw in one transaction.

    A complete or unpublished session is skipped unless ``force``. ``now`` (the run's as_of)
    decides whether an incomplete session is given up (unpublished). A transient error is
    raised when ``will_retry()`` (the caller tries again later); otherwise, and for any other
    error, the attempt is recorded as failed.
    """
    settings = get_settings()
    configure_fastf1(settings)
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
        fresh = not settings.fastf1_offline and (force or has_attempts(cursor, ref.session_id))
        try:
            extract = extract_session(ref, fresh=fresh)
            extract.given_up = gives_up(extract, now or started, settings)
            entries = write_session(conn, extract, started)
        except Exception as exc:
            if is_transient_error(exc) and will_retry():
                raise
            entries = write_failure(conn, ref, f"{type(exc).__name__}: {exc}", started)
    outcome = SessionOutcome.from_entries(ref, entries, time.monotonic() - clock)
    log_outcome(outcome)
    return outcome


def gives_up(extract: SessionExtract, now: datetime, settings: Settings) -> bool:
    """An online attempt that leaves the session incomplete long after its end is the last."""
    if extract.complete or settings.fastf1_offline:  # offline: the cache is not F1
        return False
    return stops_polling(extract.ref, now, settings.unpublished_after)


def log_outcome(outcome: SessionOutcome) -> None:
    """A failure and any sanity-check flag are logged; the rest is routine (the bar and the
    report have it)."""
    ref = outcome.ref
    with log_context(season=ref.season, event=ref.event_id, session=ref.session_id):
        if outcome.status == FAILED:
            log.error("%s: failed: %s", ref.label, outcome.detail)
        else:
            log.debug("%s: %s (%d rows)", ref.label, outcome.status, outcome.rows)
        for flag in outcome.flags:
            log.warning("%s: flagged: %s", ref.label, flag)
