"""Load one session with FastF1 and turn each registered dataset into a Polars frame, or None.

FastF1's ``Session.load()`` never fails on a missing stream: it logs a warning and leaves
the data absent. Each dataset is therefore read through its registry entry and reported
*unavailable* (frame ``None``) rather than as an empty success; FastF1's warnings are kept
with the result (``flows.extract.result``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import fastf1
import polars as pl
from fastf1.exceptions import DataNotLoadedError

from flows.datasets import SESSION_DATASETS, Dataset
from flows.extract.cache import forget_session, has_stream, is_offline
from flows.extract.fastf1_warnings import captured_fastf1_warnings
from flows.extract.frames import to_polars
from flows.extract.publication import BORROWED_DRIVER_LIST, PROBE_STREAM, borrows_driver_list
from flows.extract.responses import watched_responses
from flows.extract.result import SessionExtract
from flows.extract.schedule import SessionRef
from flows.retry import is_transient_error


class FastF1RequestError(ConnectionError):
    """FastF1 swallowed a network failure (timeout, 429, 5xx) while loading a session."""


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
        frames = dict.fromkeys(d.name for d in SESSION_DATASETS)
        if published:
            session.load(laps=True, telemetry=True, weather=True, messages=True)
            frames = session_frames(session, warnings)
            if borrows_driver_list(ref, frames, own_list):
                frames["results"] = None
                warnings.append(BORROWED_DRIVER_LIST)
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


def session_frames(
    session, notes: list[str] | None = None, datasets: Sequence[Dataset] = SESSION_DATASETS
) -> dict[str, pl.DataFrame | None]:
    """Every registered dataset of a loaded FastF1 session, None where it is absent or empty.

    A dataset whose ``read`` raised one of its ``unavailable_on`` errors is None, and the error
    joins ``notes`` (kept with the dataset's detail).
    """
    frames: dict[str, pl.DataFrame | None] = {}
    for dataset in datasets:
        try:
            frames[dataset.name] = dataset_frame(session, dataset)
        except dataset.unavailable_on as exc:
            frames[dataset.name] = None
            if notes is not None:
                notes.append(f"{dataset.name} unavailable: {type(exc).__name__}: {exc}")
    return frames


def dataset_frame(session, dataset: Dataset) -> pl.DataFrame | None:
    """``dataset.read(session)`` in the raw schema; None when FastF1 has none of it."""
    try:
        frame = dataset.read(session)
    except DataNotLoadedError:
        return None
    return None if frame is None or len(frame) == 0 else to_polars(frame, dataset)
