"""FastF1's cache and offline mode, configured once per process from the settings."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import fastf1

from flows.config import Settings
from flows.extract.budgeted_http import install_budget

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


def forget_parsed_session(api_path: str) -> None:
    """Drop FastF1's parsed data of one session so the next load parses fresh responses.

    FastF1 keeps parsed data forever: a session loaded before F1 finished publishing it
    would otherwise stay partial. Only used online (offline, nothing new can arrive).
    """
    folder = Path(fastf1.Cache._CACHE_DIR or "") / api_path.removeprefix("/static/")
    if fastf1.Cache._CACHE_DIR and folder.is_dir():
        shutil.rmtree(folder)
