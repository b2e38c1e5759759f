"""Pick the sessions a run asks for (`EVENTS=`, `SESSIONS=`, validated) and when to stop polling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flows.extract.schedule import SessionRef, slugify

SESSION_TYPES = ("FP1", "FP2", "FP3", "Q", "SQ", "SS", "S", "R")


def stops_polling(ref: SessionRef, now: datetime, after: timedelta) -> bool:
    """Whether an attempt at ``now`` that leaves ``ref`` incomplete is the last one: the
    session ended ``after`` ago (UNPUBLISHED_AFTER_DAYS) and F1 or Jolpica have still not
    published its results. It becomes `unpublished`; FORCE=1 tries it again."""
    return ref.ends_at is not None and now - ref.ends_at >= after


class SelectionError(ValueError):
    """The requested events or sessions do not exist in the season's schedule."""


def select_sessions(
    refs: Sequence[SessionRef],
    events: Sequence[str] | None = None,
    sessions: Sequence[str] | None = None,
) -> list[SessionRef]:
    """Sessions of the chosen events (by round, event id or name) and session types."""
    chosen = list(refs)
    if events:
        wanted = {ref.event_id for name in events for ref in _match_event(refs, name)}
        chosen = [r for r in chosen if r.event_id in wanted]
    if sessions:
        types = {s.strip().upper() for s in sessions}
        unknown = sorted(types - set(SESSION_TYPES))
        if unknown:
            raise SelectionError(
                f"unknown session type {', '.join(unknown)} (use {' '.join(SESSION_TYPES)})"
            )
        chosen = [r for r in chosen if r.session_type in types]
    return chosen


def _match_event(refs: Sequence[SessionRef], name: str) -> list[SessionRef]:
    text = name.strip()
    if text.isdigit():
        hits = [r for r in refs if r.round_number == int(text)]
    else:
        slug = slugify(text)  # whole words of the event's name: "italian", "abu-dhabi"
        hits = [
            r for r in refs if r.event_id == slug or (slug and f"-{slug}-" in f"-{_name_slug(r)}-")
        ]
        exact = [r for r in hits if slug in (r.event_id, _name_slug(r))]
        hits = exact or hits
    names = sorted({r.event_name for r in hits})
    if not names:
        season = refs[0].season if refs else "this season"
        raise SelectionError(f"no event matches {name!r} in {season}")
    if len(names) > 1:
        raise SelectionError(f"{name!r} matches several events: {', '.join(names)}")
    return hits


def _name_slug(ref: SessionRef) -> str:
    return slugify(ref.event_name)
