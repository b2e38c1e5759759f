"""prefect.yaml end to end: a real Prefect server on loopback, `prefect deploy`, real workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flows.config import PROJECT_DIR
from tests.integration.conftest import query, scalar

pytestmark = pytest.mark.integration

PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path):
    """`prefect server start` on a free loopback port, with its own home and database."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(env["PREFECT_API_URL"], server)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_healthy(api_url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the Prefect server exited during start-up")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError("the Prefect server did not become healthy")


def _prefect(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PREFECT, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _flow_run_state(env: dict, flow_run_id: str) -> str:
    response = httpx.get(f"{env['PREFECT_API_URL']}/flow_runs/{flow_run_id}", timeout=10)
    return response.json()["state"]["type"]


def _run_worker_until(env: dict, flow_run_ids: list[str], workers: int = 1) -> list[str]:
    """Start workers on the pool and wait until every flow run reached a final state."""
    procs = [
        subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "f1", "--name", f"worker-{i}"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            states = [_flow_run_state(env, run_id) for run_id in flow_run_ids]
            if all(s in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for s in states):
                return states
            time.sleep(2)
        raise TimeoutError(f"flow runs still not finished: {states}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)


def _deploy(env: dict) -> None:
    _prefect(env, "work-pool", "create", "f1", "--type", "process", "--overwrite")
    _prefect(env, "--no-prompt", "deploy", "--all")


def _start_run(env: dict, deployment: str, *params: str) -> str:
    out = _prefect(env, "deployment", "run", deployment, *params)
    line = next(line for line in out.splitlines() if "UUID" in line)
    return line.split()[-1]


def test_worker_runs_the_sync_deployment(prefect_server, db_url, offline_fastf1):
    env = {
        **prefect_server,
        "DATABASE_URL": db_url,
        "FASTF1_CACHE_DIR": str(offline_fastf1),
        "FASTF1_OFFLINE": "1",
    }
    _deploy(env)
    deployments = _prefect(env, "deployment", "ls")
    assert "sync/twice-daily" in deployments and "backfill/season" in deployments

    run_id = _start_run(
        env,
        "sync/twice-daily",
        "--param",
        "year=2019",
        "--param",
        "as_of=2019-09-08T12:00:00+00:00",
    )
    assert _run_worker_until(env, [run_id]) == ["COMPLETED"]

    statuses = dict(
        query(
            db_url,
            "select session_id, status from staged.sessions "
            "where event_id = '2019-italian-grand-prix'",
        )
    )
    assert statuses["2019-italian-grand-prix-q"] == "completed"
    assert statuses["2019-italian-grand-prix-r"] == "scheduled"


def test_two_workers_share_a_fanned_out_season(prefect_server, db_url, offline_fastf1):
    env = {
        **prefect_server,
        "DATABASE_URL": db_url,
        "FASTF1_CACHE_DIR": str(offline_fastf1),
        "FASTF1_OFFLINE": "1",
    }
    _deploy(env)
    run_id = _start_run(
        env,
        "backfill/season",
        "--param",
        "year=2023",
        "--param",
        "fan_out=true",
        "--param",
        'events=["Bahrain", "Azerbaijan", "Miami"]',
    )
    assert _run_worker_until(env, [run_id], workers=2) == ["COMPLETED"]

    children = httpx.post(
        f"{env['PREFECT_API_URL']}/flow_runs/filter",
        json={"flow_runs": {"parent_task_run_id": {"is_null_": False}}},
        timeout=10,
    ).json()
    assert len(children) == 3 and {c["state"]["type"] for c in children} == {"COMPLETED"}
    assert scalar(db_url, "select count(distinct session_id) from staged.results") == 5
