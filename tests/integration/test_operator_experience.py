"""What an operator sees: progress in a terminal, JSON log lines, the report in Prefect."""

from __future__ import annotations

import json
import logging
import re

import pytest

from flows.backfill import backfill
from tests.cli import replay_env, run_cli, run_in_terminal

pytestmark = [pytest.mark.integration, pytest.mark.replay]

MONZA = ["backfill", "--year", "2019", "--events", "Italian"]


def test_json_lines_on_the_console_and_the_project_lines_in_prefect(
    db_url, offline_fastf1, prefect_backend, tmp_path
):
    done = run_cli(*MONZA, env=replay_env(db_url, offline_fastf1, LOG_FORMAT="json"), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]

    records = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert records, "no log lines"
    project = [r for r in records if r.get("logger", "").startswith("flows")]
    assert project and all(r.get("run_id") for r in project)  # all inside the flow run
    assert records[-1]["summary"]["loaded"] == 1
    # The log file also has the routine lines, each with its run and session.
    logged = [json.loads(line) for line in (tmp_path / "data" / "logs" / "f1.log").open()]
    assert any(r.get("session") == "2019-italian-grand-prix-q" and r.get("run_id") for r in logged)

    # The flow run's logs in Prefect have the project's lines. The 2019 schedule (recorded):
    # 21 events, 105 sessions. Each line once, in Prefect and on the console: Prefect's hook
    # adds a handler, it does not print a second time.
    logs = _flow_run_logs(next(r["run_id"] for r in records if r.get("run_id")))
    schedule = "schedule 2019: 21 events, 105 sessions"
    assert [log.name for log in logs if log.message.startswith(schedule)] == ["flows"]
    assert len([r for r in records if r.get("message", "").startswith(schedule)]) == 1
    assert any(log.message.startswith("dbt build: started") for log in logs)
    # 20+275+95+40+12+17 (the recordings' README) + 1 session_info row (no circuit info in 2019)
    qualifying = "2019 Italian Grand Prix Qualifying: loaded (460 rows)"
    assert any(log.message == qualifying and log.level == logging.DEBUG for log in logs)
    # ... and routine lines stay off the console
    assert not any(r.get("message") == qualifying for r in records)


def _flow_run_logs(run_id: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200
        )


def test_report_is_published_as_prefect_artifacts(db_url, offline_fastf1, prefect_backend):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    state = backfill(year=2019, events=["Italian"], return_state=True)
    assert state.result().counts["loaded"] == 1

    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
        progress = [a for a in client.read_artifacts() if a.type == "progress"]
    # keys are per run: backfill-2019-<run name>-<run id>-sessions
    by_key = {a.key.rsplit("-", 1)[-1]: a for a in artifacts if a.key}
    assert all(a.key.startswith("backfill-2019-") for a in by_key.values())
    table = by_key["sessions"]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    qualifying = next(r for r in rows if r["session_id"] == "2019-italian-grand-prix-q")
    assert qualifying["status"] == "loaded" and qualifying["laps"] == "loaded"
    assert "| Italian Grand Prix | Q |" in by_key["availability"].data
    assert any(float(a.data) == 100.0 for a in progress)


# --- the console, as a person sees it -----------------------------------------------------------

SEASON = ["backfill", "--year", "2019"]
LOG_LINE = re.compile(r"\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
REPORT_TITLE = "2019: sessions (rows loaded)"


def screen(output: bytes) -> list[str]:
    """The lines a terminal shows after ``output``: carriage returns, cursor-up and
    erase-line applied (what rich's live bar uses), colours dropped."""
    lines, row, col = [""], 0, 0
    text = re.sub(r"\x1b\][^\x07\x1b]*(\x07|\x1b\\)", "", output.decode(errors="replace"))
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+", text):
        if token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
            lines.extend([""] * (row + 1 - len(lines)))
        elif token.startswith("\x1b["):
            command, number = token[-1], token[2:-1]
            if command == "A":
                row = max(0, row - int(number or 1))
            elif command == "K":  # rich erases whole lines (2K)
                lines[row] = "" if number == "2" else lines[row][:col]
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return [line.rstrip() for line in lines]


def test_a_season_in_a_terminal_is_a_few_lines_above_the_report(
    db_url, offline_fastf1, prefect_backend
):
    env = replay_env(db_url, offline_fastf1, TERM="xterm-256color")
    code, output = run_in_terminal(SEASON, env)
    assert code == 0, output.decode(errors="replace")[-3000:]
    shown = screen(output)

    before_report = shown[: shown.index(REPORT_TITLE)]
    assert len([line for line in before_report if line]) <= 30, "\n".join(before_report)
    # The bar finished (105 sessions in the recorded 2019 schedule), on a line of its own.
    bars = [line for line in shown if "━" in line and "sessions ·" in line]
    assert len(bars) == 1 and "105/105" in bars[0], bars
    # Every log line starts its own line: nothing of the bar before it, nothing after.
    log_lines = [line for line in shown if LOG_LINE.search(line)]
    assert log_lines, "\n".join(shown)
    for line in log_lines:
        assert LOG_LINE.match(line) and "━" not in line, line
    # Phases, not per-session lines: the schedule, the sessions, dbt start and end.
    assert any("schedule 2019: 21 events, 105 sessions" in line for line in log_lines)
    assert any("backfill 2019: 1 loaded, 104 unavailable" in line for line in log_lines)
    assert any("dbt build: started" in line for line in log_lines)
    assert any(re.search(r"dbt build: \d+ models, \d+ tests", line) for line in log_lines)
    assert not any("unavailable (0 rows)" in line for line in shown)
    assert not any(
        "Finished in state Completed()" in line and "task_runs" in line for line in shown
    )


def test_without_a_terminal_no_colour_codes_and_no_wrapping(
    db_url, offline_fastf1, prefect_backend
):
    # A sprint weekend and a conventional one (seven session columns); at DEBUG, dbt prints
    # its whole log to stdout.
    command = ["backfill", "--year", "2023", "--events", "Azerbaijan,Miami"]
    env = replay_env(db_url, offline_fastf1, LOG_LEVEL="DEBUG")
    done = run_cli(*command, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]

    assert "Finished running" in done.stdout  # dbt's own output is there
    output = done.stdout + done.stderr
    assert "\x1b" not in output  # neither ours nor dbt's
    lines = output.splitlines()
    assert any(line.startswith("│ Azerbaijan Grand Prix ") for line in lines), output
    assert any(line.startswith("│ Miami Grand Prix ") for line in lines), output
    summary = next(line for line in lines if line.startswith("season 2023:"))
    assert summary.endswith("staged built"), summary
    # The recorded Miami race has results but no laps: flagged, in one line of 120 characters.
    flagged = "2023 Miami Grand Prix Race: flagged: laps: check: results but no laps, although"
    assert any(flagged in line for line in lines), output
