"""The compact raw layout of telemetry: one row per driver per minute of samples, as arrays.

Car data and positions are nearly all the rows (a billion from 2018 on), so `raw.car_data` and
`raw.position_data` do not store a row per sample. A row holds one driver's samples of one
minute (``CHUNK``, aligned on the clock) of one load: its lineage and keys once, then one array
per column, in sample order. Times are integer microseconds from the chunk's start, and the
session time is the sample's offset plus a per-chunk base (plus a per-sample residual, zero in
FastF1's data), so the arrays compress well; ``session_time_base`` and ``session_time_end``
bound the row's session times, so a lap's rows are found by index without reading the arrays.
Arrays are TOASTed and compressed from 128 bytes on (``toast_tuple_target``). Samples are
unique per (driver, timestamp) within a load: the loader keeps the first of duplicates, as the
staged layer always kept one.

`staged.car_data` and `staged.position_data` (dbt views) unnest the arrays of each session's
latest loaded load back into today's rows and columns; ``migrate_sql`` converts tables of the
earlier row-per-sample layout in place, at DDL time.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pyarrow as pa

from flows.datasets import LINEAGE, SESSION_DATASETS, Dataset

CHUNK = "60s"  # samples per array row: one driver's minute (about 240 samples)
CHUNK_SQL = "60 seconds"
TOAST_TUPLE_TARGET = 128  # compress the arrays of every row (the default leaves rows < 2 kB)
TELEMETRY: dict[str, Dataset] = {d.name: d for d in SESSION_DATASETS if d.telemetry}
KEYS = ("driver_number", "sampled_at", "session_time")  # stored as the chunk columns below

MICROS = pl.Int64


def value_columns(dataset: Dataset) -> dict[str, pl.DataType]:
    """The per-sample columns stored as arrays as they are (everything but the keys)."""
    return {name: dtype for name, dtype in dataset.schema.items() if name not in KEYS}


def chunk_schema(dataset: Dataset) -> dict[str, pl.DataType]:
    """The columns of the compact table, in order (list types: PostgreSQL arrays)."""
    return {
        **LINEAGE,
        "driver_number": pl.String,
        "chunk_start": pl.Datetime("us", "UTC"),
        "session_time_base": MICROS,
        "session_time_end": MICROS,
        "sampled_us": pl.List(pl.Int32),
        "session_time_us": pl.List(MICROS),
        **{name: pl.List(dtype) for name, dtype in value_columns(dataset).items()},
    }


def to_chunks(frame: pl.DataFrame) -> pa.Table:
    """One row per (driver, chunk) of a load's samples (without lineage: the partition's
    defaults), columns as arrays in sample order, as Arrow (what the COPY encoder reads).

    FastF1 gives each driver's samples together and in time order, so a chunk is a run of
    neighbouring rows: its arrays are views of the frame's columns between run boundaries, and
    nothing is sorted or hashed. Other input is sorted first. Columns beyond the known ones (a
    newer FastF1's) become arrays as well.
    """
    keys = ["driver_number", "sampled_at"]
    if not _in_sample_order(frame):
        frame = frame.sort(keys, nulls_last=True, maintain_order=True)
    repeated = pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift(1)) for k in keys)
    samples = frame.with_columns(
        pl.col("sampled_at").dt.truncate(CHUNK).alias("chunk_start"),
        repeated.fill_null(False).alias("_repeated"),
    )
    if samples["_repeated"].any():
        samples = samples.filter(~pl.col("_repeated"))
    offset = (pl.col("sampled_at") - pl.col("chunk_start")).dt.total_microseconds()
    samples = samples.select(
        pl.exclude("_repeated"),
        offset.cast(pl.Int32).alias("sampled_us"),
        (pl.col("session_time").dt.total_microseconds() - offset.fill_null(0)).alias("_delta"),
        pl.col("session_time").dt.total_microseconds().alias("_session_us"),
        (
            pl.col("driver_number").ne_missing(pl.col("driver_number").shift(1))
            | pl.col("chunk_start").ne_missing(pl.col("chunk_start").shift(1))
        ).alias("_starts"),
    )
    starts = samples["_starts"].arg_true().to_numpy()
    bounds = pa.array(np.append(starts, samples.height), pa.int64())
    base = _per_run(samples["_delta"], starts, np.minimum)
    run = np.cumsum(samples["_starts"].to_numpy()) - 1
    residual = samples["_delta"] - pl.Series(base[run])  # a run's missing base: all missing
    heads = samples.select(pl.col("driver_number", "chunk_start").gather(starts)).to_arrow()
    arrays = {"sampled_us": samples["sampled_us"], "session_time_us": residual}
    arrays |= {c: samples[c] for c in frame.columns if c not in KEYS}  # in the frame's order
    return pa.table(
        {
            "driver_number": heads["driver_number"],
            "chunk_start": heads["chunk_start"],
            "session_time_base": _missing_as_null(base),
            "session_time_end": _missing_as_null(
                _per_run(samples["_session_us"], starts, np.maximum)
            ),
            **{
                name: pa.LargeListArray.from_arrays(bounds, series.to_arrow())
                for name, series in arrays.items()
            },
        }
    )


def _in_sample_order(frame: pl.DataFrame) -> bool:
    """Whether each driver's samples are neighbours, in time order, with no missing key."""
    driver, sampled_at = frame["driver_number"], frame["sampled_at"]
    if driver.null_count() or sampled_at.null_count():
        return False
    new_driver = driver.ne_missing(driver.shift(1))
    firsts = driver.filter(new_driver)
    if firsts.n_unique() != firsts.len():
        return False
    backwards = sampled_at.diff() < timedelta(0)
    return not (backwards & ~new_driver).any()


_NONE = {np.minimum: np.iinfo(np.int64).max, np.maximum: np.iinfo(np.int64).min}


def _per_run(values: pl.Series, starts: np.ndarray, reduce: np.ufunc) -> np.ndarray:
    """``reduce`` (np.minimum or np.maximum) of each run's values, missing ones ignored; a run
    with none gets ``reduce``'s identity, which ``_missing_as_null`` turns into a null."""
    if not len(starts):
        return np.empty(0, np.int64)
    return reduce.reduceat(values.fill_null(_NONE[reduce]).to_numpy(), starts)


def _missing_as_null(reduced: np.ndarray) -> pa.Array:
    return pa.array(reduced, pa.int64(), mask=np.isin(reduced, list(_NONE.values())))


def migrate_sql(table: str, old: str) -> str:
    """Insert the rows of the row-per-sample table ``old`` into ``raw.<table>`` as chunks.

    The same encoding as ``to_chunks`` (duplicates of a key within a load: any one is kept).
    """
    values = list(value_columns(TELEMETRY[table]))
    arrays = ",\n    ".join(f"array_agg({c} order by sampled_at) as {c}" for c in values)
    return f"""
insert into raw.{table} (
    _load_id, _loaded_at, session_id, driver_number, chunk_start, session_time_base,
    session_time_end, sampled_us, session_time_us, {", ".join(values)}
)
select
    _load_id, _loaded_at, session_id, driver_number, chunk_start,
    min(delta) as session_time_base,
    max((extract(epoch from session_time) * 1000000)::bigint) as session_time_end,
    array_agg(sampled_us order by sampled_at) as sampled_us,
    array_agg(delta - base order by sampled_at) as session_time_us,
    {arrays}
from (
    select
        *,
        min(delta) over (partition by session_id, driver_number, chunk_start) as base
    from (
        select
            *,
            (extract(epoch from sampled_at - chunk_start) * 1000000)::integer as sampled_us,
            (extract(epoch from session_time) * 1000000)::bigint
                - coalesce((extract(epoch from sampled_at - chunk_start) * 1000000)::bigint, 0)
                as delta
        from (
            select distinct on (session_id, driver_number, sampled_at)
                *,
                date_bin('{CHUNK_SQL}', sampled_at, timestamptz '2000-01-01 00:00+00')
                    as chunk_start
            from {old}
            where _load_id = $1
            order by session_id, driver_number, sampled_at
        ) as unique_samples
    ) as encoded
) as based
group by _load_id, _loaded_at, session_id, driver_number, chunk_start
"""
