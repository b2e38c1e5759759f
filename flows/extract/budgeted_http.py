"""A requests transport adapter: a budget slot before every real call, bounded retries after.

Mounted on FastF1's HTTP sessions (flows/extract/fastf1_http.py), behind requests-cache, so
cache hits never reach it. It wraps the adapter that was there (FastF1's live-timing
sign-in adapter, or requests' own) and adds: a slot from the rate budget before each attempt;
429 answers waited out (``Retry-After``) and 5xx answers and dropped connections retried with
a back-off, at most ``ATTEMPTS`` times, each attempt taking a slot; every call, retry, upstream
error and wait counted in flows.extract.network.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from flows.config import Settings
from flows.extract.fastf1_http import mount_on_fastf1
from flows.extract.network import NETWORK, NetworkCounter
from flows.load.connection import database_url
from flows.load.rate_budget import ALL, JOLPICA, BudgetUnavailableError, RateBudget, buckets_for
from flows.secrets import hide_secret

log = logging.getLogger(__name__)

ATTEMPTS = 5
BACKOFF_SECONDS = (1, 2, 4, 8)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class BudgetedAdapter(BaseAdapter):
    """Sends through ``inner`` once the budget allows, retrying what is worth retrying."""

    def __init__(
        self, inner: BaseAdapter, budget: RateBudget, counter: NetworkCounter = NETWORK
    ) -> None:
        super().__init__()
        self.inner, self.budget, self.counter = inner, budget, counter

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        host = urlsplit(request.url).hostname or ""
        for attempt in range(1, ATTEMPTS + 1):
            last = attempt == ATTEMPTS
            try:
                with self.budget.slot(buckets_for(host)) as waited:
                    self.counter.waited(waited)
                    self.counter.call(host)
                    response = self.inner.send(request, **kwargs)
            except BudgetUnavailableError:
                raise  # not the host's fault: nothing was sent
            except (requests.ConnectionError, requests.Timeout) as exc:
                self.counter.error(host, type(exc).__name__)
                if last:
                    raise
                self._pause(BACKOFF_SECONDS[attempt - 1], f"{host} ({type(exc).__name__})")
                continue
            if response.status_code not in RETRY_STATUS:
                return response
            self.counter.error(host, str(response.status_code))
            if last:
                return response
            delay = retry_after(response) or BACKOFF_SECONDS[attempt - 1]
            response.close()
            self._pause(delay, f"{host} (HTTP {response.status_code})")
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, seconds: float, reason: str) -> None:
        self.counter.retry()
        if seconds >= 10:
            self.counter.notify_wait(seconds, f"{reason} to answer again")
        time.sleep(seconds)
        self.counter.waited(seconds)

    def close(self) -> None:
        self.inner.close()


def retry_after(response: requests.Response) -> float | None:
    """The server's ``Retry-After`` in seconds (a number or an HTTP date), if it sent one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


_installed: RateBudget | None = None


def install_budget(settings: Settings) -> None:
    """Route FastF1's real calls through the shared rate budget, with our F1 account (if any)."""
    global _installed
    if _installed is not None:
        _installed.close()
    _installed = RateBudget(
        database_url,
        {ALL: settings.rate_budget_calls, JOLPICA: settings.rate_budget_jolpica_calls},
        settings.rate_budget_window_seconds,
        on_wait=lambda seconds: NETWORK.notify_wait(seconds, "F1's rate budget"),
    )
    budget = _installed
    mount_on_fastf1(lambda inner: BudgetedAdapter(inner, budget), settings.f1_account)
    if settings.f1_account is not None:
        for secret in settings.f1_account:
            hide_secret(secret)
    elif not settings.fastf1_offline:
        log.info(
            "no F1 account (F1_USERNAME/F1_PASSWORD unset): live timing is read without "
            "signing in, through FastF1's mirror where F1 refuses"
        )
