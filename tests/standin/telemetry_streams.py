"""Synthetic car telemetry and positions, encoded as F1's live-timing streams for the stand-in.

F1 publishes them as ``CarData.z.jsonStream`` and ``Position.z.jsonStream``: a UTF-8 BOM, then
one line per message, ``HH:MM:SS.mmm"<base64 of raw-deflated JSON>"`` and CRLF, the time being
the session time at which the message was published (after its samples). A car message is
``{"Entries": [{"Utc": ..., "Cars": {"16": {"Channels": {"0": rpm, ...}}}}]}``, a position
message ``{"Position": [{"Timestamp": ..., "Entries": {"16": {"Status", "X", "Y", "Z"}}}]}``;
``Utc``/``Timestamp`` carry 7 fractional digits. This is what FastF1's ``_api.car_data`` and
``_api.position_data`` parse (fastf1/_api.py, with ``parse(..., zipped=True)``).

Samples are Polars frames, one row per driver per sample: ``utc_ns`` (nanoseconds since the
epoch, a multiple of 100) and ``driver_number``, then the channels (``CAR_CHANNELS``) or
``status``, ``x``, ``y``, ``z``. Every driver of a sample shares its entry, as in F1's data.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime

import numpy as np
import polars as pl

# Our column -> F1's channel number in CarData (FastF1's mapping; "45", DRS, ends in 2026)
CAR_CHANNELS = {"rpm": "0", "speed": "2", "n_gear": "3", "throttle": "4", "brake": "5", "drs": "45"}
POSITION_FIELDS = {"status": "Status", "x": "X", "y": "Y", "z": "Z"}
CAR_INTERVAL_MS, POSITION_INTERVAL_MS = 240, 220  # FastF1: "usually" 240 ms and 220 ms
BOM = "\ufeff".encode()


def encode_car_data(samples: pl.DataFrame, t0: datetime, per_line: int = 4) -> bytes:
    """``CarData.z.jsonStream`` of ``samples``, ``per_line`` sample times to a message."""
    return _stream(samples, t0, per_line, _car_message)


def encode_position(samples: pl.DataFrame, t0: datetime, per_line: int = 2) -> bytes:
    """``Position.z.jsonStream`` of ``samples``, ``per_line`` sample times to a message."""
    return _stream(samples, t0, per_line, _position_message)


def utc_text(utc_ns: int) -> str:
    """F1's sample time text: '2019-09-07T14:10:03.0619797Z' (100 ns digits)."""
    seconds, rest = divmod(utc_ns, 1_000_000_000)
    whole = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{rest // 100:07d}Z"


def _stream(samples: pl.DataFrame, t0: datetime, per_line: int, message) -> bytes:
    t0_ns = int(t0.timestamp()) * 1_000_000_000 + t0.microsecond * 1000
    times = samples["utc_ns"].unique(maintain_order=True).sort()
    lines = [BOM]
    for start in range(0, len(times), per_line):
        batch = times[start : start + per_line]
        entries = samples.filter(pl.col("utc_ns").is_in(batch.implode())).sort("utc_ns")
        published = -(-(batch.max() - t0_ns) // 1_000_000)  # ms, rounded up: after its samples
        lines.append(_session_time(published).encode() + _zipped(message(entries)) + b"\r\n")
    return b"".join(lines)


def _car_message(entries: pl.DataFrame) -> dict:
    return {
        "Entries": [
            {
                "Utc": utc_text(utc_ns),
                "Cars": {
                    row["driver_number"]: {
                        "Channels": {number: row[name] for name, number in CAR_CHANNELS.items()}
                    }
                    for row in group.iter_rows(named=True)
                },
            }
            for (utc_ns,), group in entries.group_by("utc_ns", maintain_order=True)
        ]
    }


def _position_message(entries: pl.DataFrame) -> dict:
    return {
        "Position": [
            {
                "Timestamp": utc_text(utc_ns),
                "Entries": {
                    row["driver_number"]: {key: row[name] for name, key in POSITION_FIELDS.items()}
                    for row in group.iter_rows(named=True)
                },
            }
            for (utc_ns,), group in entries.group_by("utc_ns", maintain_order=True)
        ]
    }


def _session_time(ms: int) -> str:
    """'HH:MM:SS.mmm', the 12 characters FastF1 reads as a line's time."""
    minutes, millis = divmod(ms, 60_000)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def _zipped(message: dict) -> bytes:
    deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # raw deflate, no zlib header
    packed = deflate.compress(json.dumps(message, separators=(",", ":")).encode())
    return b'"' + base64.b64encode(packed + deflate.flush()) + b'"'


def synthetic_telemetry(
    drivers: list[str], start: datetime, seconds: float, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Car samples and positions of ``drivers`` for ``seconds`` from ``start``, at F1's rates
    (about 4 Hz each, jittered, the two streams out of step), as random but plausible values.

    No sample time falls on half a millisecond, so rounding it to the millisecond (FastF1 does)
    has one answer.
    """
    rng = np.random.default_rng(seed)
    car_at = _sample_times(rng, start, seconds, CAR_INTERVAL_MS)
    position_at = _sample_times(rng, start, seconds, POSITION_INTERVAL_MS)
    car, position = [], []
    for driver in drivers:
        n = len(car_at)
        speed = np.clip(200 + np.cumsum(rng.normal(0, 12, n)), 60, 345).astype(int)
        car.append(
            pl.DataFrame(
                {
                    "utc_ns": car_at,
                    "driver_number": driver,
                    "rpm": rng.integers(4_000, 12_500, n),
                    "speed": speed,
                    "n_gear": np.clip(speed // 45 + 1, 1, 8),
                    "throttle": rng.integers(0, 101, n),
                    "brake": rng.choice([0, 100], n, p=[0.8, 0.2]),
                    "drs": rng.choice([0, 1, 8, 10, 12, 14], n),
                }
            )
        )
        m = len(position_at)
        position.append(
            pl.DataFrame(
                {
                    "utc_ns": position_at,
                    "driver_number": driver,
                    "status": rng.choice(["OnTrack", "OffTrack"], m, p=[0.95, 0.05]),
                    "x": np.cumsum(rng.integers(-40, 41, m)) - 1_500,
                    "y": np.cumsum(rng.integers(-40, 41, m)) + 2_500,
                    "z": rng.integers(-60, 60, m) + 120,
                }
            )
        )
    return pl.concat(car).sort("utc_ns"), pl.concat(position).sort("utc_ns")


def _sample_times(rng, start: datetime, seconds: float, interval_ms: int) -> np.ndarray:
    """Nanoseconds since the epoch, ``interval_ms`` apart ± 30 ms, 100 ns digits, none on a
    half millisecond."""
    n = int(seconds * 1000 / interval_ms)
    steps_us = rng.integers(interval_ms - 30, interval_ms + 31, n) * 1000 + rng.integers(0, 1000, n)
    at_us = int(start.timestamp()) * 1_000_000 + start.microsecond + np.cumsum(steps_us)
    at_us += at_us % 1000 == 500  # off the half millisecond
    return at_us * 1000 + rng.integers(0, 10, n) * 100
