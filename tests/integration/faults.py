"""Network faults injected at FastF1's cached HTTP session: chosen URLs fail as chosen."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import requests
from fastf1.exceptions import RateLimitExceededError
from requests.hooks import dispatch_hook

Fault = Callable[[requests.PreparedRequest], requests.Response]


def connection_reset(request: requests.PreparedRequest) -> requests.Response:
    raise requests.ConnectionError("Connection reset by peer (injected)", request=request)


def read_timeout(request: requests.PreparedRequest) -> requests.Response:
    raise requests.ReadTimeout("Read timed out (injected)", request=request)


def rate_limited(request: requests.PreparedRequest) -> requests.Response:
    # what FastF1's own limiter raises from the same method (fastf1.req._SessionWithRateLimiting)
    raise RateLimitExceededError("any API: 500 calls/h")


def http_status(code: int) -> Fault:
    def respond(request: requests.PreparedRequest) -> requests.Response:
        response = requests.Response()
        response.status_code, response.url, response.request = code, request.url, request
        response.reason, response._content = "injected", b""
        return response

    return respond


class FaultyNetwork:
    """Faults for chosen URLs, at FastF1's cached requests session (`send`).

    Not a requests adapter: requests-cache answers every URL of the offline replay (cached,
    or a 504 "not cached") before any adapter is reached, so the faults wrap the session's
    own `send`, the method where FastF1's rate limiter raises too.
    """

    def __init__(self) -> None:
        self.rules: list[tuple[str, Fault, int | None]] = []
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, url_part: str, fault: Fault, times: int | None = None) -> None:
        """Every request whose URL contains ``url_part`` fails (the first ``times`` only)."""
        self.rules.append((url_part, fault, times))

    def clear(self) -> None:
        self.rules.clear()

    def wrap(self, session):
        send = session.send

        def faulty_send(request, **kwargs):
            with self._lock:
                fault = None
                for part, rule_fault, times in self.rules:
                    if part in request.url and (times is None or self.hits[part] < times):
                        self.hits[part] += 1
                        fault = rule_fault
                        break
            if not fault:
                return send(request, **kwargs)
            # an injected answer goes through the session's response hooks, as requests does
            return dispatch_hook("response", session.hooks, fault(request), **kwargs)

        return faulty_send
