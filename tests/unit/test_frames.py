"""to_polars: FastF1's pandas frames -> exactly the columns and types each dataset declares."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import fastf1
import numpy as np
import pandas as pd
import polars as pl
import pytest

from flows import datasets as ds
from flows.datasets import telemetry_frame
from flows.extract.frames import ColumnTypeError, to_polars

# How FastF1 3.9 stores a column whose raw type is the key (integers are float64 with NaN),
FASTF1_DTYPES = {
    ds.DURATION: "timedelta64[ns]",
    ds.TIMESTAMP: "datetime64[ns]",
    pl.Int16: "float64",
    pl.Int32: "float64",
    pl.Float64: "float64",
    pl.Boolean: "bool",
    pl.String: "object",
}
# ... but for these columns (read from its own frames: see the replay test below).
FASTF1_COLUMN_DTYPES = {"weather.WindDirection": "int64", "race_control_messages.Lap": "object"}


def fastf1_dtype(dataset: ds.Dataset, column: ds.Column) -> str:
    return FASTF1_COLUMN_DTYPES.get(f"{dataset.name}.{column.source}", FASTF1_DTYPES[column.dtype])


def fastf1_sample(dataset: ds.Dataset, column: ds.Column) -> list:
    """Two values as FastF1 gives them: one present, one missing (unless the dtype has no
    missing value: bool, int64)."""
    dtype = fastf1_dtype(dataset, column)
    if dtype == "timedelta64[ns]":
        return [pd.Timedelta(seconds=80.417), pd.NaT]
    if dtype == "datetime64[ns]":
        return [pd.Timestamp("2019-09-07 13:00:00"), pd.NaT]
    if dtype == "bool":
        return [True, False]
    if dtype == "int64":
        return [7, 8]
    if column.dtype == pl.String:
        return ["16", None]
    return [7.0, np.nan] if dtype == "float64" else [7, None]


def fastf1_frame(dataset: ds.Dataset, rows: int = 2) -> pd.DataFrame:
    """A frame with every source column of ``dataset`` in FastF1's dtype."""
    data = {}
    for column in dataset.columns:
        values = (fastf1_sample(dataset, column) * rows)[:rows]
        data[column.source] = pd.Series(values, dtype=fastf1_dtype(dataset, column))
    return pd.DataFrame(data)


@pytest.mark.replay
def test_the_frames_built_here_have_the_dtypes_of_fastf1_s_own(offline_fastf1):
    session = fastf1.get_session(2019, "Italian Grand Prix", "Q")  # recorded: every stream
    session.load(telemetry=False)
    own = {
        ds.RESULTS: session.results,
        ds.LAPS: session.laps,
        ds.WEATHER: session.weather_data,
        ds.SESSION_STATUS: session.session_status,
        ds.TRACK_STATUS: session.track_status,
        ds.RACE_CONTROL_MESSAGES: session.race_control_messages,
    }
    for dataset, frame in own.items():
        built = fastf1_frame(dataset)
        assert set(built.columns) <= set(frame.columns), dataset.name
        assert built.dtypes.astype(str).to_dict() == {
            source: str(frame[source].dtype) for source in built.columns
        }, dataset.name


DATASETS = pytest.mark.parametrize("dataset", ds.SESSION_DATASETS, ids=lambda d: d.name)


# --- names and types ---------------------------------------------------------------------------


@DATASETS
def test_names_are_snake_case_and_dtypes_exact(dataset):
    out = to_polars(fastf1_frame(dataset), dataset)

    assert out.schema == pl.Schema(dataset.schema)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in out.columns)


@DATASETS
def test_present_values_survive_and_missing_values_become_null(dataset):
    out = to_polars(fastf1_frame(dataset), dataset)

    for column in dataset.columns:
        first, second = out[column.name].to_list()
        assert first is not None, column.name
        if fastf1_dtype(dataset, column) not in ("bool", "int64"):
            assert second is None, column.name


def test_laps_values_convert_from_fastf1_dtypes():
    frame = pd.DataFrame(
        {
            "Time": pd.to_timedelta(["00:22:21.775", "00:23:41.192"]),
            "Driver": ["LEC", "LEC"],
            "DriverNumber": ["16", "16"],
            "LapTime": pd.to_timedelta([pd.NaT, "00:01:19.417"]),
            "LapNumber": [1.0, 2.0],
            "Stint": [1.0, np.nan],
            "SpeedI1": [289.0, np.nan],
            "IsPersonalBest": [False, True],
            "Compound": ["MEDIUM", None],
            "LapStartDate": pd.to_datetime(["2019-09-07 13:19:26.847", None]),
            "TrackStatus": ["1", "12"],
        }
    )
    rows = to_polars(frame, ds.LAPS).to_dicts()

    assert rows[0]["time"] == timedelta(minutes=22, seconds=21, microseconds=775_000)
    assert rows[0]["lap_time"] is None
    assert rows[1]["lap_time"] == timedelta(minutes=1, seconds=19, microseconds=417_000)
    assert [r["lap_number"] for r in rows] == [1, 2]
    assert [r["stint"] for r in rows] == [1, None]
    assert [r["speed_i1"] for r in rows] == [289.0, None]
    assert [r["is_personal_best"] for r in rows] == [False, True]
    assert [r["compound"] for r in rows] == ["MEDIUM", None]
    assert rows[0]["lap_start_date"] == datetime(2019, 9, 7, 13, 19, 26, 847_000, tzinfo=UTC)
    assert rows[1]["lap_start_date"] is None
    assert [r["track_status"] for r in rows] == ["1", "12"]


def test_durations_stay_durations_in_microseconds():
    frame = pd.DataFrame({"Time": pd.to_timedelta([1_500, 90_000_000_000], unit="ns")})
    out = to_polars(frame, ds.SESSION_STATUS)

    assert out.schema["session_time"] == pl.Duration("us")
    assert out["session_time"].to_list() == [timedelta(microseconds=1), timedelta(seconds=90)]


def test_naive_timestamps_are_read_as_utc():
    frame = pd.DataFrame({"Time": pd.to_datetime(["2019-09-07 13:13:16"])})
    out = to_polars(frame, ds.RACE_CONTROL_MESSAGES)

    assert out.schema["message_at"] == pl.Datetime("us", "UTC")
    assert out["message_at"][0] == datetime(2019, 9, 7, 13, 13, 16, tzinfo=UTC)


def test_zone_aware_timestamps_are_converted_to_utc():
    local = pd.to_datetime(["2019-09-07 15:13:16"]).tz_localize("Europe/Rome")
    out = to_polars(pd.DataFrame({"Time": local}), ds.RACE_CONTROL_MESSAGES)

    assert out["message_at"][0] == datetime(2019, 9, 7, 13, 13, 16, tzinfo=UTC)


def test_object_column_of_integers_and_none_becomes_nullable_integer():
    frame = pd.DataFrame({"Lap": pd.Series([1, None, 53], dtype=object)})
    out = to_polars(frame, ds.RACE_CONTROL_MESSAGES)

    assert out.schema["lap"] == pl.Int16
    assert out["lap"].to_list() == [1, None, 53]


def test_object_column_of_bools_and_none_becomes_nullable_boolean():
    frame = pd.DataFrame({"FreshTyre": pd.Series([True, None, False], dtype=object)})

    assert to_polars(frame, ds.LAPS)["fresh_tyre"].to_list() == [True, None, False]


def test_results_keep_driver_numbers_as_text_and_positions_as_integers():
    frame = pd.DataFrame(
        {
            "DriverNumber": ["16", "44"],
            "Abbreviation": ["LEC", "HAM"],
            "Position": [1.0, 2.0],
            "ClassifiedPosition": ["1", "R"],
            "GridPosition": [np.nan, np.nan],
            "Q3": pd.to_timedelta(["00:01:19.307", "00:01:19.346"]),
            "Points": [25.0, 18.0],
        },
        index=["16", "44"],  # FastF1 indexes results by driver number
    )
    out = to_polars(frame, ds.RESULTS)

    assert out["driver_number"].to_list() == ["16", "44"]
    assert out["position"].to_list() == [1, 2]
    assert out["classified_position"].to_list() == ["1", "R"]
    assert out["grid_position"].to_list() == [None, None]
    assert out["q3"][0] == timedelta(minutes=1, seconds=19, microseconds=307_000)
    assert out["points"].to_list() == [25.0, 18.0]


# --- missing, extra, empty --------------------------------------------------------------------


def test_missing_source_columns_become_all_null_columns_of_the_declared_type():
    out = to_polars(pd.DataFrame({"AirTemp": [22.0, 22.1, 22.3]}), ds.WEATHER)

    assert out.schema == pl.Schema(ds.WEATHER.schema)
    assert out.height == 3
    assert out["air_temp"].to_list() == [22.0, 22.1, 22.3]
    for name in ("session_time", "humidity", "rainfall", "wind_direction"):
        assert out[name].null_count() == 3, name


def test_columns_a_newer_fastf1_adds_are_kept_after_the_declared_ones():
    frame = fastf1_frame(ds.WEATHER)
    frame["WindGust"] = [3.2, 4.1]
    frame["TrackCondition"] = ["dry", None]
    frame["SampledAt"] = pd.to_datetime(["2019-09-07 13:00:00", "2019-09-07 13:01:00"])
    out = to_polars(frame, ds.WEATHER)

    assert out.columns == [*ds.WEATHER.schema, "wind_gust", "track_condition", "sampled_at"]
    assert out["wind_gust"].to_list() == [3.2, 4.1]
    assert out.schema["track_condition"] == pl.String
    assert out.schema["sampled_at"] == pl.Datetime("us", "UTC")


def test_deliberately_ignored_columns_stay_out():
    out = to_polars(fastf1_car_data("2019-09-07 13:20:00", [10_000.0]), ds.CAR_DATA)

    assert "time" not in out.columns


@DATASETS
def test_empty_fastf1_frame_gives_zero_rows_with_full_schema(dataset):
    out = to_polars(fastf1_frame(dataset, rows=0), dataset)

    assert out.height == 0
    assert out.schema == pl.Schema(dataset.schema)


def test_frame_without_columns_gives_zero_rows_with_full_schema():
    out = to_polars(pd.DataFrame(), ds.LAPS)

    assert out.height == 0
    assert out.schema == pl.Schema(ds.LAPS.schema)


# --- ordinal datasets -------------------------------------------------------------------------

ORDINAL = [d for d in ds.SESSION_DATASETS if d.ordinal]


def test_the_ordinal_datasets_are_the_three_unkeyed_streams():
    assert {d.name for d in ORDINAL} == {"session_status", "track_status", "race_control_messages"}


@pytest.mark.parametrize("dataset", ORDINAL, ids=lambda d: d.name)
def test_ordinal_datasets_number_rows_from_one_in_frame_order(dataset):
    frame = fastf1_frame(dataset, rows=5)
    frame.index = [40, 3, 17, 8, 99]  # order comes from row position, not the index
    out = to_polars(frame, dataset)

    assert out.columns[0] == "sequence_number"
    assert out.schema["sequence_number"] == pl.Int32
    assert out["sequence_number"].to_list() == [1, 2, 3, 4, 5]


def test_sequence_numbers_follow_the_rows_they_label():
    frame = pd.DataFrame(
        {
            "Time": pd.to_timedelta(["00:00:03", "00:14:59", "00:15:00"]),
            "Status": ["Inactive", "Started", "Aborted"],
        }
    )
    out = to_polars(frame, ds.SESSION_STATUS)

    assert out.select("sequence_number", "status").rows() == [
        (1, "Inactive"),
        (2, "Started"),
        (3, "Aborted"),
    ]


def test_non_ordinal_dataset_gets_no_sequence_number():
    assert "sequence_number" not in to_polars(fastf1_frame(ds.LAPS), ds.LAPS).columns


# --- conversion errors ------------------------------------------------------------------------


def test_unconvertible_values_raise_column_type_error_naming_dataset_and_column():
    frame = fastf1_frame(ds.LAPS)
    frame["LapNumber"] = pd.Series(["abc", None], dtype=object)

    with pytest.raises(ColumnTypeError, match=r"laps\.LapNumber"):
        to_polars(frame, ds.LAPS)


@pytest.mark.parametrize(
    ("dataset", "source", "values"),
    [
        (ds.LAPS, "LapNumber", pd.Series(["abc", "2"], dtype="string")),
        (ds.LAPS, "LapNumber", pd.Series([40_000.0, 1.0])),  # beyond smallint
        (ds.WEATHER, "Rainfall", pd.Series(["yes", "no"], dtype=object)),
        (ds.SESSION_STATUS, "Time", pd.to_datetime(["2019-09-07", "2019-09-08"])),
        (ds.RACE_CONTROL_MESSAGES, "Time", pd.to_timedelta(["00:00:01", "00:00:02"])),
    ],
    ids=["string-dtype", "overflow", "bool-text", "datetime-as-duration", "duration-as-ts"],
)
def test_other_unconvertible_columns_raise_column_type_error(dataset, source, values):
    frame = pd.DataFrame({source: values})

    with pytest.raises(ColumnTypeError, match=re.escape(f"{dataset.name}.{source}")):
        to_polars(frame, dataset)


# --- telemetry --------------------------------------------------------------------------------


def fastf1_telemetry(start: str, step_ms: int, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """A FastF1 ``Telemetry`` frame: its clock columns every ``step_ms``, then ``columns``."""
    n = len(next(iter(columns.values())))
    elapsed = pd.to_timedelta(np.arange(n) * step_ms, unit="ms")
    clock = {"Date": pd.date_range(start, periods=n, freq=f"{step_ms}ms")}
    return pd.DataFrame({**clock, "SessionTime": elapsed, "Time": elapsed, **columns})


def fastf1_car_data(start: str, rpm: list[float]) -> pd.DataFrame:
    """Car data as FastF1 gives it (dtypes included)."""
    n = len(rpm)
    return fastf1_telemetry(
        start,
        240,
        {
            "RPM": pd.Series(rpm, dtype="float64"),
            "Speed": pd.Series([312.0 + i for i in range(n)], dtype="float64"),
            "nGear": pd.Series([8] * n, dtype="int64"),
            "Throttle": pd.Series([100.0] * (n - 1) + [104.0], dtype="float64"),
            "Brake": pd.Series([False] * (n - 1) + [True], dtype="bool"),
            "DRS": pd.Series([12] * n, dtype="int64"),
            "Source": pd.Series(["car"] * n, dtype=object),
        },
    )


def fastf1_pos_data(start: str, x: list[float]) -> pd.DataFrame:
    """Position data as FastF1 gives it (dtypes included)."""
    n = len(x)
    return fastf1_telemetry(
        start,
        220,
        {
            "Status": pd.Series(["OnTrack"] * n, dtype=object),
            "X": pd.Series(x, dtype="float64"),
            "Y": pd.Series([-1_523.0] * n, dtype="float64"),
            "Z": pd.Series([np.nan] * (n - 1) + [120.0], dtype="float64"),
            "Source": pd.Series(["pos"] * n, dtype=object),
        },
    )


def test_car_data_converts_to_compact_integer_types():
    stacked = telemetry_frame(
        {
            "16": fastf1_car_data("2019-09-07 13:20:00", [10_523.0, 11_890.0]),
            "44": fastf1_car_data("2019-09-07 13:20:00.1", [12_001.0]),
        }
    )
    out = to_polars(stacked, ds.CAR_DATA)

    assert out.schema == pl.Schema(ds.CAR_DATA.schema)
    assert out["driver_number"].to_list() == ["16", "16", "44"]
    assert out["rpm"].to_list() == [10_523, 11_890, 12_001]
    assert out["speed"].to_list() == [312, 313, 312]
    assert out["n_gear"].to_list() == [8, 8, 8]
    assert out["throttle"].to_list() == [100, 104, 104]
    assert out["brake"].to_list() == [False, True, True]
    assert out["drs"].to_list() == [12, 12, 12]
    assert out["sampled_at"][0] == datetime(2019, 9, 7, 13, 20, tzinfo=UTC)
    assert out["session_time"][1] == timedelta(milliseconds=240)


def test_position_data_converts_to_compact_integer_types():
    stacked = telemetry_frame({"1": fastf1_pos_data("2023-04-29 13:30:00", [-6_120.0, 4_533.0])})
    out = to_polars(stacked, ds.POSITION_DATA)

    assert out.schema == pl.Schema(ds.POSITION_DATA.schema)
    assert out["driver_number"].to_list() == ["1", "1"]
    assert out["x"].to_list() == [-6_120, 4_533]
    assert out["y"].to_list() == [-1_523, -1_523]
    assert out["z"].to_list() == [None, 120]
    assert out["status"].to_list() == ["OnTrack", "OnTrack"]
    assert out["source"].to_list() == ["pos", "pos"]


def test_telemetry_frame_stacks_drivers_and_adds_driver_number():
    stacked = telemetry_frame(
        {
            "16": fastf1_car_data("2019-09-07 13:20:00", [10_000.0, 10_100.0]),
            "44": fastf1_car_data("2019-09-07 13:20:00", [11_000.0]),
        }
    )

    assert len(stacked) == 3
    assert list(stacked.index) == [0, 1, 2]
    assert stacked["DriverNumber"].tolist() == ["16", "16", "44"]
    assert stacked["RPM"].tolist() == [10_000.0, 10_100.0, 11_000.0]


def test_telemetry_frame_skips_drivers_without_samples():
    stacked = telemetry_frame(
        {
            "16": fastf1_car_data("2019-09-07 13:20:00", [10_000.0]),
            "44": fastf1_car_data("2019-09-07 13:20:00", [11_000.0]).iloc[0:0],
        }
    )

    assert stacked["DriverNumber"].tolist() == ["16"]


@pytest.mark.parametrize("per_driver", [{}, None])
def test_telemetry_frame_of_nothing_is_none(per_driver):
    assert telemetry_frame(per_driver) is None


def test_telemetry_frame_of_only_empty_frames_is_none():
    empty = fastf1_car_data("2019-09-07 13:20:00", [10_000.0]).iloc[0:0]

    assert telemetry_frame({"16": empty, "44": empty}) is None


# --- values that must not be converted silently, and columns with nothing in them -------------


@pytest.mark.parametrize(
    ("dataset", "source", "value"),
    [(ds.LAPS, "LapNumber", 1.5), (ds.CAR_DATA, "Throttle", 99.6)],
)
def test_non_integral_floats_in_integer_columns_raise(dataset, source, value):
    with pytest.raises(ColumnTypeError, match=re.escape(f"{dataset.name}.{source}")):
        to_polars(pd.DataFrame({source: [value]}), dataset)


@pytest.mark.parametrize(
    ("dataset", "source", "name"),
    [(ds.SESSION_STATUS, "Time", "session_time"), (ds.RACE_CONTROL_MESSAGES, "Time", "message_at")],
)
def test_all_missing_object_column_becomes_nulls_of_the_declared_type(dataset, source, name):
    out = to_polars(pd.DataFrame({source: pd.Series([None, None], dtype=object)}), dataset)

    assert out.schema == pl.Schema(dataset.schema)
    assert out[name].to_list() == [None, None]


def test_empty_frame_with_untyped_columns_gives_zero_rows_with_full_schema():
    out = to_polars(pd.DataFrame(columns=["Time", "Status"]), ds.SESSION_STATUS)

    assert out.height == 0
    assert out.schema == pl.Schema(ds.SESSION_STATUS.schema)
