"""The CLI (`python -m flows.operator.cli`, what `make` runs) in a process of its own."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from flows.config import PROJECT_DIR

CLI = [sys.executable, "-m", "flows.operator.cli"]


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, **variables: str
) -> subprocess.CompletedProcess:
    """The CLI with ``env`` (the test's own environment unless given) plus ``variables``;
    its output as text. Stdin is empty: nothing may wait for input."""
    return subprocess.run(
        [*CLI, *args],
        cwd=PROJECT_DIR,
        env={**(os.environ if env is None else env), **variables},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_env(db_url: str, **extra: str) -> dict[str, str]:
    """The test's environment on its database and the Prefect harness's API, plus ``extra``."""
    from prefect.settings import PREFECT_API_URL

    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        **extra,
    }


def replay_env(db_url: str, cache_dir: Path, **extra: str) -> dict[str, str]:
    """``run_env`` with FastF1 offline on a replay cache."""
    return run_env(db_url, FASTF1_CACHE_DIR=str(cache_dir), FASTF1_OFFLINE="1", **extra)


def run_in_terminal(
    args: list[str], env: dict[str, str], columns: int = 120, timeout: float = 600
) -> tuple[int, bytes]:
    """The CLI with a pseudo-terminal of ``columns`` columns on stdin, stdout and stderr: its
    exit code and everything it wrote. Killed at ``timeout`` (e.g. waiting at a prompt)."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(
        [*CLI, *args], cwd=PROJECT_DIR, env=env, stdin=secondary, stdout=secondary, stderr=secondary
    )
    os.close(secondary)
    output, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        output += chunk
    if proc.poll() is None:  # still running at the deadline
        proc.kill()
    os.close(primary)
    return proc.wait(timeout=30), output
