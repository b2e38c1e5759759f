"""Costs as history grows: one new session's load and the `dbt build` after it, with ~100 and
with ~1,000 sessions already in the database, side by side.

Two databases are filled through the project's loader with small synthetic sessions (the same
frames under each session's own ids: only their number matters here), one to ``small``
sessions, one to ``large``, and built once (untimed). Then, in rounds, each database in turn
takes one more session (timed: opening the connection and ``write_session``, as a flow's
session task does) and the `dbt build` after it (timed, the project's ``build_staged``); each
database keeps a dbt target of its own. ``load_growth`` and ``dbt_growth`` are the medians'
ratios, large over small.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench.measure import seconds, use_dbt_target
from bench.season import SeasonSpec
from flows.extract.session import SessionExtract
from flows.load.connection import connect
from flows.load.session_load import write_session
from flows.transform.dbt import build_staged, run_dbt

SIZES = ("small", "large")


def run(params: dict) -> dict:
    """params: season (enough sessions for large + rounds), urls ({size: url}), counts
    ({size: sessions before the rounds}), rounds, target_dir."""
    season = SeasonSpec.from_params(params["season"]).build()
    frames = season.frames(0)
    urls, counts = params["urls"], params["counts"]
    fill_seconds = {}
    for size in SIZES:
        start = time.perf_counter()
        for index in range(counts[size]):
            _load(urls[size], season.refs[index], frames)
        fill_seconds[size] = time.perf_counter() - start
        use_dbt_target(Path(params["target_dir"]) / size)
        run_dbt(urls[size], "parse")
        build_staged(urls[size])  # untimed: the history is built
    load = {size: [] for size in SIZES}
    dbt = {size: [] for size in SIZES}
    for round_ in range(params["rounds"]):
        for size in SIZES:
            url, ref = urls[size], season.refs[counts[size] + round_]
            load[size].append(seconds(partial(_load, url, ref, frames)))
            use_dbt_target(Path(params["target_dir"]) / size)
            dbt[size].append(seconds(partial(build_staged, url)))
    return {
        "counts": counts,
        "fill_seconds": fill_seconds,
        "samples_per_session": sum(frames[t].height for t in ("car_data", "position_data")),
        "load_rounds": load,
        "dbt_rounds": dbt,
        "load_seconds": {size: statistics.median(load[size]) for size in SIZES},
        "dbt_seconds": {size: statistics.median(dbt[size]) for size in SIZES},
    }


def _load(url: str, ref, frames) -> None:
    with connect(url) as conn:
        write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))
