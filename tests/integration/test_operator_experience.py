"""What an operator sees: progress in a terminal, JSON log lines, the report in Prefect."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from flows.backfill import backfill
from flows.config import PROJECT_DIR

pytestmark = [pytest.mark.integration, pytest.mark.replay]

COMMAND = [sys.executable, "-m", "flows.cli", "backfill", "--year", "2019", "--events", "Italian"]


def _env(db_url: str, cache, tmp_path, **extra) -> dict:
    from prefect.settings import PREFECT_API_URL

    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "FASTF1_CACHE_DIR": str(cache),
        "FASTF1_OFFLINE": "1",
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "DATA_DIR": str(tmp_path / "data"),
        **extra,
    }


def test_json_log_format_prints_only_json_lines(db_url, offline_fastf1, prefect_backend, tmp_path):
    env = _env(db_url, offline_fastf1, tmp_path, LOG_FORMAT="json")
    done = subprocess.run(
        COMMAND, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]

    records = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert records, "no log lines"
    assert any(r.get("session") == "2019-italian-grand-prix-q" and r.get("run_id") for r in records)
    assert records[-1]["summary"]["loaded"] == 1
    logged = (tmp_path / "data" / "logs" / "f1.log").read_text().splitlines()
    assert logged and all(json.loads(line)["level"] for line in logged)


def test_terminal_shows_live_progress(db_url, offline_fastf1, prefect_backend, tmp_path):
    env = _env(db_url, offline_fastf1, tmp_path, COLUMNS="120")
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        COMMAND, cwd=PROJECT_DIR, env=env, stdin=secondary, stdout=secondary, stderr=secondary
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=600) == 0
    text = output.decode(errors="replace")
    assert "backfill 2019" in text and "5/5" in text  # the bar, finished
    assert "2019: sessions (rows loaded)" in text  # the report table


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
