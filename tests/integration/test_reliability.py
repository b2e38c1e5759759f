"""Reliability (issue 5): each fault injected for real, and what must hold afterwards.

Real parts only: the embedded PostgreSQL, the Prefect test harness, dbt, and the recorded
FastF1 sessions replayed offline. Faults are injected where the pipeline meets third-party
code: FastF1's HTTP session, FastF1's Session.load, a process killed by the kernel. Each test
names, in a comment, the protection it proves: without it, the test fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import fastf1
import numpy as np
import pytest

from flows import datasets
from flows.backfill import backfill
from flows.config import DBT_PROJECT_DIR, PROJECT_DIR
from flows.extract.schedule import fetch_schedule, schedule_frames, session_refs
from flows.extract.session import FastF1RequestError, extract_session
from flows.load.raw_tables import raw_table_schemas
from flows.load.telemetry_layout import TELEMETRY
from flows.operator.report import RunSummary, SessionOutcome
from flows.outcome import SessionsFailed
from flows.transform.dbt import build_staged
from tests.cli import CLI, replay_env, run_cli
from tests.integration.database import query, scalar
from tests.integration.faults import connection_reset, http_status, rate_limited, read_timeout
from tests.integration.loading import bahrain_2024, create_raw_tables, load
from tests.integration.waiting import wait_for
from tests.synthetic import synthetic_frames

pytestmark = pytest.mark.integration

SESSION_DATASETS = tuple(d.name for d in datasets.SESSION_DATASETS)
# Columns that record when dbt ran, not what was loaded: they differ between any two builds.
BUILD_CLOCK = {"status_as_of", "_recorded_at"}
# staged.session_datasets shows each session's latest load attempt. A rerun tries the sessions
# without results again (by design: F1 may publish them later), so for those the attempt's id
# and times are new; what it found (status, rows, detail) must not change.
ATTEMPT_CLOCK = {"session_datasets": {"load_id", "started_at", "finished_at"}}
# One row per build (the statuses' clock, the record of full builds): bookkeeping, not data.
BUILD_LOGS = {"status_clock", "full_builds"}

MONZA_2019_Q = "2019-italian-grand-prix-q"
# 2023 Azerbaijan: three recorded sessions (laps: Q 356, SS 233, S 308) and their URL folders
# on F1's live-timing server, as in ../shared/fastf1-frozen.
BAKU = {"Q": "2023-azerbaijan-grand-prix-q", "SS": "2023-azerbaijan-grand-prix-ss"}
BAKU["S"] = "2023-azerbaijan-grand-prix-s"
BAKU_LAPS = {"Q": 356, "SS": 233, "S": 308}
BAKU_URL = "/static/2023/2023-04-30_Azerbaijan_Grand_Prix/"
BAKU_FOLDER = {
    "Q": BAKU_URL + "2023-04-28_Qualifying/",
    "SS": BAKU_URL + "2023-04-29_Sprint_Shootout/",
    "S": BAKU_URL + "2023-04-29_Sprint/",
}


# --- helpers ------------------------------------------------------------------------------------


def staged_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every staged table but the build logs: (rows, md5 of all its rows in a fixed order),
    clock columns left out."""
    tables = query(
        url,
        "select table_name from information_schema.tables where table_schema = 'staged' "
        "order by table_name",
    )
    prints = {}
    for (table,) in tables:
        if table in BUILD_LOGS:
            continue
        columns = query(
            url,
            "select column_name from information_schema.columns "
            "where table_schema = 'staged' and table_name = $1 order by ordinal_position",
            table,
        )
        clock = BUILD_CLOCK | ATTEMPT_CLOCK.get(table, set())
        kept = ", ".join(f'"{c}"' for (c,) in columns if c not in clock)
        rows, digest = query(
            url,
            f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
            f'from (select {kept} from staged."{table}") as t',
        )[0]
        prints[table] = (rows, digest)
    return prints


def raw_counts(url: str, session_id: str | None = None) -> dict[str, int]:
    """Rows per raw table (telemetry: samples, stored as arrays per driver per minute)."""
    where = "" if session_id is None else " where session_id = $1"
    params = () if session_id is None else (session_id,)
    rows = {t: "count(*)" for t in SESSION_DATASETS} | {
        t: "coalesce(sum(cardinality(sampled_us)), 0)::bigint" for t in TELEMETRY
    }
    return {t: scalar(url, f"select {rows[t]} from raw.{t}{where}", *params) for t in rows}


def manifest(url: str, session_id: str) -> list[tuple[str, str, int, str | None]]:
    """(dataset, status, row_count, detail) of the session's manifest rows."""
    return query(
        url,
        "select dataset, status, row_count, detail from raw.load_manifest "
        "where session_id = $1 order by finished_at, dataset",
        session_id,
    )


def loaded_load_ids(url: str, session_id: str) -> int:
    return scalar(
        url,
        "select count(distinct load_id) from raw.load_manifest "
        "where session_id = $1 and status = 'loaded'",
        session_id,
    )


def statuses(summary: RunSummary) -> dict[str, str]:
    return {o.ref.session_id: o.status for o in summary.outcomes}


def one_line(text: str) -> str:
    """Console output with rich's line wrapping undone."""
    return " ".join(text.split())


BACKFILL_MONZA = ("backfill", "--year", "2019", "--events", "Italian")


# --- 1. idempotent reruns -------------------------------------------------------------------


@pytest.mark.replay
def test_backfill_twice_gives_identical_staged_tables(db_url, offline_fastf1, prefect_backend):
    # Protection: load_session skips a session whose latest load is complete
    # (flows.load.manifest.is_complete). Without it the second run loads Monza again: raw
    # doubles and staged carries the new _load_id/_loaded_at, so the checksums change.
    first = backfill(year=2019, events=["Italian"])
    assert statuses(first)[MONZA_2019_Q] == "loaded"
    staged_before, raw_before = staged_fingerprints(db_url), raw_counts(db_url)
    assert staged_before["laps"][0] == 275 and staged_before["results"][0] == 20

    second = backfill(year=2019, events=["Italian"])

    assert statuses(second)[MONZA_2019_Q] == "skipped"
    assert second.counts["loaded"] == 0 and not second.failed
    assert "0 loaded, 1 skipped (already complete)" in second.line()
    assert staged_fingerprints(db_url) == staged_before
    assert raw_counts(db_url) == raw_before
    assert loaded_load_ids(db_url, MONZA_2019_Q) == 1


# --- 2. crash safety ----------------------------------------------------------------------------

# Loads one big synthetic session (20 cars, 60 laps: 864,000 telemetry rows) in its own process.
WRITER = """
import json, sys
from datetime import UTC, datetime
from flows.load.connection import connect
from flows.extract.schedule import SessionRef
from flows.extract.session import SessionExtract
from flows.load.session_load import write_session
from tests.synthetic import synthetic_frames

url, fields = sys.argv[1], json.loads(sys.argv[2])
ref = SessionRef(**{**fields, "starts_at": datetime.fromisoformat(fields["starts_at"])})
frames = synthetic_frames(7, ref.starts_at, drivers=20, laps=60)
with connect(url) as conn:
    write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))
print("committed")
"""
# Each telemetry stream sends COPY raw."<table>__<load>" (...) FROM STDIN (ADBC runs every
# select, this one too, as COPY (...) TO STDOUT: hence the own pid and the FROM STDIN).
TELEMETRY_COPY = (
    "select count(*) from pg_stat_activity where datname = current_database() "
    "and pid <> pg_backend_pid() and state = 'active' "
    "and query ~* '^copy .*(car_data|position_data).* from stdin'"
)
# backends with work in progress (the killed writer's, until the server rolls it back); idle
# ones are excluded: flows.load.connection keeps this process's own connections open, idle
OTHER_BACKENDS = (
    "select count(*) from pg_stat_activity where datname = current_database() "
    "and pid <> pg_backend_pid() and state is distinct from 'idle'"
)


def test_sigkill_during_copy_leaves_nothing_and_the_rerun_completes(db_url):
    # Protection: write_session sends all datasets and the manifest rows in one transaction
    # (telemetry partitions are attached inside it). Results and laps are sent while the
    # telemetry streams run; were they committed on their own, the kill would leave them in
    # raw and in staged, with no manifest row saying the load was partial.
    race = bahrain_2024(db_url)["R"]
    fields = {**race.__dict__, "starts_at": race.starts_at.isoformat()}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url, json.dumps(fields)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: writer.poll() is not None or scalar(db_url, TELEMETRY_COPY) > 0,
            timeout=180,
            what="the telemetry COPY",
        )
        assert writer.poll() is None, writer.communicate()
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == -signal.SIGKILL
    assert "committed" not in out, err[-2000:]
    # the server notices the dead client and rolls its transaction back
    wait_for(lambda: scalar(db_url, OTHER_BACKENDS) == 0, timeout=60, what="the backends to end")

    assert raw_counts(db_url, race.session_id) == dict.fromkeys(SESSION_DATASETS, 0)
    assert manifest(db_url, race.session_id) == []
    build_staged(db_url)
    for table in SESSION_DATASETS:
        staged = scalar(
            db_url, f"select count(*) from staged.{table} where session_id = $1", race.session_id
        )
        assert staged == 0, table

    # the next run: its DDL step first (as load_schedule runs it), then the same session
    frames = synthetic_frames(7, race.starts_at, drivers=20, laps=60)
    create_raw_tables(db_url)
    load(db_url, race, frames)

    assert raw_counts(db_url, race.session_id) == {n: frames[n].height for n in SESSION_DATASETS}
    assert {row[1] for row in manifest(db_url, race.session_id)} == {"loaded"}
    # nothing of the killed load is left behind, attached or not
    leftovers = query(
        db_url,
        "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = 'raw' and c.relkind in ('r', 'p') and not c.relispartition",
    )
    assert {name for (name,) in leftovers} <= set(raw_table_schemas())


# --- 3. rate limits and flaky network -----------------------------------------------------------


@pytest.mark.replay
def test_rate_limits_and_network_errors_fail_one_session_and_the_rerun_loads_it(
    db_url, network, prefect_backend, no_retry_wait, restore_logging, capsys
):
    # Protections:
    # - load_session is retried on transient errors (flows.retry.is_transient): SS, rate
    #   limited once, loads on its second attempt instead of failing;
    # - a session still failing after the retries is written as `failed` with the reason
    #   (flows.tasks.load_session -> write_failure) and the others continue;
    # - a network error FastF1 swallows (Q's timing data) becomes FastF1RequestError
    #   (flows.extract.session) instead of "laps unavailable" on a complete session;
    # - the exit code is 1 when a session failed (flows.operator.cli.run_backfill);
    # - the rerun skips complete sessions and loads only the failed ones.
    from flows.operator.cli import main

    network.add(BAKU_FOLDER["Q"] + "TimingData", connection_reset)  # swallowed by FastF1
    network.add(BAKU_FOLDER["SS"], rate_limited, times=1)  # the first request only
    network.add(BAKU_FOLDER["S"], rate_limited)  # raised through FastF1

    code = main(["backfill", "--year", "2023", "--events", "Azerbaijan", "--sessions", "Q,SS,S"])
    err = one_line(capsys.readouterr().err)

    assert code == 1
    assert "1 loaded, 0 skipped (already complete), 0 unavailable, 2 failed" in err
    assert "failed 2023 Azerbaijan Grand Prix Qualifying: FastF1RequestError" in err
    assert "failed 2023 Azerbaijan Grand Prix Sprint: RateLimitExceededError" in err
    # every attempt (1 + 3 retries) met the fault; SS met it once, then loaded
    assert network.hits[BAKU_FOLDER["Q"] + "TimingData"] == 4
    assert network.hits[BAKU_FOLDER["S"]] == 4
    assert network.hits[BAKU_FOLDER["SS"]] == 1
    for session, reason in (("Q", "ConnectionError"), ("S", "RateLimitExceededError")):
        rows = manifest(db_url, BAKU[session])
        assert {(status, count) for _, status, count, _ in rows} == {("failed", 0)}
        assert all(reason in detail for *_, detail in rows), rows
    assert raw_counts(db_url, BAKU["SS"])["laps"] == BAKU_LAPS["SS"]
    assert (
        raw_counts(db_url, BAKU["Q"])
        == raw_counts(db_url, BAKU["S"])
        == dict.fromkeys(SESSION_DATASETS, 0)
    )

    network.clear()
    rerun = backfill(year=2023, events=["Azerbaijan"], sessions=["Q", "SS", "S"], build=False)

    assert statuses(rerun) == {BAKU["Q"]: "loaded", BAKU["SS"]: "skipped", BAKU["S"]: "loaded"}
    assert not rerun.failed
    for session, laps in BAKU_LAPS.items():
        assert raw_counts(db_url, BAKU[session])["laps"] == laps
        assert loaded_load_ids(db_url, BAKU[session]) == 1


@pytest.mark.replay
@pytest.mark.parametrize(
    "fault",
    [
        connection_reset,
        read_timeout,
        http_status(503),
        http_status(429),
    ],
    ids=["connection-reset", "read-timeout", "http-503", "http-429"],
)
def test_a_network_error_fastf1_swallows_is_not_unavailable(fault, network):
    # Protection: extract_session collects the exceptions FastF1 logs while it swallows a
    # failed request and raises FastF1RequestError (a ConnectionError: retried, then
    # `failed`). Without it the timing data would be "unavailable" and, results being
    # classified, the session complete: later runs would never fetch its laps again.
    events, sessions = schedule_frames(fetch_schedule(2023), 2023)
    ref = next(r for r in session_refs(events, sessions) if r.session_id == BAKU["Q"])
    network.add(BAKU_FOLDER["Q"] + "TimingData", fault)

    with pytest.raises(FastF1RequestError) as raised:
        extract_session(ref)

    assert isinstance(raised.value, ConnectionError)
    assert network.hits[BAKU_FOLDER["Q"] + "TimingData"] >= 1


# --- 4. concurrent runs -------------------------------------------------------------------------


@pytest.mark.replay
def test_two_backfills_at_once_load_the_session_once(db_url, fresh_fastf1, prefect_backend):
    # Protections: a session advisory lock per session (flows.load.session_load.session_lock):
    # the second run waits, then finds the session complete; the schedule, DDL and dbt build
    # take turns under advisory locks too. Without the session lock both runs load Monza
    # (two 'loaded' load_ids, raw.laps 550); without the others one run can fail on the
    # other's DDL or dbt build.
    # A cache without parsed data: parsing Monza takes seconds, so both runs are in it at once.
    env = replay_env(db_url, fresh_fastf1)
    runs = [
        subprocess.Popen(
            [*CLI, *BACKFILL_MONZA],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]

    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-3000:]
    summaries = sorted(one_line(err).split("season 2019: ")[-1][:60] for _, err in outputs)
    assert [s.startswith("5 sessions - 0 loaded, 1 skipped") for s in summaries] == [True, False]
    assert summaries[1].startswith("5 sessions - 1 loaded, 0 skipped")
    assert loaded_load_ids(db_url, MONZA_2019_Q) == 1
    assert raw_counts(db_url, MONZA_2019_Q)["laps"] == 275
    assert scalar(db_url, "select count(*) from raw.load_manifest where dataset = 'schedule'") == 1
    for table, key in (
        ("results", "session_id, driver_number"),
        ("laps", "session_id, driver_number, lap_number"),
        ("sessions", "session_id"),
    ):
        duplicates = f"select count(*) - count(distinct ({key})) from staged.{table}"
        assert scalar(db_url, duplicates) == 0, table
    assert scalar(db_url, "select count(*) from staged.laps") == 275


# --- 5. schema drift ----------------------------------------------------------------------------


def drift_laps(monkeypatch, changes: dict[str, Callable]) -> None:
    """A FastF1 release whose laps frame differs, for chosen 2023 Azerbaijan sessions."""
    original = fastf1.core.Session.load

    def load(self, *args, **kwargs):
        original(self, *args, **kwargs)
        change = changes.get(self.name)
        if change and self.event["EventName"] == "Azerbaijan Grand Prix":
            self._laps = change(self._laps)

    monkeypatch.setattr(fastf1.core.Session, "load", load)


def with_tyre_temperature(laps):
    laps = laps.copy()
    laps["TyreTemperature"] = np.linspace(80.0, 110.0, len(laps))
    return laps


def without_compound(laps):
    return laps.drop(columns=["Compound"])


def with_text_lap_numbers(laps):
    laps = laps.copy()
    laps["LapNumber"] = "L" + laps["LapNumber"].astype(str)
    return laps


@pytest.mark.replay
def test_schema_drift_new_missing_and_retyped_columns(
    db_url, offline_fastf1, prefect_backend, monkeypatch
):
    # Protections: flows.extract.frames.to_polars keeps unknown columns (snake_case, inferred
    # type) and turns missing ones into nulls; flows.load.session_load.add_new_columns adds
    # new columns to raw in the load's transaction; a column that no longer converts raises
    # ColumnTypeError naming dataset.column, which fails that session only; staged selects
    # its own columns, so dbt builds either way.
    drift_laps(
        monkeypatch,
        {
            "Qualifying": with_text_lap_numbers,
            "Sprint Shootout": with_tyre_temperature,
            "Sprint": without_compound,
        },
    )

    with pytest.raises(SessionsFailed) as failed:  # the flow run ends Failed, after its report
        backfill(year=2023, events=["Azerbaijan"], sessions=["Q", "SS", "S"])
    summary = failed.value.summary

    assert statuses(summary) == {BAKU["Q"]: "failed", BAKU["SS"]: "loaded", BAKU["S"]: "loaded"}
    assert summary.staged_built  # dbt build passed (it raises otherwise)
    detail = summary.failed[0].detail
    assert detail.startswith("ColumnTypeError: laps.LapNumber:"), detail
    assert {row[3] for row in manifest(db_url, BAKU["Q"])} == {detail}

    new_column = query(
        db_url,
        "select session_id, count(tyre_temperature), min(tyre_temperature), "
        "max(tyre_temperature) from raw.laps group by session_id order by session_id",
    )
    assert new_column == [(BAKU["S"], 0, None, None), (BAKU["SS"], 233, 80.0, 110.0)]
    compounds = dict(
        query(db_url, "select session_id, count(compound) from raw.laps group by session_id")
    )
    assert compounds == {BAKU["S"]: 0, BAKU["SS"]: 233}
    staged = dict(query(db_url, "select session_id, count(*) from staged.laps group by 1"))
    assert staged == {BAKU["S"]: 308, BAKU["SS"]: 233}


# --- 6. secrets ---------------------------------------------------------------------------------


def prefect_records(since: datetime) -> tuple[list[str], list[str], list[str]]:
    """Flow and task runs, logs and artifacts the harness received since ``since``, as JSON."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterStartTime,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        flow_runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since))
        )
        ids = [run.id for run in flow_runs]
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": ids}))
        logs, offset = [], 0
        while True:
            page = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)),
                limit=200,
                offset=offset,
            )
            logs += page
            offset += len(page)
            if len(page) < 200:
                break
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
        )
    runs = [r.model_dump_json() for r in [*flow_runs, *task_runs]]
    return runs, [log.model_dump_json() for log in logs], [a.model_dump_json() for a in artifacts]


@pytest.mark.replay
def test_the_password_appears_in_no_output_log_or_artifact(db_url, offline_fastf1, prefect_backend):
    # A whole run at LOG_LEVEL=DEBUG with a password in DATABASE_URL, every sink searched.
    # Guarded here: no flow or task takes the URL as a parameter (Prefect would store it),
    # the password reaches dbt only as DBT_ENV_SECRET_F1_PG_PASSWORD (dbt scrubs secrets),
    # log formatters redact URLs (flows.operator.logs). Note: this run prints no URL even
    # without the last two (dbt logs no password either way), so it guards against regressions; the
    # redaction is proven by test_a_connection_error_shows_no_password.
    password = f"S3cr3t-{uuid.uuid4().hex[:8]}"
    url = db_url.replace("postgres:@", f"postgres:{password}@", 1)
    assert password in url
    dbt_log = DBT_PROJECT_DIR / "logs" / "dbt.log"
    dbt_log_start = dbt_log.stat().st_size if dbt_log.exists() else 0
    since = datetime.now(UTC)

    env = replay_env(url, offline_fastf1, LOG_LEVEL="DEBUG")
    done = run_cli(*BACKFILL_MONZA, env=env, timeout=600)

    assert done.returncode == 0, done.stderr[-3000:]
    assert scalar(db_url, "select count(*) from staged.laps") == 275  # it did use the URL
    runs, logs, artifacts = prefect_records(since)
    assert runs and logs and artifacts  # the checks below look at something
    with dbt_log.open("rb") as file:
        file.seek(dbt_log_start)
        dbt_output = file.read().decode("utf-8", "replace")
    assert "dbt" in dbt_output.lower()
    sinks = {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "log file": (Path(os.environ["DATA_DIR"]) / "logs" / "f1.log").read_text(),
        "prefect runs": "\n".join(runs),
        "prefect logs": "\n".join(logs),
        "prefect artifacts": "\n".join(artifacts),
        "dbt.log": dbt_output,
    }
    for target in ("run_results.json", "manifest.json"):
        path = DBT_PROJECT_DIR / "target" / target
        if path.exists():
            sinks[f"dbt target/{target}"] = path.read_text()
    leaked = [name for name, text in sinks.items() if password in text]
    assert leaked == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:{password}@127.0.0.1:1/db", '"127.0.0.1", port 1 failed'),
        # libpq echoes the whole URI in this error: the CLI must redact it
        ("postgresql://u:{password}@[::1]x/db", '"postgresql://u:***@[::1]x/db"'),
    ],
    ids=["port-closed", "uri-echoed-by-libpq"],
)
@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_connection_error_shows_no_password(url, shown, log_format):
    # Protection: flows.load.connection.connect and flows.operator.cli.main redact the driver's
    # message (flows.secrets.redact); at LOG_LEVEL=DEBUG the traceback goes through the redacting
    # log formatters. Without them the second URL's password is printed.
    password = f"S3cr3t-{uuid.uuid4().hex[:8]}"
    url = url.format(password=password)
    done = run_cli(*BACKFILL_MONZA, DATABASE_URL=url, LOG_LEVEL="DEBUG", LOG_FORMAT=log_format)

    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot connect to PostgreSQL:"), done.stderr
    assert shown in last
    assert password not in done.stdout + done.stderr
    log_file = Path(os.environ["DATA_DIR"]) / "logs" / "f1.log"
    assert password not in (log_file.read_text() if log_file.exists() else "")


# --- 7. data checks -----------------------------------------------------------------------------


def test_results_without_laps_are_flagged_in_manifest_and_summary(db_url):
    # Protection: flows.extract.checks.sanity_flags, written to the manifest's detail by
    # write_session and read back by SessionOutcome.flags / RunSummary.flagged.
    race = bahrain_2024(db_url)["R"]
    frames = {**synthetic_frames(7, race.starts_at, drivers=3, laps=4), "laps": None}
    entries = load(db_url, race, frames)

    details = {row[0]: row[3] for row in manifest(db_url, race.session_id)}
    assert details["laps"].startswith("check: results but no laps")
    outcome = SessionOutcome.from_entries(race, entries, 0.0)
    assert outcome.status == "loaded"
    assert outcome.flags == [
        "laps: check: results but no laps, although the session has timing streams"
    ]
    assert RunSummary(2024, [outcome]).flagged == [outcome]


@pytest.mark.replay
def test_a_recorded_race_without_laps_is_flagged_by_the_backfill(
    db_url, offline_fastf1, prefect_backend
):
    # Same protection on real data: the 2020 Belgian GP recording has results and timing
    # streams but no lap timing, exactly what F1 sometimes publishes.
    summary = backfill(year=2020, events=["Belgian"], sessions=["R"], build=False)

    (outcome,) = summary.outcomes
    assert outcome.status == "loaded"
    assert summary.flagged == [outcome]
    assert any(flag.startswith("laps: check: results but no laps") for flag in outcome.flags)
    detail = scalar(
        db_url,
        "select detail from raw.load_manifest where session_id = $1 and dataset = 'laps'",
        "2020-belgian-grand-prix-r",
    )
    assert detail.startswith("check: results but no laps")
