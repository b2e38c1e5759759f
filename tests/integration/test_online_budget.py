"""The rate budget, online through the stand-in: shared by processes, rate limits waited out.

Windows are scaled down to seconds (``RATE_BUDGET_WINDOW_SECONDS``); the stand-in's request
log is the judge of how many calls reached F1's hosts in any window.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.backfill import backfill
from flows.config import PROJECT_DIR, get_settings
from flows.extract.cache import configure_fastf1
from tests.integration.database import scalar
from tests.integration.test_replay_backfill import DATASETS, RECORDED
from tests.standin.plugin import JOLPICA

pytestmark = [pytest.mark.integration, pytest.mark.online]

BUDGET = {"calls": 10, "jolpica": 4, "window": 5}


def _budget_env(budget: dict) -> dict[str, str]:
    return {
        "RATE_BUDGET_CALLS": str(budget["calls"]),
        "RATE_BUDGET_JOLPICA_CALLS": str(budget["jolpica"]),
        "RATE_BUDGET_WINDOW_SECONDS": str(budget["window"]),
    }


# One process loading one session cold, as a worker's task does (no Prefect, no dbt: fast).
EXTRACT = """
import json, sys
from flows.config import get_settings
from flows.extract.cache import configure_fastf1
from flows.extract.session import extract_session
from flows.operator.logs import configure_logging
from flows.extract.network import NETWORK
from tests.unit.test_session_extract import recorded_ref

configure_logging(get_settings())
configure_fastf1(get_settings())
extract = extract_session(recorded_ref(int(sys.argv[1]), sys.argv[2], "Q"))
print(json.dumps({"results": extract.frames["results"].height, **NETWORK.snapshot().as_dict()}))
"""


def _extract_process(year: int, event: str, db_url: str, folder) -> subprocess.Popen:
    env = {
        **os.environ,  # the stand-in's proxy variables (the `standin` fixture set them)
        **_budget_env(BUDGET),
        "DATABASE_URL": db_url,
        "FASTF1_CACHE_DIR": str(folder / "fastf1-cache"),  # cold
        "DATA_DIR": str(folder / "data"),
        "LOG_FORMAT": "json",
    }
    return subprocess.Popen(
        [sys.executable, "-c", EXTRACT, str(year), event],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_at_once_stay_within_one_budget(standin, db_url, tmp_path):
    runs = [
        _extract_process(2019, "Italian Grand Prix", db_url, tmp_path / "a"),
        _extract_process(2023, "Azerbaijan Grand Prix", db_url, tmp_path / "b"),
    ]
    outputs = [run.communicate(timeout=600) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]
    reports = [json.loads(out.splitlines()[-1]) for out, _ in outputs]
    assert [r["results"] for r in reports] == [20, 20]
    calls = standin.requests()
    # more than two windows' worth of calls: without pacing they would not fit
    assert len(calls) > 2 * BUDGET["calls"]
    assert standin.max_in_window(BUDGET["window"]) <= BUDGET["calls"], [
        round(c["time"] - calls[0]["time"], 2) for c in calls
    ]
    assert standin.max_in_window(BUDGET["window"], JOLPICA) <= BUDGET["jolpica"]
    # each process counts the calls it made; together, what reached the hosts
    assert sum(sum(r["calls"].values()) for r in reports) == len(calls)
    assert sum(r["wait_seconds"] for r in reports) > 0
    logs = [json.loads(line) for _, err in outputs for line in err.splitlines() if line.strip()]
    waits = [r["message"] for r in logs if "for F1's rate budget" in r.get("message", "")]
    assert waits and all(w.startswith("waiting ") for w in waits)


def test_a_backfill_completes_through_rate_limits_and_server_errors(
    standin, db_url, prefect_backend, tmp_path, monkeypatch
):
    # the hosts allow less than the budget: 429s must be waited out (Retry-After), 503s retried
    budget = {"calls": 30, "jolpica": 10, "window": 5}
    for name, value in _budget_env(budget).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FASTF1_CACHE_DIR", str(tmp_path / "fastf1-cache"))
    get_settings.cache_clear()
    configure_fastf1(get_settings())
    standin.set_rules(
        rate_limit={"calls": 12, "window": 5, "retry_after": 2}, error_every=40, error_status=503
    )

    state = backfill(year=2023, events=["Azerbaijan"], sessions=["Q", "SS", "S"], return_state=True)
    summary = state.result()

    injected = {r["injected"] for r in standin.requests()}
    assert {"rate_limit", "error"} <= injected, "the test injected nothing"
    assert not summary.failed
    assert summary.counts["loaded"] == 3
    assert summary.network.retries > 0
    assert {k.split(": ")[1] for k in summary.network.errors} == {"429", "503"}
    # the report: what reached the hosts, per host, in the summary and the Prefect artifact
    assert sum(summary.network.calls.values()) == len(standin.requests())
    assert summary.as_dict()["network"]["calls"] == dict(standin.calls_per_host())
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    # keys are per run: backfill-2023-<run name>-<run id>-network
    network = [a for a in artifacts if a.key and a.key.endswith("-network")]
    assert len(network) == 1 and network[0].key.startswith("backfill-2023-")
    assert "| livetiming.formula1.com |" in network[0].data
    assert all(
        f"| {error} | {n} |" in network[0].data for error, n in summary.network.errors.items()
    )
    for session_id in (
        "2023-azerbaijan-grand-prix-q",
        "2023-azerbaijan-grand-prix-ss",
        "2023-azerbaijan-grand-prix-s",
    ):
        for dataset, expected in zip(DATASETS, RECORDED[2023][session_id], strict=True):
            count = scalar(
                db_url, f"select count(*) from staged.{dataset} where session_id = $1", session_id
            )
            assert count == (expected or 0), (session_id, dataset)
