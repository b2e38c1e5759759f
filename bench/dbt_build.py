"""Method: ``dbt build`` of the whole project, timed after an untimed ``dbt parse``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.measure import use_dbt_target
from flows.transform.dbt import build_staged, run_dbt

TOP_NODES = 8


def run(params: dict) -> dict:
    """params: url, target_dir (dbt's target and log paths: the checkout's stay untouched)."""
    target = Path(params["target_dir"])
    use_dbt_target(target)
    run_dbt(params["url"], "parse")
    start = time.perf_counter()
    build_staged(params["url"])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "nodes": _slowest(target / "run_results.json")}


def _slowest(run_results: Path) -> list[list]:
    """The nodes that took longest: [name, seconds]."""
    results = json.loads(run_results.read_text())["results"]
    timed = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:TOP_NODES]
    return [[r["unique_id"].split(".")[2], round(r["execution_time"], 2)] for r in timed]
