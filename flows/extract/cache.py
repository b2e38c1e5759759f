"""FastF1's cache and offline mode, configured once per process from the settings."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import fastf1

from flows.config import Settings

_configured: tuple | None = None
_lock = threading.Lock()


def configure_fastf1(settings: Settings) -> None:
    """Point FastF1 at the cache dir; `FASTF1_OFFLINE=1` answers only from that cache."""
    global _configured
    wanted = (settings.cache_dir, settings.fastf1_offline)
    with _lock:
        if _configured == wanted:
            return
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        fastf1.Cache.configure(cache_dir=str(settings.cache_dir))
        fastf1.Cache.offline_mode(settings.fastf1_offline)
        _configured = wanted


def forget_parsed_session(api_path: str) -> None:
    """Drop FastF1's parsed data of one session so the next load parses fresh responses.

    FastF1 keeps parsed data forever: a session loaded before F1 finished publishing it
    would otherwise stay partial. Only used online (offline, nothing new can arrive).
    """
    folder = Path(fastf1.Cache._CACHE_DIR or "") / api_path.removeprefix("/static/")
    if fastf1.Cache._CACHE_DIR and folder.is_dir():
        shutil.rmtree(folder)
