"""The active PostgreSQL: `DATABASE_URL` when set, else the embedded server in `.data/postgres`."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

import adbc_driver_postgresql.dbapi as pg

from flows.config import Settings, get_settings
from flows.secrets import redact


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
        conn = pg.connect(url)
    except Exception as exc:  # the driver's message can echo the URI
        raise DatabaseError(f"cannot connect to PostgreSQL: {redact(str(exc)).strip()}") from None
    try:
        yield conn
    finally:
        conn.close()
