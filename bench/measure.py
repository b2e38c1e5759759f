"""Timing, peak memory, and running one measurement in a process of its own."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Stopwatch:
    """Adds up the time spent inside ``timed()`` blocks (data generation stays outside)."""

    seconds: float = 0.0

    @contextmanager
    def timed(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


def seconds(step: Callable[[], object]) -> float:
    """How long ``step()`` takes."""
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def use_dbt_target(target: Path) -> None:
    """dbt's target and log paths for the next invocations in this process (a target per
    database or per way keeps its own partial-parse state; the checkout's stays untouched)."""
    os.environ["DBT_TARGET_PATH"] = str(target)
    os.environ["DBT_LOG_PATH"] = str(target / "logs")


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class WorkerError(RuntimeError):
    """A measurement's process failed."""


def run_worker(task: str, params: dict) -> dict:
    """Run ``bench.worker <task>`` in a new process: its peak memory is the task's alone."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.worker", task, json.dumps(params)],
        capture_output=True,
        text=True,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise WorkerError(f"bench worker {task!r} failed:\n{result.stderr[-4000:]}")
    return json.loads(lines[-1])
