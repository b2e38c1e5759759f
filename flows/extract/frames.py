"""Convert FastF1's pandas frames to Polars frames with a dataset's declared columns and types."""

from __future__ import annotations

import pandas as pd
import polars as pl

from flows.datasets import Dataset


class ColumnTypeError(ValueError):
    """A FastF1 column no longer converts to the type the raw table declares."""


def to_polars(frame: pd.DataFrame, dataset: Dataset) -> pl.DataFrame:
    """Return exactly ``dataset.schema``: missing columns become nulls, extra ones are dropped."""
    frame = pd.DataFrame(frame).reset_index(drop=True)
    columns = []
    for column in dataset.columns:
        if column.source in frame.columns:
            series = _convert(frame[column.source], column.dtype, f"{dataset.name}.{column.source}")
        else:
            series = pl.Series(values=[None] * len(frame), dtype=column.dtype)
        columns.append(series.alias(column.name))
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
