"""The statuses' clock: what a database has observed, and the refusal of AS_OF runs before it."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.load.connection import connect

# The status time of every build is in these (dbt_project/models/history/status_clock.sql,
# staged/sessions.sql, staged/events.sql).
STATUS_TABLES = ("staged.status_clock", "staged.sessions", "staged.events")


class ReplayError(ValueError):
    """An AS_OF that would move the statuses of this database backwards (or ahead of time)."""


def observed_until(url: str) -> datetime | None:
    """The latest status time of any build of this database; None before the first build."""
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute(
            "select " + ", ".join(f"to_regclass('{table}') is not null" for table in STATUS_TABLES)
        )
        present = [t for t, exists in zip(STATUS_TABLES, cursor.fetchone(), strict=True) if exists]
        if not present:
            return None
        latest = ", ".join(f"(select max(status_as_of) from {table})" for table in present)
        cursor.execute(f"select greatest({latest})")
        return cursor.fetchone()[0]


def check_as_of(url: str, as_of: datetime, now: datetime | None = None) -> None:
    """Refuse an AS_OF in the future or before what the database has observed: statuses only
    move forward (replaying the past needs a fresh database)."""
    now = now or datetime.now(UTC)
    if as_of > now:
        raise ReplayError(f"AS_OF {_show(as_of)} is in the future (now: {_show(now)})")
    observed = observed_until(url)
    if observed is not None and as_of < observed:
        raise ReplayError(
            f"AS_OF {_show(as_of)} is before what this database has already observed "
            f"({_show(observed)}): use a fresh database to replay the past"
        )


def _show(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
