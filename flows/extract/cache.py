"""FastF1's caches and live-timing probe: the one place that touches FastF1's private parts.

FastF1 has no public API to look for one live-timing stream, to reach its HTTP sessions or to
forget one session's cached data; what the pipeline needs of those is wrapped here.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import fastf1

from flows.config import Settings
from flows.extract.budgeted_http import install_budget
from flows.extract.fastf1_http import (
    cache_dir,
    cached_session,
    fetch_stream_page,
    live_timing_hosts,
)

_configured: tuple | None = None
_lock = threading.Lock()


def configure_fastf1(settings: Settings) -> None:
    """Point FastF1 at the cache dir; `FASTF1_OFFLINE=1` answers only from that cache.

    Its real network calls go through the shared rate budget (flows/extract/budgeted_http.py).
    """
    global _configured
    wanted = (settings.cache_dir, settings.fastf1_offline, _budget_settings(settings))
    with _lock:
        if _configured == wanted:
            return
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        fastf1.Cache.configure(cache_dir=str(settings.cache_dir))
        fastf1.Cache.offline_mode(settings.fastf1_offline)
        install_budget(settings)
        _configured = wanted


def _budget_settings(settings: Settings) -> tuple:
    return (
        settings.database_url,
        settings.data_dir,
        settings.rate_budget_calls,
        settings.rate_budget_jolpica_calls,
        settings.rate_budget_window_seconds,
        settings.f1_account,
    )


def is_offline() -> bool:
    """Whether FastF1 answers only from its HTTP cache (a miss is a 504, not a fault)."""
    cached = cached_session()
    return cached is not None and bool(cached.settings.only_if_cached)


def has_stream(api_path: str, stream: str) -> bool:
    """Whether F1 published this stream of the session (``stream`` as in FastF1's page names,
    e.g. "session_status"), asked the way FastF1 asks: live timing, then its mirror. An absent
    stream costs those two calls; a present one is then in the HTTP cache for the load."""
    return fetch_stream_page(api_path, stream) is not None


def is_session_response(url: str, api_path: str, season: int, round_number: int) -> bool:
    """A cached answer about this session only: its live-timing streams (either host) or
    Jolpica's answers for its event (results, qualifying, sprint, laps)."""
    hosts = live_timing_hosts()
    return any(url.startswith(host + api_path) for host in hosts) or (
        "jolpi.ca/" in url and f"/{season}/{round_number}/" in url
    )


def forget_session(api_path: str, cache_keys: Iterable[str] = ()) -> None:
    """Drop FastF1's parsed data of one session, and the given cached HTTP answers, so that the
    next load fetches and parses fresh data.

    FastF1 keeps parsed data forever and HTTP answers (an empty Jolpica result list too) for
    12 hours: a session loaded before F1 or Jolpica finished publishing it would otherwise stay
    partial. Never used offline: nothing new can arrive, and the cache is all there is.
    """
    folder_root = cache_dir()
    folder = Path(folder_root or "") / api_path.removeprefix("/static/")
    if folder_root and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
    cached = cached_session()
    keys = list(dict.fromkeys(cache_keys))
    if cached is not None and keys:
        cached.cache.delete(*keys)
