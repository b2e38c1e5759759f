"""Live progress of a run: a bar in a terminal, and a Prefect progress artifact."""

from __future__ import annotations

import logging
import sys
from contextlib import AbstractContextManager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.config import get_settings
from flows.network import NETWORK

log = logging.getLogger(__name__)


class RunProgress(AbstractContextManager):
    """Counts finished sessions and loaded rows; quiet when stderr is not a terminal or in JSON."""

    def __init__(self, title: str, total: int) -> None:
        self.title, self.total, self.done, self.rows = title, total, 0, 0
        interactive = sys.stderr.isatty() and get_settings().log_format == "console"
        self._bar = (
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("sessions · {task.fields[rows]:,} rows"),
                TimeElapsedColumn(),
                TextColumn("[yellow]{task.fields[notice]}"),
                console=Console(stderr=True),
                transient=False,
            )
            if interactive and total
            else None
        )
        self._task = None
        self._artifact_id = None

    def __enter__(self) -> RunProgress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=self.total, rows=0, notice="")
            self._stop_notices = NETWORK.listen(self.notice)
        self._artifact_id = _create_artifact(self.title)
        return self

    def notice(self, text: str) -> None:
        """Show a passing notice (a wait for F1's rate budget) until the next session ends."""
        if self._bar is not None:
            self._bar.update(self._task, notice=text)

    def advance(self, rows: int) -> None:
        self.done += 1
        self.rows += rows
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rows=self.rows, notice="")
        if self._artifact_id is not None:
            _update_artifact(self._artifact_id, 100.0 * self.done / max(self.total, 1))

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._stop_notices()
            self._bar.stop()


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
