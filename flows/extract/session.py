"""Load one session with FastF1 and turn each of its datasets into a Polars frame, or None.

FastF1's ``Session.load()`` never fails on a missing stream: it logs a warning and leaves
the data absent. Each dataset is therefore checked here and reported *unavailable* (frame
``None``) rather than as an empty success; FastF1's warnings are kept with the result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import fastf1
import pandas as pd
import polars as pl
from fastf1.exceptions import DataNotLoadedError

from flows import datasets as ds
from flows.extract.cache import (
    forget_session,
    has_stream,
    is_offline,
    is_session_response,
)
from flows.extract.checks import sanity_flags
from flows.extract.fastf1_http import fastf1_sessions
from flows.extract.frames import to_polars
from flows.extract.schedule import SessionRef
from flows.retry import TRANSIENT_STATUS, is_transient_error


@dataclass
class SessionExtract:
    """What FastF1 gave for one session: a frame per available dataset, None otherwise."""

    ref: SessionRef
    frames: dict[str, pl.DataFrame | None]
    warnings: list[str] = field(default_factory=list)
    fastf1_version: str = fastf1.__version__
    published: bool = True  # False: the probe found no live timing, nothing else was asked for
    given_up: bool = False  # still incomplete UNPUBLISHED_AFTER_DAYS after its end: not polled

    @property
    def complete(self) -> bool:
        """Results are final: classified positions are present (practice has none: its results
        are the driver list). Until then, later runs try the session again."""
        results = self.frames.get("results")
        if results is None:
            return False
        return (
            self.ref.session_type in PRACTICE or results["position"].null_count() < results.height
        )

    @property
    def flags(self) -> dict[str, str]:
        """Sanity-check findings per dataset (see flows.extract.checks)."""
        return sanity_flags(self.frames)

    def detail(self, dataset: str) -> str | None:
        """A dataset's check finding, then FastF1's warnings about it; warnings that concern
        no dataset in particular are kept with the results."""
        if not self.published:
            return NOT_PUBLISHED
        notes = [self.flags[dataset]] if dataset in self.flags else []
        notes += [w for w in self.warnings if _concerns(w, dataset)]
        if dataset == "results":
            notes += [w for w in self.warnings if not any(_concerns(w, d) for d in _WARNING_WORDS)]
        return "; ".join(dict.fromkeys(notes)) or None


def _concerns(warning: str, dataset: str) -> bool:
    return any(word in warning.lower() for word in _WARNING_WORDS[dataset])


PRACTICE = ("FP1", "FP2", "FP3")


class FastF1RequestError(ConnectionError):
    """FastF1 swallowed a network failure (timeout, 429, 5xx) while loading a session."""


_WARNING_WORDS = {
    "results": ("result", "driver list", "session info"),
    "laps": ("timing data", "lap", "session info"),
    "weather": ("weather",),
    "car_data": ("car telemetry", "car data", "telemetry"),
    "position_data": ("position data", "telemetry"),
    "session_status": ("session status",),
    "track_status": ("track status",),
    "race_control_messages": ("race control",),
}


def extract_session(ref: SessionRef, fresh: bool = False) -> SessionExtract:
    """Load ``ref`` with FastF1 (all datasets) and convert what it provides.

    A session with live timing is probed first (its SessionStatus stream, two calls when it is
    absent) and loaded only when F1 published it. ``fresh`` re-parses the session instead of
    reusing FastF1's parsed cache (a forced reload). An incomplete session leaves nothing of
    itself in FastF1's caches (parsed data, HTTP answers), so the next attempt fetches fresh data.
    """
    session = fastf1.get_event(ref.season, ref.round_number).get_session(ref.session_name)
    api_path, live = session.api_path, bool(session.f1_api_support)  # no live timing: pre-2018
    if fresh:
        forget_session(api_path)
    own_list = partial(has_stream, api_path, "driver_list") if live else (lambda: False)
    errors: list[BaseException] = []
    with captured_fastf1_warnings(errors) as warnings, watched_responses() as watch:
        published = not live or has_stream(api_path, PROBE_STREAM)
        frames = dict.fromkeys(ds.BY_NAME)
        if published:
            session.load(laps=True, telemetry=True, weather=True, messages=True)
            frames = session_frames(session)
            if borrows_driver_list(ref, frames, own_list):
                frames["results"] = None
                warnings.append(_BORROWED_DRIVER_LIST)
    network = [e for e in errors if is_transient_error(e)]
    extract = SessionExtract(ref=ref, frames=frames, warnings=warnings, published=published)
    if not is_offline() and (network or watch.refused or not extract.complete):
        forget_session(api_path, watch.session_keys(api_path, ref.season, ref.round_number))
    if network or watch.refused:  # not "unavailable": the data may well exist, the request failed
        first = f"{type(network[0]).__name__}: {network[0]}" if network else watch.refused[0]
        raise FastF1RequestError(
            f"{len(network) + len(watch.refused)} FastF1 request(s) failed ({first})"
        ) from (network[0] if network else None)
    return extract


# F1 publishes a session's live-timing streams together. SessionStatus (when the session started
# and ended) is in every recorded session FastF1 loads anything from; SessionInfo is not (2020
# 70th Anniversary GP FP2 has laps but no SessionInfo), so SessionStatus is the probe.
PROBE_STREAM = "session_status"

NOT_PUBLISHED = (
    "not published: no SessionStatus stream for this session (F1's live timing, its mirror, "
    "or offline the cache), so nothing else was asked for"
)

_BORROWED_DRIVER_LIST = (
    "results unavailable: F1 published no driver list and no lap timing for this practice "
    "session; FastF1's list is the race's, from Jolpica, not this session's"
)


def borrows_driver_list(
    ref: SessionRef, frames: dict[str, pl.DataFrame | None], has_own_list: Callable[[], bool]
) -> bool:
    """Whether a practice session's results are a driver list FastF1 took from the race.

    A session's results are its own when they come from its own DriverList stream, from
    Jolpica's results for that very session (race, qualifying, sprint) or, in practice, with
    its own lap timing. Jolpica has no practice results: without the session's own DriverList,
    FastF1 copies the race's driver list, which is not the practice's result. ``has_own_list``
    asks live timing (called only in that case; the list FastF1 just fetched is cached).
    """
    if ref.session_type not in PRACTICE or frames.get("results") is None:
        return False
    return frames.get("laps") is None and not has_own_list()


def session_frames(session) -> dict[str, pl.DataFrame | None]:
    """Every session dataset of a loaded FastF1 session, None where it is absent or empty."""
    getters: dict[str, Callable[[], pd.DataFrame | None]] = {
        "results": lambda: session.results,
        "laps": lambda: session.laps,
        "weather": lambda: session.weather_data,
        "car_data": lambda: telemetry_frame(session.car_data),
        "position_data": lambda: telemetry_frame(session.pos_data),
        "session_status": lambda: session.session_status,
        "track_status": lambda: session.track_status,
        "race_control_messages": lambda: session.race_control_messages,
    }
    frames: dict[str, pl.DataFrame | None] = {}
    for name, get in getters.items():
        try:
            frame = get()
        except DataNotLoadedError:
            frame = None
        frames[name] = (
            None if frame is None or len(frame) == 0 else to_polars(frame, ds.BY_NAME[name])
        )
    return frames


def telemetry_frame(per_driver: dict | None) -> pd.DataFrame | None:
    """FastF1 keeps telemetry as {driver number: frame}; stack it with a DriverNumber column."""
    if not per_driver:
        return None
    parts = [
        pd.DataFrame(frame).assign(DriverNumber=str(driver))
        for driver, frame in per_driver.items()
        if len(frame)
    ]
    return pd.concat(parts, ignore_index=True) if parts else None


_watch = threading.local()


@dataclass
class ResponseWatch:
    """What FastF1's HTTP answers in this thread were: refusals, and what got cached."""

    offline: bool
    refused: list[str] = field(default_factory=list)  # HTTP 429/5xx, as "HTTP 503 from url"
    cached: dict[str, str] = field(default_factory=dict)  # url -> cache key of each 200 answer

    def session_keys(self, api_path: str, season: int, round_number: int) -> list[str]:
        """Cache keys of the answers about this session only (see is_session_response)."""
        return [
            key
            for url, key in self.cached.items()
            if is_session_response(url, api_path, season, round_number)
        ]


@contextmanager
def watched_responses() -> Iterator[ResponseWatch]:
    """HTTP answers FastF1 receives in this thread: 429/5xx (which it turns into a silent None)
    and the cache keys of its 200 answers.

    Offline, requests-cache answers a cache miss with 504: that is "not cached", not a fault.
    """
    for http in fastf1_sessions():
        if _record_response not in http.hooks["response"]:
            http.hooks["response"].append(_record_response)
    _watch.current = ResponseWatch(offline=is_offline())
    try:
        yield _watch.current
    finally:
        _watch.current = None


def _record_response(response, *args, **kwargs):
    watch = getattr(_watch, "current", None)  # None outside watched_responses() in this thread
    if watch is None:
        return response
    if response.status_code == 200 and getattr(response, "cache_key", None):
        watch.cached[response.url] = response.cache_key
    elif response.status_code in TRANSIENT_STATUS and not (
        watch.offline and response.status_code == 504
    ):
        watch.refused.append(f"HTTP {response.status_code} from {response.url}")
    return response


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
