"""The telemetry frames the client-side methods send, with the lineage the loader adds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import polars as pl

from flows.load.ingest import with_lineage
from flows.load.raw_tables import PARTITIONED
from tests.synthetic import SyntheticSeason


def telemetry_loads(
    season: SyntheticSeason, first: int, last: int
) -> Iterator[tuple[str, dict[str, pl.DataFrame]]]:
    """(load id, {table: frame with lineage}) per session, one session at a time."""
    for index in range(first, last):
        frames = season.frames(index)
        load_id, loaded_at = str(uuid.uuid4()), datetime.now(UTC)
        session_id = season.refs[index].session_id
        yield (
            load_id,
            {
                table: with_lineage(frames[table], load_id, loaded_at, session_id)
                for table in PARTITIONED
            },
        )


def head_rows(frames: dict[str, pl.DataFrame], rows: int) -> dict[str, pl.DataFrame]:
    """A subset: the first ``rows`` rows, split evenly between the tables."""
    share = -(-rows // len(frames))
    return {table: frame.head(share) for table, frame in frames.items()}
