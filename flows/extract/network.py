"""What a run asked of F1's hosts: calls per host, time waiting for the budget, retries, errors.

The HTTP layer (flows/extract/budgeted_http.py) counts into one process-wide ``NETWORK``; a
run takes a ``snapshot()`` at its start and reports ``NETWORK.since(start)`` at its end. Wait
notices go to the log (once per wait) and to whoever listens (the progress bar).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.table import Table

log = logging.getLogger("flows.extract.network")


@dataclass
class NetworkStats:
    """Counters of real network calls (cache hits never count)."""

    calls: Counter = field(default_factory=Counter)  # host -> calls made
    errors: Counter = field(default_factory=Counter)  # "host: 503" -> upstream errors
    retries: int = 0
    wait_seconds: float = 0.0

    def __sub__(self, earlier: NetworkStats) -> NetworkStats:
        return NetworkStats(
            self.calls - earlier.calls,
            self.errors - earlier.errors,
            self.retries - earlier.retries,
            max(self.wait_seconds - earlier.wait_seconds, 0.0),
        )

    def line(self) -> str:
        hosts = ", ".join(f"{host} {n}" for host, n in self.calls.most_common()) or "none"
        return (
            f"network: {sum(self.calls.values())} calls ({hosts}); "
            f"{_duration(self.wait_seconds)} waiting for the rate budget; "
            f"{self.retries} retries; {sum(self.errors.values())} upstream errors"
        )

    def as_dict(self) -> dict:
        return {
            "calls": dict(self.calls),
            "wait_seconds": round(self.wait_seconds, 1),
            "retries": self.retries,
            "upstream_errors": dict(self.errors),
        }

    def table(self) -> Table:
        table = Table(title="calls to F1's hosts", title_justify="left")
        table.add_column("host")
        table.add_column("calls", justify="right")
        table.add_column("upstream errors", justify="right")
        for host in sorted(self.calls):
            errors = sum(n for key, n in self.errors.items() if key.startswith(f"{host}: "))
            table.add_row(host, str(self.calls[host]), str(errors))
        table.caption = (
            f"{self.retries} retries · {_duration(self.wait_seconds)} waiting for the rate budget"
        )
        return table

    def markdown(self, title: str) -> str:
        lines = [f"# {title}: calls to F1's hosts", "", self.line(), ""]
        lines += ["| host | calls |", "|---|---|"]
        lines += [f"| {host} | {n} |" for host, n in sorted(self.calls.items())]
        if self.errors:
            lines += ["", "| upstream error | count |", "|---|---|"]
            lines += [f"| {key} | {n} |" for key, n in sorted(self.errors.items())]
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


class NetworkCounter:
    """The process's counters (thread-safe) and the listeners of wait notices."""

    def __init__(self) -> None:
        self._stats = NetworkStats()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []
        self._announced_until = 0.0

    def call(self, host: str) -> None:
        with self._lock:
            self._stats.calls[host] += 1

    def error(self, host: str, what: str) -> None:
        with self._lock:
            self._stats.errors[f"{host}: {what}"] += 1

    def retry(self) -> None:
        with self._lock:
            self._stats.retries += 1

    def waited(self, seconds: float) -> None:
        with self._lock:
            self._stats.wait_seconds += seconds

    def snapshot(self) -> NetworkStats:
        with self._lock:
            s = self._stats
            return NetworkStats(Counter(s.calls), Counter(s.errors), s.retries, s.wait_seconds)

    def since(self, start: NetworkStats) -> NetworkStats:
        return self.snapshot() - start

    def notify_wait(self, seconds: float, reason: str) -> None:
        """One log line per wait (threads waiting for the same window share it)."""
        until = time.monotonic() + seconds
        text = f"waiting {_duration(seconds)} for {reason}"
        with self._lock:
            announce = until > self._announced_until + 1
            self._announced_until = max(self._announced_until, until)
            listeners = list(self._listeners)
        if announce:
            log.info(text)
        for listener in listeners:
            listener(text)

    def listen(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(text)`` on every wait notice; returns the function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop


NETWORK = NetworkCounter()
