"""The run report's calls to F1's hosts, and how the HTTP layer reads a server's Retry-After."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from rich.console import Console

from flows.extract.budgeted_http import retry_after
from flows.extract.network import NetworkCounter, NetworkStats
from flows.load.rate_budget import ALL, JOLPICA, buckets_for
from flows.operator.report import RunSummary
from flows.secrets import hide_secret, redact
from tests.cli import run_cli
from tests.unit.test_bad_input import assert_one_error_line


def _response(retry: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    if retry is not None:
        response.headers["Retry-After"] = retry
    return response


def test_retry_after_in_seconds_or_as_a_date():
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)

    assert retry_after(_response("14")) == 14
    assert 50 < retry_after(_response(in_a_minute)) <= 60
    assert retry_after(_response(None)) is None
    assert retry_after(_response("soon")) is None


def test_jolpica_calls_count_against_both_budgets():
    assert buckets_for("api.jolpi.ca") == (ALL, JOLPICA)
    assert buckets_for("livetiming.formula1.com") == (ALL,)
    assert buckets_for("notjolpi.ca") == (ALL,)


def test_a_run_reports_only_its_own_calls():
    counter = NetworkCounter()
    counter.call("api.jolpi.ca")
    start = counter.snapshot()
    for host in ("livetiming.formula1.com", "livetiming.formula1.com", "api.jolpi.ca"):
        counter.call(host)
    counter.error("api.jolpi.ca", "429")
    counter.retry()
    counter.waited(840)

    stats = counter.since(start)

    assert stats.calls == Counter({"livetiming.formula1.com": 2, "api.jolpi.ca": 1})
    assert stats.as_dict() == {
        "calls": {"livetiming.formula1.com": 2, "api.jolpi.ca": 1},
        "wait_seconds": 840,
        "retries": 1,
        "upstream_errors": {"api.jolpi.ca: 429": 1},
    }
    assert "14 min waiting for the rate budget" in stats.line()


def test_the_summary_carries_the_calls_in_json_and_on_the_console():
    stats = NetworkStats(Counter({"livetiming.formula1.com": 12}), Counter({"x: 503": 1}), 1, 3)
    summary = RunSummary(2019, [], network=stats)
    out = io.StringIO()

    summary.print(console=Console(file=out, width=120))

    assert summary.as_dict()["network"]["calls"] == {"livetiming.formula1.com": 12}
    assert "livetiming.formula1.com" in out.getvalue() and "1 retries" in out.getvalue()


def test_wait_notices_reach_listeners_and_the_log_once(caplog):
    counter, seen = NetworkCounter(), []
    stop = counter.listen(seen.append)
    with caplog.at_level("INFO", logger="flows.extract.network"):
        counter.notify_wait(840, "F1's rate budget")
        counter.notify_wait(839, "F1's rate budget")  # a second thread, the same window
        stop()
        counter.notify_wait(900, "F1's rate budget")

    assert seen == ["waiting 14 min for F1's rate budget"] * 2
    assert [r.getMessage() for r in caplog.records] == [
        "waiting 14 min for F1's rate budget",
        "waiting 15 min for F1's rate budget",
    ]


def test_hidden_secrets_are_masked_wherever_redact_runs():
    hide_secret("hunter2-f1")

    assert redact("sign-in as me with hunter2-f1 failed") == "sign-in as me with *** failed"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"F1_USERNAME": "driver@example.com"}, "set both F1_USERNAME and F1_PASSWORD"),
        ({"F1_PASSWORD": "hunter2-f1"}, "set both F1_USERNAME and F1_PASSWORD"),
        ({"RATE_BUDGET_CALLS": "0"}, "RATE_BUDGET_CALLS: "),
        ({"RATE_BUDGET_WINDOW_SECONDS": "an hour"}, "RATE_BUDGET_WINDOW_SECONDS: "),
    ],
    ids=["username-only", "password-only", "zero-budget", "bad-window"],
)
def test_bad_network_settings_are_one_error_line(env, expected, tmp_path):
    done = run_cli("db-url", DATA_DIR=str(tmp_path / "data"), **env)

    assert_one_error_line(done, expected)
    assert "hunter2-f1" not in done.stderr and "driver@example.com" not in done.stderr
