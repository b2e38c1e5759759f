"""The HTTP answers FastF1 receives in this thread: refusals (429/5xx) and what it cached."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flows.extract.cache import is_offline, is_session_response
from flows.extract.fastf1_http import fastf1_sessions
from flows.retry import TRANSIENT_STATUS

_watch = threading.local()


@dataclass
class ResponseWatch:
    """What FastF1's HTTP answers in this thread were: refusals, and what got cached."""

    offline: bool
    refused: list[str] = field(default_factory=list)  # HTTP 429/5xx, as "HTTP 503 from url"
    cached: dict[str, str] = field(default_factory=dict)  # url -> cache key of each 200 answer

    def session_keys(self, api_path: str, season: int, round_number: int) -> list[str]:
        """Cache keys of the answers about this session only (see is_session_response)."""
        return [
            key
            for url, key in self.cached.items()
            if is_session_response(url, api_path, season, round_number)
        ]


@contextmanager
def watched_responses() -> Iterator[ResponseWatch]:
    """HTTP answers FastF1 receives in this thread: 429/5xx (which it turns into a silent None)
    and the cache keys of its 200 answers.

    Offline, requests-cache answers a cache miss with 504: that is "not cached", not a fault.
    """
    for http in fastf1_sessions():
        if _record_response not in http.hooks["response"]:
            http.hooks["response"].append(_record_response)
    _watch.current = ResponseWatch(offline=is_offline())
    try:
        yield _watch.current
    finally:
        _watch.current = None


def _record_response(response, *args, **kwargs):
    watch = getattr(_watch, "current", None)  # None outside watched_responses() in this thread
    if watch is None:
        return response
    if response.status_code == 200 and getattr(response, "cache_key", None):
        watch.cached[response.url] = response.cache_key
    elif response.status_code in TRANSIENT_STATUS and not (
        watch.offline and response.status_code == 504
    ):
        watch.refused.append(f"HTTP {response.status_code} from {response.url}")
    return response
