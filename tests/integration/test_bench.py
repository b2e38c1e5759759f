"""`make bench` at tiny scale: every measurement runs and the report and ratio lines come out.

Timings are not checked (they mean nothing at this size); the harness is.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import pytest

from flows.config import PROJECT_DIR
from tests.integration.database import query

pytestmark = pytest.mark.integration

RATIOS = (
    "loader_vs_copy",
    "loader_vs_orm",
    "dbt_growth",
    "load_growth",
    "nothing_new_vs_full_build",
)
TELEMETRY = ("bytes_per_sample", "lap_query_ms")
TINY = [
    *("--scale", "2", "--small", "1", "--drivers", "2", "--minutes", "2"),
    *("--csv-sessions", "1", "--psycopg-sessions", "1", "--to-sql-rows", "200"),
    *("--orm-rows", "100", "--orm-runs", "2", "--nothing-new-rounds", "1"),
    *("--growth-small", "2", "--growth-large", "4", "--growth-rounds", "1"),
    *("--growth-load-rounds", "1"),
]


def test_bench_runs_every_measurement_and_reports_the_ratios(pg_server, tmp_path):
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "DATABASE_URL": pg_server.get_uri()}  # the suite's server
    run = subprocess.run(
        [sys.executable, "-m", "bench", *TINY, "--out", str(out)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]

    last = run.stdout.strip().splitlines()[-len(RATIOS + TELEMETRY) :]
    assert [line.split("=")[0] for line in last] == list(RATIOS + TELEMETRY)
    for line in last:
        value = float(line.split("=")[1])
        assert math.isfinite(value) and value > 0, line

    report = out.read_text()
    for method in (
        "project loader",
        "server-side COPY FROM file FREEZE, binary, 2 parallel streams",
        "server-side COPY FROM file FREEZE, csv, 2 parallel streams",
        "psycopg COPY FROM STDIN",
        "pandas to_sql",
        "SQLAlchemy ORM bulk_save_objects",
    ):
        assert re.search(rf"^\| {re.escape(method)}.*\| [\d,]+ \|", report, re.M), method
    memory = report.split("## Peak memory")[1].split("##")[0]
    assert re.findall(r"^\| (\d+) \| ([\d,]+) \|", memory, re.M) == [("1", "1,440"), ("2", "2,880")]
    assert "full, 2 sessions" in report
    growth = report.split("## As history grows")[1].split("##")[0]
    rows = r"^\| (\d+) \| [\d.]+ \| [\d.]+, [\d.]+ \| [\d.]+ \| [\d.]+ \|$"  # 2 loads, 1 build
    assert re.findall(rows, growth, re.M) == [
        "2",
        "4",
    ]
    nothing_new = report.split("## A run with nothing new")[1].split("##")[0]
    assert re.search(r"^\| old: full `dbt build` \| [\d.]+ \| [\d.]+ \|$", nothing_new, re.M)
    assert re.search(r"^\| new: status models only.* \| [\d.]+ \| [\d.]+ \|$", nothing_new, re.M)
    for line in last:
        assert f"`{line}`" in report
    # its databases are gone from the server it was given
    assert (
        query(
            pg_server.get_uri(), "select datname from pg_database where datname like 'f1_bench_%'"
        )
        == []
    )
