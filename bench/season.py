"""The synthetic season every measurement uses, rebuilt identically in each worker process."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

from flows.load.raw_tables import PARTITIONED
from tests.synthetic import SyntheticSeason, synthetic_season

YEAR = 2030


@dataclass(frozen=True)
class SeasonSpec:
    """``sessions`` are loaded before the full dbt build; one more is scheduled, loaded before
    the incremental build."""

    sessions: int
    drivers: int = 20
    minutes: float | None = None  # None: real session lengths

    def build(self) -> SyntheticSeason:
        return synthetic_season(YEAR, self.sessions + 1, self.drivers, self.minutes)

    def params(self) -> dict:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict) -> SeasonSpec:
        return cls(**params)


def telemetry_rows(frames: dict[str, pl.DataFrame]) -> int:
    """The rows the loader comparison counts: car data and positions."""
    return sum(frames[name].height for name in PARTITIONED)
