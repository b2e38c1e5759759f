"""Live progress of a run: a bar in a terminal, progress lines elsewhere, a Prefect artifact."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.config import get_settings
from flows.extract.network import NETWORK
from flows.operator.logs import console

log = logging.getLogger(__name__)

# Without a bar, a progress line every tenth of the sessions (and at most one per ten).
PROGRESS_LINES = 10


class RunProgress(AbstractContextManager):
    """Counts finished sessions and loaded rows.

    In a terminal (LOG_FORMAT=console) a bar, with log lines printed above it and a status
    text after it (`status()`, e.g. a wait); otherwise a log line every tenth of the run.
    """

    def __init__(self, title: str, total: int) -> None:
        self.title, self.total, self.done, self.rows = title, total, 0, 0
        interactive = console().is_terminal and get_settings().log_format == "console"
        self._bar = (
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("sessions · {task.fields[rows]:,} rows"),
                TimeElapsedColumn(),
                TextColumn("[yellow]{task.fields[status]}"),
                console=console(),
                transient=False,
            )
            if interactive and total
            else None
        )
        self._task = None
        self._artifact_id = None
        self._step = max(PROGRESS_LINES, -(-total // PROGRESS_LINES))

    def __enter__(self) -> RunProgress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=self.total, rows=0, status="")
            # Waits for F1's rate budget show after the bar (flows.extract.network logs them once).
            self._stop_notices = NETWORK.listen(self.status)
        self._artifact_id = _create_artifact(self.title)
        return self

    def advance(self, rows: int) -> None:
        self.done += 1
        self.rows += rows
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rows=self.rows, status="")
        elif self.done % self._step == 0 and self.done < self.total:
            log.info("%s: %s", self.title, self._counts())
        if self._artifact_id is not None:
            _update_artifact(self._artifact_id, 100.0 * self.done / max(self.total, 1))

    def status(self, text: str) -> None:
        """A passing state of the run (e.g. a wait): after the bar, or a log line without one."""
        if self._bar is not None:
            self._bar.update(self._task, status=text)
        elif text:
            log.info("%s: %s", self.title, text)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._stop_notices()
            self._bar.update(self._task, status="")
            self._bar.stop()

    def _counts(self) -> str:
        return f"{self.done}/{self.total} sessions, {self.rows:,} rows"


def _create_artifact(title: str):
    """A Prefect progress artifact, when running inside a flow run."""
    from prefect.artifacts import create_progress_artifact
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return None
    try:
        return create_progress_artifact(progress=0.0, description=title)
    except Exception:  # progress is a nicety; never fail a load over it
        log.debug("no progress artifact", exc_info=True)
        return None


def _update_artifact(artifact_id, percent: float) -> None:
    from prefect.artifacts import update_progress_artifact

    try:
        update_progress_artifact(artifact_id=artifact_id, progress=percent)
    except Exception:
        log.debug("progress artifact not updated", exc_info=True)
