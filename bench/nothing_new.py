"""Method: the fixed cost of a run with nothing new, the old way and the new way, side by side.

Old: `dbt build` of the whole project (what every run did). New: what `sync` does now when raw
has nothing new since the last full build: the status models only, then `dbt source freshness`.
Both run on the same up-to-date database, alternately, after an untimed `dbt parse`; each
figure is the median of its rounds.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from flows.transform.dbt import build_staged, run_dbt, stale_sources


def run(params: dict) -> dict:
    """params: url, target_dir (dbt's target and log paths), rounds."""
    target = Path(params["target_dir"])
    os.environ["DBT_TARGET_PATH"] = str(target)
    os.environ["DBT_LOG_PATH"] = str(target / "logs")
    url = params["url"]
    run_dbt(url, "parse")
    build_staged(url)  # untimed: records the stamp of what is built (staged.full_builds)
    old, new = [], []
    for _ in range(params["rounds"]):
        old.append(_seconds(lambda: build_staged(url)))
        new.append(_seconds(lambda: (build_staged(url, changed_only=True), stale_sources(url))))
    return {
        "old_seconds": statistics.median(old),
        "new_seconds": statistics.median(new),
        "old_rounds": old,
        "new_rounds": new,
    }


def _seconds(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start
