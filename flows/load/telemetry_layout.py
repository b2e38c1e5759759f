"""The compact raw layout of telemetry: one row per driver per minute of samples, as arrays.

Car data and positions are nearly all the rows (a billion from 2018 on), so `raw.car_data` and
`raw.position_data` do not store a row per sample. A row holds one driver's samples of one
minute (``CHUNK``, aligned on the clock) of one load: its lineage and keys once, then one array
per column, in sample order. Times are integer microseconds from the chunk's start, and the
session time is the sample's offset plus a per-chunk base (plus a per-sample residual, zero in
FastF1's data: the row's residual array is then null, neither sent nor stored), so the arrays
compress well; ``session_time_base`` and ``session_time_end`` bound the row's session times, so
a lap's rows are found by index without reading the arrays.
Arrays are TOASTed and compressed from 128 bytes on (``toast_tuple_target``). Samples are
unique per (driver, timestamp) within a load: the loader keeps the first of duplicates, as the
staged layer always kept one.

`staged.car_data` and `staged.position_data` (dbt views) unnest the arrays of each session's
latest loaded load back into today's rows and columns; ``migrate_sql`` converts tables of the
earlier row-per-sample layout in place, at DDL time.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from flows.datasets import LINEAGE, SESSION_DATASETS, Dataset
from flows.load.string_views import differs, short_views

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
    nothing is sorted or hashed. Other input is sorted first. The arithmetic is NumPy's on the
    times' integer microseconds (a missing time as a sentinel, ``_MISSING``). Columns beyond the
    known ones (a newer FastF1's) become arrays as well.
    """
    sampled = _micros(frame["sampled_at"])
    new_driver = _drivers_in_sample_order(frame["driver_number"], sampled)
    if new_driver is None:
        frame = frame.sort(["driver_number", "sampled_at"], nulls_last=True, maintain_order=True)
        new_driver = frame["driver_number"].ne_missing(frame["driver_number"].shift(1)).to_numpy()
        sampled = _micros(frame["sampled_at"])
    new_driver = new_driver.copy()  # where a driver's samples start
    new_driver[:1] = True
    repeated = ~new_driver
    repeated[1:] &= sampled[1:] == sampled[:-1]
    if repeated.any():  # the first of a repeated (driver, time) is kept
        frame = frame.filter(~repeated)
        new_driver, sampled = new_driver[~repeated], sampled[~repeated]
    timed = _known(sampled)
    chunk = sampled // _CHUNK_US * _CHUNK_US
    offset = sampled - chunk
    if timed is not None:
        chunk[~timed], offset[~timed] = _MISSING, 0
    starts = new_driver
    starts[1:] |= chunk[1:] != chunk[:-1]
    first = np.flatnonzero(starts)
    session = _micros(frame["session_time"])
    known = _known(session)
    delta = session - offset
    if known is not None:
        delta[~known] = _MISSING
    base = _per_run(delta, first, np.minimum, known)
    bounds = pa.array(np.append(first, frame.height), pa.int64())
    offsets = pa.array(offset.astype(np.int32), mask=_missing(timed))
    return pa.table(
        {
            "driver_number": frame["driver_number"].gather(first).to_arrow(),
            "chunk_start": _missing_as_null(chunk[first], pa.timestamp("us", "UTC")),
            "session_time_base": _missing_as_null(base),
            "session_time_end": _missing_as_null(_per_run(session, first, np.maximum, known)),
            "sampled_us": pa.LargeListArray.from_arrays(bounds, offsets),
            "session_time_us": _residuals(delta, base, known, first, bounds),
            **{  # the frame's order
                c: pa.LargeListArray.from_arrays(bounds, _arrow(frame[c]))
                for c in frame.columns
                if c not in KEYS
            },
        }
    )


def _drivers_in_sample_order(driver: pl.Series, sampled: np.ndarray) -> np.ndarray | None:
    """Where each driver's samples start (a boolean per row), if each driver's samples are
    neighbours, in time order (``sampled``: ``_micros`` of the times), with no missing key;
    else None."""
    if driver.null_count() or (sampled == _MISSING).any():
        return None
    new_driver = _changes(driver)
    firsts = driver.gather(np.flatnonzero(new_driver))
    if firsts.n_unique() != firsts.len():
        return None
    backwards = sampled[1:] < sampled[:-1]
    return None if (backwards & ~new_driver[1:]).any() else new_driver


def _changes(values: pl.Series) -> np.ndarray:
    """Whether each string (none missing) differs from the one before (the first: True).
    Short strings, driver numbers as a rule, are compared through their Arrow string views."""
    short = short_views(_arrow(values))
    if short is not None:
        return np.concatenate(([True], differs(short[0])))
    return values.ne_missing(values.shift(1)).to_numpy()


def _arrow(values: pl.Series) -> pa.Array:
    """A column as Arrow without a copy (strings as string views, which the encoder reads)."""
    return values.to_arrow(compat_level=pl.CompatLevel.newest())


_CHUNK_US = 60_000_000  # CHUNK in microseconds
_MISSING = np.iinfo(np.int64).min  # a missing time (no real one is that far back)


def _micros(times: pl.Series) -> np.ndarray:
    """Datetimes or durations as integer microseconds, a missing one as ``_MISSING`` (read-only:
    a view of the frame's where there is none)."""
    if times.dtype.time_unit != "us":
        times = times.dt.cast_time_unit("us")
    micros = times.to_physical()
    return (micros.fill_null(_MISSING) if micros.null_count() else micros).to_numpy()


def _known(values: np.ndarray) -> np.ndarray | None:
    """Which values are not ``_MISSING``; None when none is (FastF1's times, as a rule)."""
    known = values != _MISSING
    return None if known.all() else known


def _missing(known: np.ndarray | None) -> np.ndarray | None:
    return None if known is None else ~known


def _per_run(
    values: np.ndarray, starts: np.ndarray, reduce: np.ufunc, known: np.ndarray | None
) -> np.ndarray:
    """``reduce`` (np.minimum or np.maximum) of each run's values, the ``known`` ones only; a
    run with none gets ``_MISSING``."""
    if not len(starts):
        return np.empty(0, np.int64)
    if known is None:
        return reduce.reduceat(values, starts)
    ignored = np.iinfo(np.int64).max if reduce is np.minimum else _MISSING
    reduced = reduce.reduceat(np.where(known, values, ignored), starts)
    return np.where(np.logical_or.reduceat(known, starts), reduced, _MISSING)


def _residuals(
    delta: np.ndarray,
    base: np.ndarray,
    known: np.ndarray | None,
    first: np.ndarray,
    bounds: pa.Array,
) -> pa.LargeListArray:
    """Each row's session time residuals (``delta`` less its row's ``base``), or null where
    they are all zero (FastF1's, as a rule: its session time is the sample's time less the
    session's start), which the staged views read as zeros. A row with a missing session time
    keeps its array (the null in it). Whether a row has a residual that is not zero is found
    from its largest ``delta``, so FastF1's rows take no per-sample subtraction."""
    kind = pa.large_list(pa.int64())
    kept = _per_run(delta, first, np.maximum, known) != base
    if known is not None and len(first):
        kept |= ~np.logical_and.reduceat(known, first)
    if not kept.any():
        return pa.nulls(len(first), kind)
    # a row with a known session time has a known base
    residual = delta - np.repeat(base, np.diff(bounds.to_numpy()))
    values = pa.array(residual, mask=_missing(known))
    return pa.LargeListArray.from_arrays(bounds, values, kind, mask=pa.array(~kept))


def _missing_as_null(values: np.ndarray, kind: pa.DataType | None = None) -> pa.Array:
    return pa.array(values, kind or pa.int64(), mask=values == _MISSING)


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
