"""Command-line input checks, one-line errors, and the database helpers they rely on."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import pytest

from flows.operator.cli import UsageError, main, parse_year
from flows.operator.logs import (
    ConsoleFormatter,
    RedactFilter,
    RichConsoleHandler,
    console,
    send_to_prefect,
)
from flows.secrets import redact
from flows.transform.profile import dbt_env

NEXT_SEASON = datetime.now(UTC).year + 1


# --- parse_year -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["abc", "", "2018.5", "twenty"])
def test_parse_year_rejects_non_numbers_naming_the_value(text):
    with pytest.raises(UsageError, match="YEAR must be a season") as error:
        parse_year(text)

    assert repr(text) in str(error.value)


@pytest.mark.parametrize("year", [1949, NEXT_SEASON + 1, -2018])
def test_parse_year_rejects_seasons_out_of_range_naming_the_value(year):
    with pytest.raises(UsageError, match=f"not {year}$") as error:
        parse_year(str(year))

    assert "1950" in str(error.value)
    assert str(NEXT_SEASON) in str(error.value)


@pytest.mark.parametrize("year", [1950, 2018, NEXT_SEASON])
def test_parse_year_accepts_championship_seasons(year):
    assert parse_year(str(year)) == year


def test_parse_year_tolerates_surrounding_spaces():
    assert parse_year(" 2018 ") == 2018


# --- main ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["abc", "1949"])
def test_bad_year_exits_non_zero_with_one_error_line(capsys, restore_logging, year):
    code = main(["backfill", "--year", year])
    err = capsys.readouterr().err

    assert code != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:")
    assert year in lines[0]
    assert "Traceback" not in err


# --- redact -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgres://alice:s3cr%40t@db.example.com:6543/f1", "postgres://alice:***@db.example.com"),
        ("host=h password=secret user=u", "host=h password=*** user=u"),
        ("PASSWORD = secret", "PASSWORD = ***"),
        ("cannot connect: postgresql://u:secret@h/db refused", "postgresql://u:***@h/db refused"),
    ],
)
def test_redact_hides_passwords(text, shown):
    redacted = redact(text)

    assert "secret" not in redacted
    assert "s3cr" not in redacted
    assert shown in redacted


@pytest.mark.parametrize(
    "text", ["postgresql://u@h/db", "postgresql://h:5432/db", "no password here", "user=u host=h"]
)
def test_redact_leaves_text_without_password_alone(text):
    assert redact(text) == text


# --- dbt_env ------------------------------------------------------------------------------------


def test_dbt_env_from_a_socket_url():
    env = dbt_env("postgresql://postgres:@/f1?host=/tmp/x")

    assert env["F1_PG_HOST"] == "/tmp/x"
    assert env["F1_PG_USER"] == "postgres"
    assert env["F1_PG_DBNAME"] == "f1"
    assert env["F1_PG_PORT"] == "5432"
    assert env["DBT_ENV_SECRET_F1_PG_PASSWORD"] == ""


def test_dbt_env_from_a_tcp_url_keeps_the_password_only_in_the_dbt_secret():
    env = dbt_env("postgresql://alice:s3cr%40t@db.example.com:6543/formula1?sslmode=require")

    assert env == {
        "F1_PG_HOST": "db.example.com",
        "F1_PG_PORT": "6543",
        "F1_PG_USER": "alice",
        "F1_PG_DBNAME": "formula1",
        "DBT_ENV_SECRET_F1_PG_PASSWORD": "s3cr@t",
        "F1_PG_SSLMODE": "require",
    }
    others = [v for k, v in env.items() if k != "DBT_ENV_SECRET_F1_PG_PASSWORD"]
    assert not any("s3cr" in v for v in others)


def test_dbt_env_variables_are_all_strings():
    env = dbt_env("postgresql://u:pw@h/db")

    assert all(isinstance(v, str) for v in env.values())
    assert env["DBT_ENV_SECRET_F1_PG_PASSWORD"] == "pw"
    assert env["F1_PG_SSLMODE"] == "prefer"


# --- console log lines --------------------------------------------------------------------------


def _record(message: str, **extra) -> logging.LogRecord:
    record = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def _failing_record() -> logging.LogRecord:
    try:
        raise TimeoutError("read timed out")
    except TimeoutError:
        return logging.LogRecord(
            "flows", logging.ERROR, __file__, 1, "session failed", None, sys.exc_info()
        )


def test_console_lines_name_prefect_task_runs():
    line = ConsoleFormatter().format(_record("Task run failed", task_run_name="load 2019-x-q"))

    assert "prefect.task_runs [load 2019-x-q]: Task run failed" in line


def test_console_tracebacks_only_at_debug():
    record = _failing_record()

    assert "Traceback" not in ConsoleFormatter(tracebacks=False).format(record)
    assert "Traceback" in ConsoleFormatter(tracebacks=True).format(record)
    assert record.exc_info is not None  # left for the log file's handler


def test_console_lines_without_a_terminal_are_plain_and_unwrapped(capsys):
    console.cache_clear()  # captured stderr is not a terminal
    handler = RichConsoleHandler()
    handler.setFormatter(ConsoleFormatter())
    message = "2023 Miami Grand Prix Race: flagged: " + "x" * 200

    handler.emit(logging.LogRecord("flows", logging.WARNING, __file__, 1, message, None, None))
    console.cache_clear()

    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err
    assert "\x1b" not in err


def test_lines_for_prefect_have_no_password():
    try:
        raise ConnectionError("postgresql://f1:S3cr3t@db:5432/f1 refused")
    except ConnectionError:
        record = logging.LogRecord(
            "flows",
            logging.ERROR,
            __file__,
            1,
            "cannot connect to %s",
            ("postgresql://f1:S3cr3t@db/f1",),
            sys.exc_info(),
        )

    RedactFilter().filter(record)

    assert record.getMessage() == "cannot connect to postgresql://f1:***@db/f1"
    assert "S3cr3t" not in logging.Formatter().format(record)


@pytest.fixture
def prefect_logging():
    """Prefect's logging set up before the test runs, as in a run (its first set-up replaces
    the root's handlers, pytest's capture among them)."""
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()


def test_the_project_logger_gets_only_prefect_s_api_handler(
    prefect_logging, restore_logging, caplog, monkeypatch
):
    # pytest's log capture attaches itself to every non-propagating logger while a test runs,
    # Prefect's `prefect.extra` too: copied to `flows` (which propagates to the root, where the
    # capture is as well) it would see each record twice, and stay after the test.
    from prefect.logging.handlers import APILogHandler

    extra = logging.getLogger("prefect.extra")
    if caplog.handler not in extra.handlers:  # only where Prefect's set-up made it non-propagating
        monkeypatch.setattr(extra, "handlers", [*extra.handlers, caplog.handler])

    send_to_prefect()

    handlers = logging.getLogger("flows").handlers
    assert handlers and all(isinstance(h, APILogHandler) for h in handlers)
    with caplog.at_level(logging.INFO, logger="flows"):
        logging.getLogger("flows.extract.network").info("waiting 14 min")
    assert [r.getMessage() for r in caplog.records] == ["waiting 14 min"]
