"""The session-type registry: each type's code, FastF1 names, scheduled length and kind.

Schedule (``flows.extract.schedule``: type of a FastF1 session, its scheduled end, written to
``raw.sessions.ends_at`` for dbt), selection (``SESSIONS=``), extract (practice results) and
the report (column order) all read it; nothing else lists session types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SessionType:
    code: str  # our session_type, in every session_id: "2019-italian-grand-prix-q"
    # FastF1's names of the session, each with the one event format it is limited to (None: any
    # format where no limited name matches)
    fastf1_names: tuple[tuple[str, str | None], ...]
    minutes: int  # scheduled length (races can overrun; the sync flow allows for that)
    is_practice: bool = False  # practice has no classification: its results are a driver list

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.minutes)


# In report order. "Sprint Qualifying" is the sprint race itself in the 2021 format ("sprint")
# and the sprint's qualifying from 2024 ("sprint_qualifying").
SESSION_TYPES: tuple[SessionType, ...] = (
    SessionType("FP1", (("Practice 1", None),), 60, is_practice=True),
    SessionType("FP2", (("Practice 2", None),), 60, is_practice=True),
    SessionType("FP3", (("Practice 3", None),), 60, is_practice=True),
    SessionType("SQ", (("Sprint Qualifying", None),), 45),
    SessionType("SS", (("Sprint Shootout", None),), 45),
    SessionType("Q", (("Qualifying", None),), 60),
    SessionType("S", (("Sprint", None), ("Sprint Qualifying", "sprint")), 60),
    SessionType("R", (("Race", None),), 120),
)
BY_CODE = {t.code: t for t in SESSION_TYPES}
CODES = tuple(BY_CODE)


class UnknownSessionError(ValueError):
    """FastF1 named a session we do not know how to classify."""


def session_type(session_name: str, event_format: str | None) -> str:
    """The type code of FastF1's session ``session_name`` in an event of ``event_format``."""
    for limited_to in (event_format, None):
        for stype in SESSION_TYPES:
            if (session_name, limited_to) in stype.fastf1_names:
                return stype.code
    raise UnknownSessionError(f"unknown FastF1 session name {session_name!r}")


def is_practice(code: str) -> bool:
    return BY_CODE[code].is_practice


def scheduled_length(code: str) -> timedelta:
    return BY_CODE[code].length
