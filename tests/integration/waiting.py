"""Waiting in tests: for a condition, for a server the test started to answer; a free port."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import pytest

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """The first truthy answer of ``condition``; the test fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)
    return value


def wait_until_answering(url: str, server: subprocess.Popen, timeout: float, what: str) -> None:
    """Until ``url`` answers 200; ``server`` (the process behind it) must not exit meanwhile."""

    def answers() -> bool:
        if server.poll() is not None:
            raise RuntimeError(f"{what} exited")
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answers, timeout, f"{what} at {url}", every=1)
