"""The one place that reaches into FastF1's HTTP internals: its sessions and live-timing sign-in.

FastF1 3.9 has no public hook for either. It keeps two requests sessions on ``fastf1.Cache``
(``_requests_session_cached``, made by ``Cache.configure``, and ``_requests_session``), each
with ``LivetimingAuthAdapter`` mounted for live timing. That adapter signs in with
F1_USERNAME/F1_PASSWORD from ``os.environ``, or prompts when stdin is a terminal. Here it is
given the account from our settings instead, or left out when there is none: no prompt ever.
"""

from __future__ import annotations

import logging

import fastf1
import requests
from fastf1.exceptions import F1AuthError
from fastf1.internals.f1account import LIVETIMING_URL, LivetimingAuthAdapter
from fastf1.internals.f1account.login import login
from fastf1.internals.f1account.tokens import SubscriptionToken, TokenManager
from requests.adapters import BaseAdapter, HTTPAdapter

log = logging.getLogger(__name__)


def fastf1_sessions() -> list[requests.Session]:
    """FastF1's HTTP sessions (the cached one exists once ``Cache.configure`` has run)."""
    cached = fastf1.Cache._requests_session_cached
    return [s for s in (cached, fastf1.Cache._requests_session) if s is not None]


def livetiming_adapter(account: tuple[str, str] | None) -> BaseAdapter:
    """FastF1's sign-in adapter with our account; without one, no sign-in (and no prompt)."""
    if account is None:
        return HTTPAdapter()
    username, password = account
    return _AccountAdapter(TokenManager(auth_func=lambda: login(username, password)))


class _AccountAdapter(LivetimingAuthAdapter):
    """Signs in with our account; after a failed sign-in, goes on without (said once)."""

    _failed = False

    def _get_token(self) -> SubscriptionToken | None:
        if self._failed:
            return None
        try:
            return self._tokens.get()
        except F1AuthError as exc:
            self._failed = True
            log.warning(
                "F1 account sign-in failed (%s): live timing is read without signing in, "
                "through FastF1's mirror where F1 refuses",
                exc,
            )
            return None


def mount_on_fastf1(wrap, account: tuple[str, str] | None) -> None:
    """Mount ``wrap(inner)`` on FastF1's sessions for every host, live timing included."""
    for session in fastf1_sessions():
        for prefix in ("https://", "http://"):
            session.mount(prefix, wrap(HTTPAdapter()))
        session.mount(LIVETIMING_URL, wrap(livetiming_adapter(account)))
