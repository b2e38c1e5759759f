"""The warnings FastF1 logs in this thread, and the failures it swallows while loading."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def captured_fastf1_warnings(errors: list[BaseException] | None = None) -> Iterator[list[str]]:
    """Collect the warnings FastF1 logs in this thread (other threads load other sessions).

    FastF1 swallows a failing request, logging a warning and the exception at DEBUG level;
    those exceptions are collected into ``errors`` when it is given.
    """
    messages: list[str] = []
    handler = _ThreadHandler(threading.get_ident(), messages, errors)
    logger = logging.getLogger("fastf1")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


class _ThreadHandler(logging.Handler):
    def __init__(self, thread_id: int, sink: list[str], errors: list | None) -> None:
        super().__init__(level=logging.DEBUG)
        self.thread_id = thread_id
        self.sink = sink
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_id:
            return
        if record.levelno >= logging.WARNING:
            self.sink.append(record.getMessage())
        if self.errors is not None and record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])
