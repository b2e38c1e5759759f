"""Run dbt in-process (dbt's programmatic runner) against the active database."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flows.config import DBT_PROJECT_DIR
from flows.load.connection import connect
from flows.load.locks import advisory_lock
from flows.transform.profile import dbt_env

log = logging.getLogger(__name__)

# dbt cannot run two invocations in one process at the same time.
_DBT_LOCK = threading.Lock()

# The models whose content moves with time alone (dbt_project.yml): all a build needs to run
# when raw has nothing new, with the tests on them alone ("cautious": not the relationships
# tests of the models that were not rebuilt).
STATUS_MODELS = ("--select", "tag:status", "--indirect-selection", "cautious")

# The stamps of the full builds that succeeded (documented as the source `builds` in
# dbt_project/models/history/_history__models.yml). Earlier versions had dbt create it, with
# these same columns.
FULL_BUILDS_DDL = """
create table if not exists staged.full_builds (
    load_manifest_rows bigint,
    project_checksum text,
    _recorded_at timestamp with time zone
)"""


class DbtError(RuntimeError):
    """dbt finished with errors (failing models or tests)."""


def run_dbt(url: str, *args: str) -> list[str]:
    """Invoke ``dbt <args>`` on the project; returns one line per node, raises on failure."""
    log.info("dbt %s: started", args[0])  # importing dbt alone takes seconds
    clock = time.monotonic()
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(url))
    quiet = logging.getLogger().getEffectiveLevel() > logging.DEBUG
    argv = [
        *args,
        *("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)),
        *(("--log-level", "warn") if quiet else ()),  # the full log stays in dbt_project/logs
        *(() if sys.stdout.isatty() else ("--no-use-colors",)),  # no ANSI codes in worker logs
        "--no-use-colors-file",
    ]
    # One dbt at a time per process (dbt's own limit) and per database (concurrent runs
    # would race on the same staged tables and on dbt_project/target).
    with _DBT_LOCK, connect(url) as conn, advisory_lock(conn, "f1-dbt"):
        result = dbtRunner().invoke(argv)
    results = getattr(result.result, "results", None) or []
    log.info("dbt %s: %s in %.0f s", args[0], _tally(results), time.monotonic() - clock)
    lines = [f"{r.node.name}: {r.status}" for r in results]
    if not result.success:
        failing = [_failure(r) for r in results if r.status in ("error", "fail")]
        reason = "; ".join(failing) or str(result.exception or "see the dbt log above")
        raise DbtError(f"dbt {args[0]} failed: {reason}")
    return lines


def _failure(result) -> str:
    """A failing node and, for an error, what dbt says under its "... Error in model" line."""
    line = f"{result.node.name}: {result.status}"
    message = [m.strip() for m in (result.message or "").splitlines() if m.strip()]
    if result.status != "error" or not message:
        return line
    return f"{line} ({message[1] if len(message) > 1 else message[0]})"


def build_staged(url: str, as_of: datetime | None = None, changed_only: bool = False) -> list[str]:
    """`dbt build`: the staged tables and their tests; statuses are computed as of ``as_of``.

    ``changed_only``: when raw has nothing new since the last full build (and the project is
    the same), build only the status models, which move with time alone.
    """
    stamp = build_stamp(url)
    nothing_new = changed_only and stamp == last_full_build(url)
    if nothing_new:
        log.info("dbt: nothing new in raw since the last full build, building the statuses only")
    # an environment variable, not --vars: a changed var makes dbt parse the whole project again
    with _environment({"F1_AS_OF": as_of.isoformat() if as_of else ""}):
        lines = run_dbt(url, "build", *(STATUS_MODELS if nothing_new else ()))
    if not nothing_new:
        # reached only when every model was built and every test passed (run_dbt raises
        # otherwise), whatever models the project has: no list of them to keep
        record_full_build(url, stamp)
    return lines


@contextmanager
def _environment(variables: dict[str, str]):
    """Set environment variables for one dbt invocation, then restore them."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build_stamp(url: str) -> dict:
    """What a full build starting now covers: raw.load_manifest's rows (append-only: more rows
    are new loads) and the dbt project's checksum (a changed model must be rebuilt)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute("select count(*) from raw.load_manifest")
        rows = cursor.fetchone()[0]
    return {"load_manifest_rows": rows, "project_checksum": project_checksum()}


def last_full_build(url: str) -> dict | None:
    """The stamp of the latest full build that succeeded (staged.full_builds), if any."""
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute("select to_regclass('staged.full_builds') is not null")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(
            "select load_manifest_rows, project_checksum from staged.full_builds "
            "order by _recorded_at desc limit 1"
        )
        row = cursor.fetchone()
    return None if row is None else {"load_manifest_rows": row[0], "project_checksum": row[1]}


def record_full_build(url: str, stamp: dict) -> None:
    """Append the stamp of a full build that succeeded to staged.full_builds (append-only, kept
    by every build and by --full-refresh: dbt does not manage it)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute(FULL_BUILDS_DDL)
        cursor.execute(
            "insert into staged.full_builds (load_manifest_rows, project_checksum, _recorded_at) "
            "values ($1, $2, now())",
            parameters=(stamp["load_manifest_rows"], stamp["project_checksum"]),
        )
        conn.commit()


def project_checksum() -> str:
    """sha256 of the dbt project's own files (models, macros, tests, dbt_project.yml)."""
    digest = hashlib.sha256()
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        files += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def stale_sources(url: str) -> list[str]:
    """`dbt source freshness`: one line per raw source last loaded longer ago than its warn_after
    (sources never loaded are left out)."""
    run_dbt(url, "source", "freshness")
    results = json.loads((_target_dir() / "sources.json").read_text())["results"]
    # dbt reports a table with no rows yet as loaded in year 1: never loaded is not stale
    stale = [r for r in results if r["status"] in ("warn", "error")]
    return [_stale_line(r) for r in stale if not r["max_loaded_at"].startswith("0001-")]


def freshness_warnings(url: str) -> list[str]:
    """``stale_sources``, each logged as a warning; a freshness check that cannot run is a
    warning too (freshness informs: it never fails the run)."""
    try:
        stale = stale_sources(url)
    except Exception as exc:
        log.warning("source freshness could not be checked: %s", exc)
        return []
    for line in stale:
        log.warning("stale source %s", line)
    return stale


def _target_dir() -> Path:
    """Where dbt writes its artifacts (DBT_TARGET_PATH is relative to the project)."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


def _stale_line(result: dict) -> str:
    name = ".".join(result["unique_id"].split(".")[-2:])
    warn_after = result["criteria"]["warn_after"]
    days = result["max_loaded_at_time_ago_in_s"] / 86400
    return (
        f"{name}: last loaded {days:.1f} days ago, at {result['max_loaded_at'][:16]} UTC "
        f"(stale after {warn_after['count']} {warn_after['period']}s)"
    )


def _tally(results) -> str:
    """'25 models, 140 tests (2 warn)': what dbt ran, and whatever did not pass."""
    kinds = Counter(str(r.node.resource_type) for r in results)
    statuses = Counter(str(r.status) for r in results)
    ran = ", ".join(f"{n} {kind}s" for kind, n in kinds.items()) or "done"
    odd = ", ".join(f"{n} {s}" for s, n in statuses.items() if s not in ("success", "pass"))
    return f"{ran} ({odd})" if odd else ran
