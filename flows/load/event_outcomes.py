"""A fanned-out backfill's outcomes per session, read back from what its event runs wrote."""

from __future__ import annotations

import logging
from datetime import datetime

from flows.extract.schedule import SessionRef
from flows.load.connection import connect, database_url
from flows.load.manifest import FAILED, complete_sessions, loads_since
from flows.operator.report import NOT_YET_HELD, SKIPPED, SessionOutcome

log = logging.getLogger("flows.backfill")


def event_run_outcomes(
    refs: list[SessionRef], since: datetime, event_states: dict[str, str]
) -> list[SessionOutcome]:
    """The event runs' outcomes per session, from the manifest rows they wrote since ``since``.

    A session they did not load is skipped (complete already), not yet held, or failed (its
    event run ended before trying it).
    """
    season = refs[0].season if refs else 0
    with connect(database_url()) as conn:
        cursor = conn.cursor()
        loads, complete = loads_since(cursor, season, since), complete_sessions(cursor, season)
    outcomes = []
    for ref in refs:
        entries, state = loads.get(ref.session_id), event_states[ref.event_id]
        if entries:
            seconds = (entries[0].finished_at - entries[0].started_at).total_seconds()
            outcomes.append(SessionOutcome.from_entries(ref, entries, seconds))
        elif ref.ends_at is not None and ref.ends_at > since:
            outcomes.append(SessionOutcome(ref, NOT_YET_HELD))
        elif ref.session_id in complete:
            outcomes.append(SessionOutcome(ref, SKIPPED))
        else:
            detail = f"its event run ended {state} without loading it"
            outcomes.append(SessionOutcome(ref, FAILED, detail=detail))
    failed = [e for e, s in event_states.items() if s != "COMPLETED"]
    if failed:
        log.error("event runs that did not complete: %s", ", ".join(failed))
    return outcomes
