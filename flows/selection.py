"""Pick the sessions a run asks for (`EVENTS=`, `SESSIONS=`, validated) and when to stop polling."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import datetime, timedelta

from flows.extract.schedule import SessionRef, slugify
from flows.session_types import CODES


def stops_polling(ref: SessionRef, now: datetime, after: timedelta) -> bool:
    """Whether an attempt at ``now`` that leaves ``ref`` incomplete is the last one: the
    session ended ``after`` ago (UNPUBLISHED_AFTER_DAYS) and F1 or Jolpica have still not
    published its results. It becomes `unpublished`; FORCE=1 tries it again."""
    return ref.ends_at is not None and now - ref.ends_at >= after


def held_sessions(refs: Sequence[SessionRef], now: datetime) -> list[SessionRef]:
    """The sessions that have ended by ``now`` (or whose start is unknown): the ones to load."""
    return [r for r in refs if r.ends_at is None or r.ends_at <= now]


class SelectionError(ValueError):
    """The requested events or sessions do not exist in the season's schedule."""


def select_sessions(
    refs: Sequence[SessionRef],
    events: Sequence[str] | None = None,
    sessions: Sequence[str] | None = None,
) -> list[SessionRef]:
    """Sessions of the chosen events (round, event id, name, location, country) and types."""
    chosen = list(refs)
    if events:
        wanted = {ref.event_id for name in events for ref in _match_event(refs, name)}
        chosen = [r for r in chosen if r.event_id in wanted]
    if sessions:
        types = {s.strip().upper() for s in sessions}
        unknown = sorted(types - set(CODES))
        if unknown:
            raise SelectionError(
                f"unknown session type {', '.join(unknown)} (use {' '.join(CODES)})"
            )
        chosen = [r for r in chosen if r.session_type in types]
    return chosen


def _match_event(refs: Sequence[SessionRef], name: str) -> list[SessionRef]:
    """By round, or as FastF1 matches events: the event's name, its location or its country."""
    text = name.strip()
    season = refs[0].season if refs else "this season"
    if text.isdigit():
        hits = [r for r in refs if r.round_number == int(text)]
    else:
        slug = slugify(text)  # "sao paulo" -> "sao-paulo"; matched on whole words
        hits = next((found for tier in _TIERS if (found := [r for r in refs if tier(r, slug)])), [])
    events = {r.event_id: r for r in hits}
    if not events:
        raise SelectionError(f"no event matches {name!r} in {season}{_suggestion(refs, text)}")
    if len(events) > 1:
        candidates = ", ".join(sorted(f"{r.event_name} ({r.location})" for r in events.values()))
        raise SelectionError(f"{name!r} matches several events in {season}: {candidates}")
    return hits


def _is(slug: str, text: str | None) -> bool:
    return bool(slug) and slug == slugify(text or "")


def _within(slug: str, text: str | None) -> bool:
    return bool(slug) and f"-{slug}-" in f"-{slugify(text or '')}-"


# The first tier that finds anything decides: "United States" is the United States Grand Prix,
# not every event in the country; "Italy" (a country only) may be several.
_TIERS = (
    lambda r, slug: slug == r.event_id or _is(slug, r.event_name),
    lambda r, slug: _within(slug, r.event_name),
    lambda r, slug: _is(slug, r.location),
    lambda r, slug: _is(slug, r.country),
    lambda r, slug: _within(slug, r.location) or _within(slug, r.country),
)


def _suggestion(refs: Sequence[SessionRef], text: str) -> str:
    """' (did you mean Monza?)' from the season's event names, locations and countries."""
    names = {}
    for ref in refs:
        short = ref.event_name.removesuffix(" Grand Prix")
        for candidate in (ref.event_name, short, ref.location, ref.country):
            if candidate:
                names.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(text.lower(), list(names), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(names[c] for c in close)}?)" if close else ""
