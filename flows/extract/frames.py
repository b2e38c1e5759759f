"""Convert FastF1's pandas frames to Polars frames with a dataset's declared columns and types."""

from __future__ import annotations

import re

import pandas as pd
import polars as pl

from flows.datasets import Dataset


class ColumnTypeError(ValueError):
    """A FastF1 column no longer converts to the type the raw table declares."""


def to_polars(frame: pd.DataFrame | pl.DataFrame, dataset: Dataset) -> pl.DataFrame:
    """``dataset.schema`` first (missing columns become nulls), then any column FastF1 added.

    A column of a newer FastF1 that the spec does not know keeps its data: it gets a
    snake_case name and an inferred type, and the loader adds it to the raw table. A Polars
    frame (a dataset's ``read`` may build one) goes through the same conversion.
    """
    if isinstance(frame, pl.DataFrame):
        frame = frame.to_pandas()
    frame = pd.DataFrame(frame).reset_index(drop=True)
    columns = []
    for column in dataset.columns:
        if column.source in frame.columns:
            series = _convert(frame[column.source], column.dtype, f"{dataset.name}.{column.source}")
        else:
            series = pl.Series(values=[None] * len(frame), dtype=column.dtype)
        columns.append(series.alias(column.name))
    known = {c.source for c in dataset.columns} | set(dataset.ignored)
    taken = {c.name for c in dataset.columns} | {dataset.ordinal}
    for source in frame.columns:
        if source not in known and snake_case(str(source)) not in taken:
            columns.append(_inferred(frame[source]).alias(snake_case(str(source))))
    out = pl.DataFrame(columns)
    if dataset.ordinal:
        out = out.with_row_index(dataset.ordinal, offset=1).with_columns(
            pl.col(dataset.ordinal).cast(pl.Int32)
        )
    return out


def _convert(series: pd.Series, dtype: pl.DataType, label: str) -> pl.Series:
    try:
        return _cast(series, dtype)
    except (pl.exceptions.PolarsError, ValueError, TypeError) as exc:
        raise ColumnTypeError(
            f"{label}: FastF1 now gives {series.dtype}, which does not convert to {dtype} ({exc})"
        ) from exc


def _cast(series: pd.Series, dtype: pl.DataType) -> pl.Series:
    if series.isna().all():  # nothing to convert (also untyped object columns)
        return pl.Series(values=[None] * len(series), dtype=dtype)
    if dtype == pl.String:
        return _to_string(series)
    if series.dtype == object and (dtype.is_numeric() or dtype == pl.Boolean):
        series = _object_to_numeric(series, dtype)
    converted = pl.from_pandas(series, nan_to_null=True)
    if isinstance(dtype, pl.Datetime):
        if not isinstance(converted.dtype, pl.Datetime):
            raise TypeError(f"expected datetimes, got {converted.dtype}")
        if converted.dtype.time_zone is None:  # FastF1's naive timestamps are UTC
            converted = converted.dt.replace_time_zone("UTC")
        return converted.dt.convert_time_zone("UTC").cast(dtype)
    if isinstance(dtype, pl.Duration) and not isinstance(converted.dtype, pl.Duration):
        raise TypeError(f"expected durations, got {converted.dtype}")
    if dtype.is_integer() and converted.dtype.is_float():
        fractional = converted.drop_nulls()
        if (fractional != fractional.round()).any():
            raise TypeError("fractional values would be truncated")
    return converted.cast(dtype, strict=True)


def _to_string(series: pd.Series) -> pl.Series:
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        values = [None if _missing(v) else str(v) for v in series.tolist()]
        return pl.Series(values=values, dtype=pl.String)
    return pl.from_pandas(series, nan_to_null=True).cast(pl.String)


def _object_to_numeric(series: pd.Series, dtype: pl.DataType) -> pd.Series:
    values = [None if _missing(v) else v for v in series.tolist()]
    if dtype == pl.Boolean:
        return pd.Series(values, dtype="boolean")
    return pd.to_numeric(pd.Series(values, dtype=object))


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def snake_case(name: str) -> str:
    """'LapStartDate' -> 'lap_start_date', 'SpeedFL' -> 'speed_fl', 'nGear' -> 'n_gear'."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


# Types a new column can take in raw; anything else is stored as text.
_INFERRED = {
    pl.Boolean: pl.Boolean,
    pl.Int8: pl.Int16,
    pl.Int16: pl.Int16,
    pl.Int32: pl.Int32,
    pl.Int64: pl.Int64,
    pl.UInt8: pl.Int16,
    pl.UInt16: pl.Int32,
    pl.UInt32: pl.Int64,
    pl.Float32: pl.Float64,
    pl.Float64: pl.Float64,
    pl.String: pl.String,
}


def _inferred(series: pd.Series) -> pl.Series:
    if series.isna().all():
        return pl.Series(values=[None] * len(series), dtype=pl.String)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return _cast(series, pl.Datetime("us", "UTC"))
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return _cast(series, pl.Duration("us"))
    try:
        converted = pl.from_pandas(series, nan_to_null=True)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return _to_string(series)
    target = _INFERRED.get(converted.dtype)
    return converted.cast(target) if target else _to_string(series)
