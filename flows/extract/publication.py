"""Whether F1 published a session (the probe), and whether its results are its own."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from flows.extract.schedule import SessionRef
from flows.session_types import is_practice

# F1 publishes a session's live-timing streams together. SessionStatus (when the session started
# and ended) is in every recorded session FastF1 loads anything from; SessionInfo is not (2020
# 70th Anniversary GP FP2 has laps but no SessionInfo), so SessionStatus is the probe.
PROBE_STREAM = "session_status"

NOT_PUBLISHED = (
    "not published: no SessionStatus stream for this session (F1's live timing, its mirror, "
    "or offline the cache), so nothing else was asked for"
)

BORROWED_DRIVER_LIST = (
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
    if not is_practice(ref.session_type) or frames.get("results") is None:
        return False
    return frames.get("laps") is None and not has_own_list()
