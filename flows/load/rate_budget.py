"""F1's rate budget, shared by every process on the database: a sliding-window ledger of calls.

FastF1 allows 500 calls an hour to any host and 200 to Jolpica, counted per process; a pool of
workers, a backfill and a sync at once would pass that together. Every real network call
takes a slot here first: a row per bucket in ``ops.http_calls``, taken in a short transaction
under an advisory lock, and dated again when the call ends. When a bucket's window is full,
the caller sleeps until its oldest call leaves the window (the database's clock decides, so
machines agree). One connection
per process, reused: opening one reads the type catalog.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager

import adbc_driver_postgresql.dbapi as pg
import requests

from flows.load.connection import DatabaseError
from flows.secrets import redact

log = logging.getLogger(__name__)

ALL, JOLPICA = "all", "jolpica"
_LOCK_KEY = "f1-rate-budget"
_DDL = (
    "create schema if not exists ops",
    "create table if not exists ops.http_calls (id bigint generated always as identity, "
    "bucket text not null, called_at timestamptz not null default clock_timestamp())",
    "create index if not exists http_calls_bucket_called_at on ops.http_calls (bucket, called_at)",
)
# the wait until the oldest call that fills the window leaves it (no row: a slot is free)
_WAIT_SQL = (
    "select extract(epoch from called_at - clock_timestamp())::float8 + $2 from ops.http_calls "
    "where bucket = $1 and called_at > clock_timestamp() - make_interval(secs => $2) "
    "order by called_at desc offset $3 limit 1"
)


class BudgetUnavailableError(requests.ConnectionError):
    """The budget's database cannot be reached: no call is made without a slot."""


def buckets_for(host: str) -> tuple[str, ...]:
    """Every call counts against the overall budget; Jolpica's also against its own."""
    return (ALL, JOLPICA) if host == "jolpi.ca" or host.endswith(".jolpi.ca") else (ALL,)


class RateBudget:
    """Slots of ``limits[bucket]`` calls per ``window`` seconds, for every process at once."""

    def __init__(
        self,
        url: Callable[[], str],
        limits: dict[str, int],
        window: float,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.url, self.limits, self.window, self.on_wait = url, limits, window, on_wait
        self._conn = None
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, buckets: Sequence[str]) -> Iterator[float]:
        """Hold a slot in each bucket for one call; yields the seconds waited for it.

        The slot is dated when it is taken and again when the call ends: a call counts from
        before it leaves until after it arrived, however long it travels.
        """
        waited = 0.0
        while isinstance(taken := self._locked(self._take, buckets), float):
            wait = taken + min(1.0, self.window / 100)  # a margin for the hosts' clocks
            if self.on_wait is not None:
                self.on_wait(wait)
            time.sleep(wait)
            waited += wait
        try:
            yield waited
        finally:
            try:
                self._locked(self._finish, taken)
            except BudgetUnavailableError as exc:  # the slot still counts from its start
                log.warning("%s", exc)

    def _locked(self, step, argument):
        """One step in one transaction; a broken connection is replaced once, then it fails."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return step(self._connection(), argument)
                except (pg.Error, DatabaseError) as exc:
                    self.close()
                    if attempt == 2:
                        message = (redact(str(exc)).strip().splitlines() or ["?"])[0]
                        raise BudgetUnavailableError(f"rate budget: {message}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _take(self, conn, buckets: Sequence[str]) -> float | list[int]:
        """The slots' ids, or the seconds until the fullest bucket has room."""
        with closing(conn.cursor()) as cursor:
            cursor.execute("select pg_advisory_xact_lock(hashtextextended($1, 0))", (_LOCK_KEY,))
            wait = 0.0
            for bucket in buckets:
                cursor.execute(_WAIT_SQL, (bucket, float(self.window), self.limits[bucket] - 1))
                row = cursor.fetchone()
                wait = max(wait, row[0] if row else 0.0)
            ids = []
            if wait <= 0:
                for bucket in buckets:
                    cursor.execute(
                        "insert into ops.http_calls (bucket) values ($1) returning id", (bucket,)
                    )
                    ids.append(cursor.fetchone()[0])
                cursor.execute(
                    "delete from ops.http_calls "
                    "where called_at < clock_timestamp() - make_interval(secs => $1)",
                    (float(self.window),),
                )
            conn.commit()
            return ids if wait <= 0 else float(wait)

    def _finish(self, conn, ids: list[int]) -> None:
        with closing(conn.cursor()) as cursor:
            for slot_id in ids:
                cursor.execute(
                    "update ops.http_calls set called_at = clock_timestamp() where id = $1",
                    (slot_id,),
                )
            conn.commit()

    def _connection(self):
        if self._conn is None:
            conn = pg.connect(self.url())
            cursor = conn.cursor()
            cursor.execute("select pg_advisory_xact_lock(hashtextextended($1, 0))", (_LOCK_KEY,))
            for statement in _DDL:
                cursor.execute(statement)
            conn.commit()
            cursor.close()
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(pg.Error):
                self._conn.close()
            self._conn = None
