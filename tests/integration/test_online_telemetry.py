"""Telemetry through FastF1's real parser: synthetic samples, encoded as F1's CarData and Position
streams, are served by the stand-in for a recorded session (which lacks them), and the backfill
flow takes them through FastF1's parse, our load and dbt.

Expected values come from outside our code: the samples as encoded, and FastF1's own frames of
the same session (its ``car_data``/``pos_data``, a lap's ``get_car_data().add_distance()``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fastf1
import numpy as np
import pandas as pd
import polars as pl
import pytest

from flows.backfill import backfill
from flows.config import get_settings
from flows.extract.cache import configure_fastf1
from tests.integration.database import arrow, scalar
from tests.standin.plugin import LIVETIMING
from tests.standin.telemetry_streams import encode_car_data, encode_position, synthetic_telemetry

pytestmark = [pytest.mark.online, pytest.mark.integration]

SESSION_ID = "2019-italian-grand-prix-q"
MONZA_Q = "/static/2019/2019-09-08_Italian_Grand_Prix/2019-09-07_Qualifying/"
# LEC, HAM, BOT: their fastest laps, on Q3's first runs, end 01:11:14-01:11:25 in the session
DRIVERS = ["16", "44", "77"]
# When the streams' clock starts: the schedule's 13:00 UTC start, less the recorded
# SessionStatus stream's first "Started" (00:14:59.169 into the streams)
T0 = datetime(2019, 9, 7, 13, tzinfo=UTC) - timedelta(minutes=14, seconds=59, milliseconds=169)
FROM, SECONDS = T0 + timedelta(hours=1, minutes=8), 270  # 4.5 minutes around those laps
MICROSECOND = pd.Timedelta(microseconds=1)


@pytest.fixture
def monza_with_telemetry(standin, db_url, prefect_backend):
    """The recorded 2019 Italian Q, with our samples published as its telemetry streams, loaded
    by the backfill flow through the stand-in (cold caches), then FastF1's own session."""
    car, position = synthetic_telemetry(DRIVERS, FROM, SECONDS, seed=12)
    standin.publish(MONZA_Q + "CarData.z.jsonStream", encode_car_data(car, T0))
    standin.publish(MONZA_Q + "Position.z.jsonStream", encode_position(position, T0))

    summary = backfill(year=2019, events=["Monza"], sessions=["Q"], return_state=True).result()

    assert summary.counts == {"loaded": 1}, summary.counts
    fetched = {(r["host"], r["path"], r["status"]) for r in standin.requests()}
    for stream in ("CarData.z.jsonStream", "Position.z.jsonStream"):
        assert (LIVETIMING, MONZA_Q + stream, 200) in fetched  # from the stand-in, not a cache
    configure_fastf1(get_settings())  # the flow's FastF1 cache: FastF1's own parse, again
    session = fastf1.get_session(2019, "Italian Grand Prix", "Q")
    session.load(laps=True, telemetry=True, weather=False, messages=False)
    return car, position, session


def _staged(url: str, sql: str, *params) -> pl.DataFrame:
    """Rows of a query; intervals come as microseconds (``*_us``: Polars reads no intervals)."""
    return pl.from_arrow(arrow(url, sql, *params))


def _lap(url: str, table: str, columns: str, driver: str, number: int) -> pl.DataFrame:
    """A lap's rows of staged.lap_car_data or lap_position_data."""
    return _staged(url, LAP.format(table=table, columns=columns), SESSION_ID, driver, number)


def _as_fastf1_reads(samples: pl.DataFrame) -> pl.DataFrame:
    """The encoded sample times as FastF1 keeps them: to the millisecond (none is a tie)."""
    millis = (pl.col("utc_ns") + 500_000) // 1_000_000
    return samples.with_columns(
        pl.from_epoch(millis, time_unit="ms").dt.replace_time_zone("UTC").alias("sampled_at")
    ).sort("driver_number", "sampled_at")


def _fastf1_frame(per_driver: dict, columns: dict[str, str]) -> pl.DataFrame:
    """FastF1's telemetry of our drivers, renamed to our columns, times as microseconds."""
    parts = []
    for driver in DRIVERS:
        frame = per_driver[driver]
        part = pl.DataFrame(
            {
                "driver_number": driver,
                "sampled_at": frame["Date"].dt.tz_localize("UTC"),
                "session_time_us": frame["SessionTime"] // MICROSECOND,
                **{ours: frame[theirs].to_numpy() for theirs, ours in columns.items()},
            }
        )
        parts.append(part)
    return pl.concat(parts).with_columns(pl.col("sampled_at").dt.cast_time_unit("us"))


CAR_COLUMNS = {
    "RPM": "rpm",
    "Speed": "speed",
    "nGear": "n_gear",
    "Throttle": "throttle",
    "Brake": "brake",
    "DRS": "drs",
    "Source": "source",
}
POSITION_COLUMNS = {"Status": "status", "X": "x", "Y": "y", "Z": "z", "Source": "source"}
STAGED = """
select driver_number, sampled_at,
    (extract(epoch from session_time) * 1000000)::bigint as session_time_us, {columns}
from staged.{table}
where session_id = $1 and driver_number = any($2)
order by driver_number, sampled_at
"""


def test_synthetic_streams_go_through_fastf1s_parser_into_staged(monza_with_telemetry, db_url):
    car, position, session = monza_with_telemetry

    _assert_car_samples(db_url, car, session)
    _assert_positions(db_url, position, session)
    _assert_fastest_laps(db_url, session)


def _assert_car_samples(db_url: str, car: pl.DataFrame, session) -> None:
    """As encoded, and as FastF1 parsed them."""
    columns = list(CAR_COLUMNS.values())
    staged = _staged(
        db_url, STAGED.format(table="car_data", columns=", ".join(columns)), SESSION_ID, DRIVERS
    )

    # FastF1's clock: the latest sample time less its message's time, to the millisecond
    assert abs(session.t0_date.tz_localize("UTC") - T0) <= timedelta(milliseconds=1)
    t0 = session.t0_date.tz_localize("UTC").to_pydatetime()
    encoded = _as_fastf1_reads(car)
    assert staged.height == car.height == encoded.height
    assert staged["sampled_at"].to_list() == encoded["sampled_at"].to_list()
    assert staged["session_time_us"].to_list() == [
        (at - t0) // timedelta(microseconds=1) for at in encoded["sampled_at"]
    ]
    for column in ("driver_number", "rpm", "speed", "n_gear", "throttle", "drs"):
        assert staged[column].to_list() == encoded[column].to_list(), column
    assert staged["brake"].to_list() == (encoded["brake"] > 0).to_list()
    assert set(staged["source"]) == {"car"}
    fastf1_car = _fastf1_frame(session.car_data, CAR_COLUMNS)
    assert staged.equals(fastf1_car.select(staged.columns).cast(staged.schema))
    loaded = scalar(
        db_url,
        "select row_count from raw.load_manifest where session_id = $1 and dataset = 'car_data'",
        SESSION_ID,
    )
    assert loaded == car.height


def _assert_positions(db_url: str, position: pl.DataFrame, session) -> None:
    """As encoded, and as FastF1 parsed them."""
    columns = list(POSITION_COLUMNS.values())
    staged = _staged(
        db_url,
        STAGED.format(table="position_data", columns=", ".join(columns)),
        SESSION_ID,
        DRIVERS,
    )

    encoded = _as_fastf1_reads(position)
    assert staged.height == position.height
    assert staged["sampled_at"].to_list() == encoded["sampled_at"].to_list()
    for column in ("driver_number", "status", "x", "y", "z"):
        assert staged[column].to_list() == encoded[column].to_list(), column
    assert set(staged["source"]) == {"pos"}
    fastf1_position = _fastf1_frame(session.pos_data, POSITION_COLUMNS)
    assert staged.equals(fastf1_position.select(staged.columns).cast(staged.schema))


LAP = """
select (extract(epoch from time) * 1000000)::bigint as time_us, {columns}
from staged.{table}
where session_id = $1 and driver_number = $2 and lap_number = $3
order by session_time
"""


def _assert_fastest_laps(db_url: str, session) -> None:
    """Each driver's fastest lap, sliced and integrated as FastF1's Lap.get_car_data()
    .add_distance() and Lap.get_pos_data() do."""
    for driver in DRIVERS:
        lap = session.laps.pick_drivers(driver).pick_fastest()
        number = int(lap["LapNumber"])
        expected = lap.get_car_data().add_distance()
        got = _lap(db_url, "lap_car_data", "speed, distance", driver, number)
        assert len(expected) > 250, "the lap is covered by the samples"  # 79 s at ~4 Hz
        assert got["time_us"].to_list() == (expected["Time"] // MICROSECOND).tolist(), driver
        assert got["speed"].to_list() == expected["Speed"].tolist(), driver
        assert np.allclose(got["distance"].to_numpy(), expected["Distance"].to_numpy()), driver
        assert got["distance"][-1] == pytest.approx(expected["Distance"].iloc[-1], abs=1e-6)

        positions = lap.get_pos_data()
        got = _lap(db_url, "lap_position_data", "status, x, y, z", driver, number)
        assert got["time_us"].to_list() == (positions["Time"] // MICROSECOND).tolist(), driver
        for theirs, ours in (("Status", "status"), ("X", "x"), ("Y", "y"), ("Z", "z")):
            assert got[ours].to_list() == positions[theirs].tolist(), (driver, ours)
