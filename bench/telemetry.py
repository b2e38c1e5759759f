"""Telemetry at rest and at query time: disk per sample and the one-lap query, on the loader's
database after the staged build."""

from __future__ import annotations

import random
import statistics
import time

from flows.load.connection import connect
from flows.load.raw_tables import PARTITIONED

LAP_QUERIES = 21
TARGETS = {"bytes_per_sample": "<= 40", "lap_query_ms": "<= 20"}
# One driver's lap, both streams (the lap views, as an analyst queries them).
LAP_QUERY = """
select
    (select count(*) from staged.lap_car_data
     where session_id = $1 and driver_number = $2 and lap_number = $3),
    (select count(*) from staged.lap_position_data
     where session_id = $1 and driver_number = $2 and lap_number = $3)
"""
LAPS = "select session_id, driver_number, lap_number from staged.laps where lap_time is not null"


def run(params: dict) -> dict:
    """params: url. Bytes of every relation holding telemetry (raw partitions, heap, TOAST and
    indexes, and staged, whose telemetry models are views) per sample; one-lap query times."""
    with connect(params["url"]) as conn:
        cursor = conn.cursor()
        stored = samples = 0
        for table in PARTITIONED:
            cursor.execute(
                "select coalesce(sum(pg_total_relation_size(relid)), 0) "
                "from pg_partition_tree($1::regclass)",
                parameters=(f"raw.{table}",),
            )
            stored += int(cursor.fetchone()[0])
            cursor.execute(f"select coalesce(sum(cardinality(sampled_us)), 0) from raw.{table}")
            samples += int(cursor.fetchone()[0])
            cursor.execute(
                "select coalesce(pg_total_relation_size(to_regclass($1)), 0)",
                parameters=(f"staged.{table}",),
            )
            stored += int(cursor.fetchone()[0])  # a view: 0
        cursor.execute(LAPS)
        found = cursor.fetchall()
        laps = random.Random(12).sample(found, min(LAP_QUERIES, len(found)))
        times, rows = [], 0
        for lap in laps:
            start = time.perf_counter()
            cursor.execute(LAP_QUERY, parameters=lap)
            car, position = cursor.fetchone()
            times.append((time.perf_counter() - start) * 1000)
            rows += car + position
        conn.commit()
    return {
        "bytes": stored,
        "samples": samples,
        "lap_query_ms": statistics.median(times),
        "lap_rows": rows / len(laps),
    }


def figure_lines(result: dict) -> list[str]:
    """The machine-readable lines: bytes_per_sample=, lap_query_ms=."""
    if not result:
        return []
    per_sample = result["bytes"] / result["samples"] if result["samples"] else float("nan")
    return [f"bytes_per_sample={per_sample:.1f}", f"lap_query_ms={result['lap_query_ms']:.1f}"]
