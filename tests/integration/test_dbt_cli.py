"""`make dbt ARGS=...`: dbt's own command line on the project's database."""

from __future__ import annotations

import os
import subprocess
from urllib.parse import urlsplit

import pytest

from flows.config import PROJECT_DIR
from flows.load.connection import connect
from flows.load.raw_schema import ensure_raw_tables
from tests.integration.database import scalar

pytestmark = pytest.mark.integration


def _make_dbt(args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "dbt", f"ARGS={args}"],
        cwd=PROJECT_DIR,
        env=os.environ,  # DATABASE_URL: the test's database
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_make_dbt_debug_passes_and_runs_any_command_on_the_database(db_url):
    debug = _make_dbt("debug")
    assert debug.returncode == 0, debug.stdout[-2000:] + debug.stderr[-2000:]
    assert "All checks passed!" in debug.stdout
    assert "\x1b[" not in debug.stdout  # not a terminal: no colour codes
    database = urlsplit(db_url).path.lstrip("/")
    assert f"database: {database}" in debug.stdout

    with connect(db_url) as conn:
        ensure_raw_tables(conn)
    run = _make_dbt("run --select +sessions")
    assert run.returncode == 0, run.stdout[-2000:]
    assert scalar(db_url, "select to_regclass('staged.sessions') is not null")


def test_make_dbt_with_a_bad_database_url_is_one_line(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://nobody@nowhere/f1")
    bad = _make_dbt("debug")
    assert bad.returncode != 0
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines()[0].startswith("error: DATABASE_URL must start with")
