"""FastF1's cache and offline mode, configured once per process from the settings."""

from __future__ import annotations

import threading

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
