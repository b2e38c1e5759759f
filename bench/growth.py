"""Costs as history grows: one new session's load and the `dbt build` after it, with ~100 and
with ~1,000 sessions already in the database, side by side.

History is seasons of 24 conventional weekends (120 sessions), as 2018 to today. Two databases
are filled through the project's loader with small synthetic sessions (the same frames under
each session's own ids: only their number matters here), one with the first ``small``
sessions, one with the first ``large``, and built once (untimed). Then, in rounds, each
database in turn (which goes first alternates) takes its next session (timed: opening the
connection and ``write_session``, as a flow's session task does) and the `dbt build` after it
(timed, the project's ``build_staged``); each database keeps a dbt target of its own. More
rounds of a load alone follow (``load_rounds``): a small session's load is short and noisy.
``load_growth`` and ``dbt_growth`` are the medians' ratios, large over small.
"""

from __future__ import annotations

import statistics
import time
import zlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl

from bench.measure import seconds, use_dbt_target
from bench.season import YEAR
from flows.extract.schedule import SessionRef
from flows.extract.session import SessionExtract
from flows.load.connection import connect
from flows.load.raw_tables import ddl_statements
from flows.load.session_load import write_schedule, write_session
from flows.transform.dbt import build_staged
from tests.synthetic import SyntheticSeason, synthetic_season

SIZES = ("small", "large")
SEASON_SESSIONS = 120  # 24 conventional weekends


@dataclass(frozen=True)
class GrowthSpec:
    """``small`` and ``large`` sessions in the databases before ``rounds`` rounds of one more
    session and a dbt build; each session ``drivers`` cars, ``minutes`` of telemetry."""

    small: int = 100
    large: int = 1_000
    rounds: int = 3
    load_rounds: int = 17  # more loads, without builds: one load is ~25 ms, so noise needs them
    drivers: int = 2
    minutes: float = 1.0

    def seasons(self) -> list[SyntheticSeason]:
        """Enough seasons for the large database and its rounds."""
        sessions = self.large + self.rounds + self.load_rounds
        return [
            synthetic_season(
                YEAR + index,
                min(SEASON_SESSIONS, sessions - index * SEASON_SESSIONS),
                self.drivers,
                self.minutes,
            )
            for index in range(-(-sessions // SEASON_SESSIONS))
        ]


def run(params: dict) -> dict:
    """params: growth (GrowthSpec's fields), urls ({size: url of an empty database}),
    target_dir."""
    spec = GrowthSpec(**params["growth"])
    seasons = spec.seasons()
    refs = [ref for season in seasons for ref in season.refs]
    frames = seasons[0].frames(0)
    urls, counts = params["urls"], {"small": spec.small, "large": spec.large}
    fill_seconds = {}
    for size in SIZES:
        start = time.perf_counter()
        _prepare(urls[size], seasons)
        for ref in refs[: counts[size]]:
            _load(urls[size], ref, frames)
        fill_seconds[size] = time.perf_counter() - start
        use_dbt_target(Path(params["target_dir"]) / size)
        build_staged(urls[size])  # untimed: the history is built, the project parsed
    load = {size: [] for size in SIZES}
    dbt = {size: [] for size in SIZES}
    for round_ in range(spec.rounds):
        for size in _in_turn(round_):
            url, ref = urls[size], refs[counts[size] + round_]
            load[size].append(seconds(partial(_load, url, ref, frames)))
            use_dbt_target(Path(params["target_dir"]) / size)
            dbt[size].append(seconds(partial(build_staged, url)))
    for round_ in range(spec.rounds, spec.rounds + spec.load_rounds):
        for size in _in_turn(round_):
            url, ref = urls[size], refs[counts[size] + round_]
            load[size].append(seconds(partial(_load, url, ref, frames)))
    return {
        "counts": counts,
        "fill_seconds": fill_seconds,
        "samples_per_session": sum(frames[t].height for t in ("car_data", "position_data")),
        "load_rounds": load,
        "dbt_rounds": dbt,
        "load_seconds": {size: statistics.median(load[size]) for size in SIZES},
        "dbt_seconds": {size: statistics.median(dbt[size]) for size in SIZES},
    }


def params(spec: GrowthSpec) -> dict:
    return asdict(spec)


def _prepare(url: str, seasons: list[SyntheticSeason]) -> None:
    """The raw tables and every season's schedule."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for statement in ddl_statements():
            cursor.execute(statement)
        conn.commit()
        for season in seasons:
            write_schedule(conn, season.season, season.events, season.sessions)


def _load(url: str, ref: SessionRef, frames) -> None:
    """One load of the shared frames as session ``ref``, with a session key of its own (F1's
    keys are unique per session, and staged tests it)."""
    key = zlib.crc32(ref.session_id.encode()) & 0x7FFFFFFF
    info = frames["session_info"].with_columns(pl.lit(key, pl.Int32).alias("session_key"))
    with connect(url) as conn:
        write_session(
            conn, SessionExtract(ref, {**frames, "session_info": info}), datetime.now(UTC)
        )


def _in_turn(round_: int) -> tuple[str, ...]:
    """The databases in the order they load in a round: it alternates, so neither always
    follows the other's load (and the server work it leaves behind)."""
    return SIZES if round_ % 2 == 0 else SIZES[::-1]
