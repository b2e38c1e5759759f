"""prefect.yaml end to end: a real Prefect server on loopback, `make deploy`, real workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from flows.config import PROJECT_DIR
from tests.integration.database import query, scalar
from tests.integration.waiting import free_port, wait_for, wait_until_answering

pytestmark = pytest.mark.integration

PREFECT = str(Path(sys.executable).with_name("prefect"))


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """`prefect server start` on a free loopback port, with its own home and database, shared
    by this module's tests (it takes up to a minute to start); its Prefect variables."""
    port, home = free_port(), tmp_path_factory.mktemp("prefect-server")
    variables = {
        "PREFECT_HOME": str(home / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        # the scheduler's main loop, every 5 s instead of every minute
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    log = open(home / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **variables},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_answering(
            f"{variables['PREFECT_API_URL']}/health", server, 120, "the Prefect server"
        )
        yield variables
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def prefect_env(prefect_server) -> dict[str, str]:
    """This test's environment (its DATA_DIR, ...) pointed at the module's Prefect server."""
    return {**os.environ, **prefect_server}


@pytest.fixture
def worker_env(prefect_env, db_url, offline_fastf1) -> dict[str, str]:
    """A worker's environment: ``prefect_env`` on the test's database, FastF1 offline on the
    recorded sessions."""
    cache = {"FASTF1_CACHE_DIR": str(offline_fastf1), "FASTF1_OFFLINE": "1"}
    return {**prefect_env, "DATABASE_URL": db_url, **cache}


@contextmanager
def _schedules_paused(env: dict, name: str = "sync/twice-daily"):
    """No scheduled run falls due while workers run the test's own runs (the hourly schedule
    runs Friday to Monday); auto-scheduled runs are deleted, and recreated on resuming."""
    deployment_id = _api(env, "GET", f"/deployments/name/{name}")["id"]
    _api(env, "POST", f"/deployments/{deployment_id}/pause_deployment")
    try:
        yield
    finally:
        _api(env, "POST", f"/deployments/{deployment_id}/resume_deployment")


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
    with _schedules_paused(env):
        return _wait_with_workers(env, flow_run_ids, workers)


def _wait_with_workers(env: dict, flow_run_ids: list[str], workers: int) -> list[str]:
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


def _deploy(env: dict) -> str:
    """`make deploy`, as a user runs it; its output (stdout and stderr)."""
    done = subprocess.run(
        ["make", "--no-print-directory", "deploy"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


def _api(env: dict, method: str, path: str, **body) -> object:
    response = httpx.request(
        method, f"{env['PREFECT_API_URL']}{path}", json=body or None, timeout=10
    )
    response.raise_for_status()
    return response.json() if response.content else None


def _start_run(env: dict, deployment: str, *params: str) -> str:
    out = _prefect(env, "deployment", "run", deployment, *params)
    line = next(line for line in out.splitlines() if "UUID" in line)
    return line.split()[-1]


def test_worker_runs_the_sync_deployment(worker_env, db_url):
    env = worker_env
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


def test_two_workers_share_a_fanned_out_season(worker_env, db_url):
    env = worker_env
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

    # one report per run, none overwritten; the parent's gathers its children's sessions
    runs = {run_id: "parent", **{c["id"]: c["name"] for c in children}}
    artifacts = [
        a
        for a in _api(env, "POST", "/artifacts/filter", artifacts={"key": {"exists_": True}})
        if a["flow_run_id"] in runs
    ]
    keys = {a["key"]: a for a in artifacts}
    assert len(keys) == len(artifacts) == 2 * len(runs)
    assert {a["flow_run_id"] for a in artifacts} == set(runs)
    (table,) = (a for a in artifacts if a["flow_run_id"] == run_id and a["type"] == "table")
    rows = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
    statuses = {r["session_id"]: r["status"] for r in rows}
    assert len(statuses) == 15  # three events of five sessions each
    # the recorded sessions (../shared/fastf1-frozen/README.md); F1 published no other
    assert {s for s, status in statuses.items() if status == "loaded"} == {
        "2023-bahrain-grand-prix-r",
        "2023-azerbaijan-grand-prix-q",
        "2023-azerbaijan-grand-prix-ss",
        "2023-azerbaijan-grand-prix-s",
        "2023-miami-grand-prix-r",
    }
    assert set(statuses.values()) == {"loaded", "unavailable"}
    assert table["description"].startswith(
        "season 2023: 15 sessions - 5 loaded, 0 skipped (already complete), 10 unavailable, "
        "0 failed, 0 not yet held"
    )


def _next_time(after: datetime, matches) -> datetime:
    """The first whole minute after ``after`` that ``matches`` (a cron expression, by hand)."""
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not matches(moment):
        moment += timedelta(minutes=1)
    return moment


def _twice_daily(t: datetime) -> bool:  # "0 6,18 * * *"
    return t.minute == 0 and t.hour in (6, 18)


def _race_weekend_hourly(t: datetime) -> bool:  # "30 * * * 5,6,0,1": Friday to Monday
    return t.minute == 30 and t.strftime("%a") in ("Fri", "Sat", "Sun", "Mon")


def test_the_scheduler_creates_upcoming_sync_runs(prefect_env):
    # Protections: SQLAlchemy < 2.1 (2.1 breaks Prefect 3.8's scheduler: it creates no run,
    # its log repeats "Can't evaluate bulk DML statement"); prefect.yaml's two schedules, the
    # race-weekend one with its skip parameter; `make deploy` prints the next runs.
    env = prefect_env
    before = datetime.now(UTC)
    output = _deploy(env)
    deployment = _api(env, "GET", "/deployments/name/sync/twice-daily")

    def scheduled_runs():
        runs = _api(
            env,
            "POST",
            "/flow_runs/filter",
            deployments={"id": {"any_": [deployment["id"]]}},
            flow_runs={
                "state": {"type": {"any_": ["SCHEDULED"]}},
                "expected_start_time": {"after_": before.isoformat()},
            },
            sort="EXPECTED_START_TIME_ASC",
        )
        kinds = [r["parameters"].get("near_session_hours") for r in runs]
        # the scheduler makes at least 3 runs per schedule
        return runs if kinds.count(None) >= 3 and kinds.count(6) >= 3 else None

    runs = wait_for(scheduled_runs, 120, "the scheduler to create sync/twice-daily runs", every=2)

    assert all(run["auto_scheduled"] for run in runs)  # made by the scheduler, not by hand
    starts = [datetime.fromisoformat(r["expected_start_time"]) for r in runs]
    twice_daily = [t for t, r in zip(starts, runs, strict=True) if r["parameters"] == {}]
    hourly = [t for t, r in zip(starts, runs, strict=True) if r["parameters"] != {}]
    assert {tuple(r["parameters"].items()) for r in runs} == {(), (("near_session_hours", 6),)}
    assert twice_daily[0] == _next_time(before, _twice_daily)
    assert all(_twice_daily(t) for t in twice_daily)
    assert hourly[0] == _next_time(before, _race_weekend_hourly)
    assert all(_race_weekend_hourly(t) for t in hourly)

    # `make deploy` printed the same next three runs
    printed = output.split("sync/twice-daily: next runs\n", 1)[1].splitlines()[:3]
    assert [line.split("  ")[1] for line in printed] == [
        t.strftime("%a %Y-%m-%d %H:%M UTC") for t in starts[:3]
    ]
    assert "backfill/season: on demand (no schedule)" in output


class _Receiver(BaseHTTPRequestHandler):
    """Collects the POSTs the alert webhook sends (in its server's `received`)."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((self.path, body.decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_receiver():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], server.received
    server.shutdown()
    server.server_close()


def test_a_failed_sync_run_posts_to_the_alert_webhook(prefect_env, webhook_receiver):
    # Protections: `make deploy` (flows.operator.deploy) creates the Webhook block and the
    # automation when ALERT_WEBHOOK_URL is set, and never prints the URL; a sync/twice-daily
    # run that ends Failed makes Prefect's own automation services POST to it.
    port, received = webhook_receiver
    token = uuid.uuid4().hex
    url = f"http://127.0.0.1:{port}/hook?token={token}"
    env = {**prefect_env, "ALERT_WEBHOOK_URL": url}

    output = _deploy(env)

    assert token not in output
    assert "alert: automation 'f1-sync-failed'" in output
    deployment = _api(env, "GET", "/deployments/name/sync/twice-daily")
    (automation,) = _api(env, "POST", "/automations/filter")
    assert automation["name"] == "f1-sync-failed" and automation["enabled"]
    trigger = automation["trigger"]
    assert set(trigger["expect"]) == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert trigger["match_related"] == {
        "prefect.resource.id": f"prefect.deployment.{deployment['id']}"
    }
    (action,) = automation["actions"]
    assert action["type"] == "call-webhook"
    block = _api(env, "GET", f"/block_documents/{action['block_document_id']}")
    assert block["name"] == "f1-alert-webhook" and token not in json.dumps(block)

    # deploying again replaces the automation instead of adding one
    subprocess.run(
        [sys.executable, "-m", "flows.operator.deploy"],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    assert len(_api(env, "POST", "/automations/filter")) == 1

    # a sync run that fails: no PostgreSQL behind DATABASE_URL
    run_id = _start_run(env, "sync/twice-daily", "--param", "skip_schedule=true")
    worker_env = {**env, "DATABASE_URL": f"postgresql://f1@127.0.0.1:{free_port()}/f1"}
    assert _run_worker_until(worker_env, [run_id]) == ["FAILED"]

    wait_for(lambda: received, 120, "the alert webhook's POST", every=2)
    (path, body), *_ = received
    assert path == f"/hook?token={token}"
    alert = json.loads(body)
    assert alert["flow_run_id"] == run_id and alert["state"] == "Failed"
    assert alert["text"].startswith("F1 pipeline: sync/twice-daily run ")
    assert "cannot connect to PostgreSQL" in alert["text"]
