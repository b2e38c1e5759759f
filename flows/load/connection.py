"""The active PostgreSQL: `DATABASE_URL` when set, else the embedded server in `.data/postgres`.

A process opens its connections to a database from one ADBC database object, kept for the
process: ADBC reads the server's type catalog once per database object (a query that grows
with every table and partition), so a new connection costs the same however long the history.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from urllib.parse import urlsplit

import adbc_driver_postgresql.dbapi as pg

from flows.config import Settings, get_settings
from flows.secrets import redact

KEPT_DATABASES = 4  # databases a process keeps an anchor connection to (tests use many)

_anchors: OrderedDict[str, pg.Connection] = OrderedDict()
_anchors_lock = threading.Lock()


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
    """An ADBC connection (autocommit off); connection errors come out without the password."""
    try:
        conn = _anchor(url).adbc_clone()
    except Exception as exc:  # the driver's message can echo the URI
        raise DatabaseError(f"cannot connect to PostgreSQL: {redact(str(exc)).strip()}") from None
    try:
        yield conn
    finally:
        conn.close()


def _anchor(url: str) -> pg.Connection:
    """The process's first connection to ``url``: its ADBC database (and type catalog) is what
    every later connection to ``url`` is cloned from. The least recently used beyond
    ``KEPT_DATABASES`` is closed."""
    with _anchors_lock:
        anchor = _anchors.get(url)
        if anchor is not None:
            _anchors.move_to_end(url)
            return anchor
        anchor = _anchors[url] = pg.connect(url, autocommit=True)  # idle, no transaction
        while len(_anchors) > KEPT_DATABASES:
            _, oldest = _anchors.popitem(last=False)
            oldest.close()
        return anchor


def close_connections() -> None:
    """Close the anchors (the connections handed out close on their own)."""
    with _anchors_lock:
        while _anchors:
            _anchors.popitem()[1].close()
