"""The active PostgreSQL: `DATABASE_URL` when set, else the embedded server in `.data/postgres`.

Connections are kept for the process. ADBC reads the server's type catalog once per database
object, a query that grows with every table and partition, and a new server backend reads the
catalog rows it needs (e.g. every partition of a table a load attaches to) from scratch. So a
process opens its connections to a database from one ADBC database object, and a connection
given back goes, rolled back, to a few idle ones that the next ``connect`` reuses: a session's
load costs the same however long the history.

Telemetry's COPY streams need ``COPY ... FREEZE`` and raw COPY bytes, which ADBC cannot send:
``copy_connection`` gives a psycopg connection to the same database, kept the same way.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

import adbc_driver_postgresql.dbapi as pg
import psycopg

from flows.config import Settings, get_settings
from flows.secrets import redact

KEPT_DATABASES = 4  # databases a process keeps connections to (the tests use many)
IDLE_PER_DATABASE = 3  # idle connections of each kind kept per database

_lock = threading.Lock()
_anchors: OrderedDict[str, pg.Connection] = OrderedDict()  # url -> the first connection
_idle: dict[str, list[pg.Connection]] = {}
_idle_copy: dict[str, list[psycopg.Connection]] = {}  # url -> idle psycopg connections
_url_of: weakref.WeakKeyDictionary[pg.Connection, str] = weakref.WeakKeyDictionary()


class DatabaseError(RuntimeError):
    """The database cannot be reached or used; the message is safe to show (no password)."""


def database_url(settings: Settings | None = None) -> str:
    """The URL of the active database, starting the embedded server if it is the one in use."""
    settings = settings or get_settings()
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
        try:
            scheme = urlsplit(url).scheme
        except ValueError:
            raise DatabaseError("DATABASE_URL is not a valid URL") from None
        if scheme not in ("postgresql", "postgres"):
            raise DatabaseError("DATABASE_URL must start with postgresql:// (got a malformed URL)")
        return url
    from flows.load.embedded import embedded_url

    return embedded_url(settings.embedded_pgdata)


@contextmanager
def connect(url: str):
    """An ADBC connection (autocommit off, no transaction open); connection errors come out
    without the password. Given back rolled back: commit what must stay."""
    try:
        conn = _take(url)
    except Exception as exc:
        raise _cannot_connect(exc) from None
    try:
        yield conn
    finally:
        _give_back(url, conn)


def _cannot_connect(exc: Exception) -> DatabaseError:
    """The driver's message, without the password (it can echo the URI)."""
    return DatabaseError(f"cannot connect to PostgreSQL: {redact(str(exc)).strip()}")


def _take(url: str) -> pg.Connection:
    """An idle connection that still answers, or a new one cloned from the anchor."""
    while True:
        with _lock:
            idle = _idle.get(url)
            conn = idle.pop() if idle else None
        if conn is None:
            conn = _anchor(url).adbc_clone()
            _url_of[conn] = url
            return conn
        try:
            conn.rollback()  # a round trip: a connection the server dropped fails here
            return conn
        except Exception:
            _close(conn)


def _give_back(url: str, conn: pg.Connection) -> None:
    try:  # end what the user left open: no locks (advisory ones included) or snapshot kept
        conn.rollback()
        with conn.cursor() as cursor:
            cursor.execute("select pg_advisory_unlock_all()")
            cursor.fetchall()
        conn.rollback()
    except Exception:
        _close(conn)
        return
    with _lock:
        idle = _idle.get(url)
        if idle is not None and len(idle) < IDLE_PER_DATABASE:
            idle.append(conn)
            return
    _close(conn)


@contextmanager
def copy_connection(conn: pg.Connection) -> Iterator[psycopg.Connection]:
    """A psycopg connection (no transaction open) to the database of ``conn``, a connection
    from ``connect``; given back rolled back, and kept for the next caller."""
    url = _url_of[conn]
    with _lock:
        idle = _idle_copy.get(url)
        copy = idle.pop() if idle else None
    if copy is None:
        try:
            copy = psycopg.connect(url)
        except Exception as exc:
            raise _cannot_connect(exc) from None
    try:
        yield copy
    finally:
        with suppress(Exception):
            copy.rollback()
        _give_back_copy(url, copy)


def _give_back_copy(url: str, copy: psycopg.Connection) -> None:
    usable = not copy.closed and copy.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with _lock:
        idle = _idle_copy.get(url)
        if usable and idle is not None and len(idle) < IDLE_PER_DATABASE:
            idle.append(copy)
            return
    _close(copy)


def _anchor(url: str) -> pg.Connection:
    """The process's first connection to ``url``: its ADBC database (and type catalog) is what
    every later connection to ``url`` is cloned from. Beyond ``KEPT_DATABASES``, the least
    recently used database's connections are closed."""
    with _lock:
        anchor = _anchors.get(url)
        if anchor is not None:
            _anchors.move_to_end(url)
            return anchor
        anchor = _anchors[url] = pg.connect(url, autocommit=True)  # idle, no transaction
        _idle[url], _idle_copy[url] = [], []
        evicted = []
        while len(_anchors) > KEPT_DATABASES:
            old_url, old = _anchors.popitem(last=False)
            evicted += [old, *_idle.pop(old_url, []), *_idle_copy.pop(old_url, [])]
    for conn in evicted:
        _close(conn)
    return anchor


def _close(conn: pg.Connection | psycopg.Connection) -> None:
    with suppress(Exception):  # already gone with its server
        conn.close()


def close_connections() -> None:
    """Close every kept connection (the ones in use close when given back)."""
    with _lock:
        kept = [*_anchors.values(), *(c for idle in _idle.values() for c in idle)]
        kept += [c for idle in _idle_copy.values() for c in idle]
        _anchors.clear()
        _idle.clear()
        _idle_copy.clear()
    for conn in kept:
        _close(conn)
