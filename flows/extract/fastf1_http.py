"""The one place that reaches into FastF1's internals: its HTTP sessions, cache folder and
sign-in; and its circuit info, read around FastF1 3.9's faults (``circuit_info``).

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
from fastf1 import _api as live_timing
from fastf1.exceptions import DataNotLoadedError, F1AuthError
from fastf1.internals.f1account import LIVETIMING_URL, LivetimingAuthAdapter
from fastf1.internals.f1account.login import login
from fastf1.internals.f1account.tokens import SubscriptionToken, TokenManager
from fastf1.mvapi import CircuitInfo, get_circuit_info
from requests.adapters import BaseAdapter, HTTPAdapter

log = logging.getLogger(__name__)


def cached_session():
    """FastF1's requests-cache session, or None before ``Cache.enable_cache`` has run."""
    return fastf1.Cache._requests_session_cached


def cache_dir() -> str | None:
    """The folder of FastF1's cache (parsed data and HTTP answers), or None when not enabled."""
    return fastf1.Cache._CACHE_DIR  # get_cache_info() would also walk the folder for its size


def fetch_stream_page(api_path: str, stream: str):
    """One live-timing page of a session, asked the way FastF1 asks (live timing, then its
    mirror); None when neither host has it."""
    return live_timing.fetch_page(api_path, stream)


def live_timing_hosts() -> tuple[str, str]:
    """The live-timing host and FastF1's mirror of it."""
    return live_timing.base_url, live_timing.base_url_mirror


def fastf1_sessions() -> list[requests.Session]:
    """FastF1's HTTP sessions (the cached one exists once ``Cache.configure`` has run)."""
    return [s for s in (cached_session(), fastf1.Cache._requests_session) if s is not None]


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


def circuit_info(session) -> CircuitInfo | None:
    """What ``Session.get_circuit_info()`` gives: MultiViewer's corners, marshal lights, marshal
    sectors and map rotation for the session's circuit and year; None when MultiViewer has none.

    FastF1 3.9's method fails in cases where the data can be had, or should be None: without
    laps or the fastest lap's position data (DataNotLoadedError, KeyError), which only place the
    markers along the lap (their ``Distance``, left NaN here then), and when MultiViewer has no
    such circuit (AttributeError on None; offline, a cache miss too). Same steps, those handled.
    Without F1's SessionInfo there is no circuit key: DataNotLoadedError, as FastF1 raises.
    """
    circuit = session.session_info["Meeting"]["Circuit"]
    key = circuit["Key"]
    if key == 149 and circuit["ShortName"] == "Mugello":  # FastF1's own correction
        key = 146
    try:
        info = get_circuit_info(year=session.event.year, circuit_key=key)
    except AttributeError:  # offline cache miss: FastF1 decodes the missing answer's body (None)
        return None
    reference = _fastest_lap_with_positions(session)
    if info is not None and reference is not None:
        info.add_marker_distance(reference_lap=reference)
    return info


def _fastest_lap_with_positions(session):
    """The session's fastest lap when FastF1 has its position data, else None."""
    try:
        laps, positions = session.laps, session.pos_data
    except DataNotLoadedError:
        return None
    fastest = laps.pick_fastest() if len(laps) else None
    if fastest is None or fastest.get("DriverNumber") not in positions:
        return None
    return fastest
