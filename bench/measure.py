"""Timing, peak memory, and running one measurement in a process of its own."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


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
