"""Fixtures shared by unit and integration tests: settings isolation and the FastF1 replay cache."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Prefect's temporary API: generous start-up time on 2 cores, no telemetry.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from flows.config import PROJECT_DIR, get_settings

SHARED_DIR = Path(os.environ.get("F1_SHARED_DIR", PROJECT_DIR.parent / "shared"))
FROZEN_HTTP_CACHE = SHARED_DIR / "fastf1-frozen" / "http_cache"
MAKE_CACHE_TOOL = SHARED_DIR / "tools" / "make_fastf1_cache.py"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path):
    """No test touches the project's .data or inherits the caller's settings."""
    for name in ("DATABASE_URL", "FASTF1_CACHE_DIR", "FASTF1_OFFLINE", "LOG_FORMAT", "MAX_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def frozen_cache_dir(tmp_path_factory) -> Path:
    """A FastF1 cache built from ../shared/fastf1-frozen (real recorded sessions)."""
    if not FROZEN_HTTP_CACHE.is_dir():
        pytest.fail(f"recorded FastF1 responses not found at {FROZEN_HTTP_CACHE}")
    cache = tmp_path_factory.mktemp("fastf1-cache")
    subprocess.run(
        [sys.executable, str(MAKE_CACHE_TOOL), str(FROZEN_HTTP_CACHE), str(cache)],
        check=True,
        capture_output=True,
    )
    return cache


def use_offline_cache(monkeypatch, cache: Path) -> Path:
    """FastF1 configured offline on ``cache``, through the project's own settings."""
    from flows.extract.cache import configure_fastf1

    monkeypatch.setenv("FASTF1_CACHE_DIR", str(cache))
    monkeypatch.setenv("FASTF1_OFFLINE", "1")
    get_settings.cache_clear()
    configure_fastf1(get_settings())
    return cache


@pytest.fixture
def offline_fastf1(frozen_cache_dir, monkeypatch) -> Path:
    """FastF1 configured offline on the replay cache."""
    return use_offline_cache(monkeypatch, frozen_cache_dir)


@pytest.fixture
def restore_logging(monkeypatch):
    """flows.operator.cli.main configures the root, project and FastF1 loggers (and a log file)
    and sets Prefect's logging variables; put all of it back afterwards."""
    for name in ("PREFECT_LOGGING_SETTINGS_PATH", "LOG_LEVEL", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    loggers = [logging.getLogger(name) for name in ("", "flows", "fastf1", "py.warnings")]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    yield
    logging.captureWarnings(False)
    for lg, handlers, level, propagate in saved:
        for handler in set(lg.handlers) - set(handlers):
            handler.close()
        lg.handlers = handlers
        lg.setLevel(level)
        lg.propagate = propagate
