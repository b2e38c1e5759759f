"""Which failures are worth retrying (network, rate limits), and how long to wait."""

from __future__ import annotations

import requests
from fastf1.exceptions import RateLimitExceededError

# Back-off between attempts, in seconds. FastF1 allows 500 calls/hour: a rate-limited run
# waits long enough for the window to move on.
RETRY_DELAYS = [30, 120, 600]

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})


def is_transient_error(exc: BaseException | None) -> bool:
    """Network trouble or a rate limit, here or anywhere in the chain of causes."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _transient(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, RateLimitExceededError | requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return exc.response.status_code in TRANSIENT_STATUS
    return isinstance(exc, ConnectionError | TimeoutError)


def is_transient(task, task_run, state) -> bool:
    """Prefect retry condition: retry only transient errors."""
    try:
        state.result(raise_on_failure=True)
    except BaseException as exc:  # the task's exception, re-raised by Prefect
        return is_transient_error(exc)
    return False
