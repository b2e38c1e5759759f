"""Run dbt in-process (dbt's programmatic runner) against the active database."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from datetime import datetime

from flows.config import DBT_PROJECT_DIR
from flows.database import advisory_lock, connect, dbt_env

log = logging.getLogger(__name__)

# dbt cannot run two invocations in one process at the same time.
_DBT_LOCK = threading.Lock()


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
        failing = [line for line in lines if line.rsplit(": ", 1)[-1] in ("error", "fail")]
        reason = "; ".join(failing) or str(result.exception or "see the dbt log above")
        raise DbtError(f"dbt {args[0]} failed: {reason}")
    return lines


def build_staged(url: str, as_of: datetime | None = None) -> list[str]:
    """`dbt build`: the staged tables and their tests; statuses are computed as of ``as_of``."""
    if as_of is None:
        return run_dbt(url, "build")
    return run_dbt(url, "build", "--vars", json.dumps({"as_of": as_of.isoformat()}))


def _tally(results) -> str:
    """'25 models, 140 tests (2 warn)': what dbt ran, and whatever did not pass."""
    kinds = Counter(str(r.node.resource_type) for r in results)
    statuses = Counter(str(r.status) for r in results)
    ran = ", ".join(f"{n} {kind}s" for kind, n in kinds.items()) or "done"
    odd = ", ".join(f"{n} {s}" for s, n in statuses.items() if s not in ("success", "pass"))
    return f"{ran} ({odd})" if odd else ran
