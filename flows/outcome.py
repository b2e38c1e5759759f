"""How a run ends: Failed (after its report) when a session failed, with the summary either way."""

from __future__ import annotations

from prefect.states import Completed, Failed, State

from flows.operator.report import RunSummary


class SessionsFailed(Exception):
    """Sessions of the run failed; ``summary`` says which (raised by a flow called directly)."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(summary)
        self.summary = summary

    def __str__(self) -> str:
        return self.summary.line()


def final_state(summary: RunSummary, message: str | None = None) -> State:
    """The flow run's final state: Failed when any session failed, so automations can fire."""
    if summary.failed:
        failed = ", ".join(o.ref.session_id for o in summary.failed)
        return Failed(message=f"failed sessions: {failed}", data=SessionsFailed(summary))
    return Completed(message=message, data=summary)


def summary_of(state: State) -> RunSummary:
    """The summary of a finished flow run (``return_state=True``), Failed or not.

    Any other error that ended the run is raised as it was.
    """
    result = state.result(raise_on_failure=False)
    if isinstance(result, SessionsFailed):
        return result.summary
    if isinstance(result, BaseException):
        raise result
    return result
