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

import fastf1
import pandas as pd
import polars as pl
from fastf1.exceptions import DataNotLoadedError

from flows import datasets as ds
from flows.extract.cache import forget_parsed_session
from flows.extract.checks import sanity_flags
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

    ``fresh`` re-parses the session instead of reusing FastF1's parsed cache (a retry of a
    session that was incomplete last time).
    """
    session = fastf1.get_event(ref.season, ref.round_number).get_session(ref.session_name)
    if fresh:
        forget_parsed_session(session.api_path)
    errors: list[BaseException] = []
    with captured_fastf1_warnings(errors) as warnings, watched_responses() as refused:
        session.load(laps=True, telemetry=True, weather=True, messages=True)
    network = [e for e in errors if is_transient_error(e)]
    if network or refused:  # not "unavailable": the data may well exist, the request failed
        first = f"{type(network[0]).__name__}: {network[0]}" if network else refused[0]
        raise FastF1RequestError(
            f"{len(network) + len(refused)} FastF1 request(s) failed ({first})"
        ) from (network[0] if network else None)
    frames = session_frames(session)
    if is_driver_list_only(frames):
        frames["results"] = None
        warnings.append(_DRIVER_LIST_ONLY)
    return SessionExtract(ref=ref, frames=frames, warnings=warnings)


_DRIVER_LIST_ONLY = (
    "results unavailable: FastF1 had no timing data and no classification for this session, "
    "only a driver list taken from another session of the event"
)


def is_driver_list_only(frames: dict[str, pl.DataFrame | None]) -> bool:
    """No live-timing stream and no classified position: FastF1 fell back to a driver list.

    Practice results never have positions, but a real practice session has timing streams;
    pre-2018 results have no timing streams, but they have positions.
    """
    results = frames.get("results")
    if results is None:
        return False
    streams = [frame for name, frame in frames.items() if name != "results"]
    return all(f is None for f in streams) and results["position"].null_count() == results.height


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


@contextmanager
def watched_responses() -> Iterator[list[str]]:
    """HTTP 429/5xx answers FastF1 receives in this thread (it turns them into a silent None).

    Offline, requests-cache answers a cache miss with 504: that is "not cached", not a fault.
    """
    cached = fastf1.Cache._requests_session_cached
    offline = cached is not None and bool(cached.settings.only_if_cached)
    for http in (cached, fastf1.Cache._requests_session):
        if http is not None and _record_refusal not in http.hooks["response"]:
            http.hooks["response"].append(_record_refusal)
    _watch.sink, _watch.offline = [], offline
    try:
        yield _watch.sink
    finally:
        _watch.sink = None


def _record_refusal(response, *args, **kwargs):
    sink = getattr(_watch, "sink", None)  # None outside watched_responses() in this thread
    if sink is None or response.status_code not in TRANSIENT_STATUS:
        return response
    if not (_watch.offline and response.status_code == 504):
        sink.append(f"HTTP {response.status_code} from {response.url}")
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
