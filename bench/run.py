"""The benchmark's sequence: every measurement on the same synthetic season and server."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg

from bench.growth import SIZES, GrowthSpec
from bench.growth import params as growth_params
from bench.machine import describe, load_average
from bench.measure import run_worker
from bench.row_layout import use_row_layout
from bench.season import SeasonSpec
from bench.server import Server, bench_server, prepare

DATABASES = (
    "loader",
    "copy_binary",
    "copy_csv",
    "psycopg",
    "to_sql",
    "orm",
    "small",
    *(f"growth_{size}" for size in SIZES),
)
ROW_LAYOUT = ("psycopg", "to_sql", "orm")  # methods that send a row per sample (bench/row_layout)


@dataclass(frozen=True)
class Plan:
    season: SeasonSpec
    small: int  # sessions of the second, smaller backfill (peak memory comparison)
    csv_sessions: int  # the CSV ceiling runs on the first sessions only (binary on all)
    nothing_new_rounds: int  # rounds of the old and the new way of a run with nothing new
    psycopg_sessions: int
    to_sql_rows: int
    orm_rows: int
    orm_runs: int  # the ORM is slow and noisy: the median of several runs
    growth: GrowthSpec


@dataclass
class Results:
    plan: Plan
    machine: dict[str, str] = field(default_factory=dict)
    load: dict = field(default_factory=dict)  # methods 1 and 2 (season worker)
    small: dict = field(default_factory=dict)
    psycopg: dict = field(default_factory=dict)
    to_sql: dict = field(default_factory=dict)
    orm: dict = field(default_factory=dict)
    full: dict = field(default_factory=dict)
    growth: dict = field(default_factory=dict)  # one more session with ~100 and ~1,000 loaded
    telemetry: dict = field(default_factory=dict)  # disk per sample, one-lap query
    nothing_new: dict = field(default_factory=dict)  # old vs new fixed cost, nothing to load
    copy_note: str | None = None
    load_average: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run(plan: Plan) -> Results:
    results, start = Results(plan), time.perf_counter()
    spec = plan.season
    season = spec.build()
    with bench_server() as server, tempfile.TemporaryDirectory() as dbt_dir:
        urls = {name: server.create_database(f"f1_bench_{name}") for name in DATABASES}
        for name, url in urls.items():
            if not name.startswith("growth_"):  # those get the growth's own seasons
                prepare(url, season)
        for name in ROW_LAYOUT:
            use_row_layout(urls[name])
        results.machine = describe(urls["loader"])
        results.load_average.append(load_average())
        copy_urls, results.copy_note = _ceiling_targets(server, urls)
        results.load = run_worker(
            "season",
            {
                "season": spec.params(),
                "first": 0,
                "last": spec.sessions,
                "loader_url": urls["loader"],
                "copy_urls": copy_urls,
                "copy_sessions": {"binary": spec.sessions, "csv": plan.csv_sessions},
                "scratch": str(server.scratch),
            },
        )
        results.small = _backfill(spec, urls["small"], 0, plan.small)
        base = {"season": spec.params()}
        last = min(plan.psycopg_sessions, spec.sessions)
        results.psycopg = run_worker(
            "psycopg", {**base, "first": 0, "last": last, "url": urls["psycopg"]}
        )
        results.to_sql = run_worker(
            "to_sql", {**base, "url": urls["to_sql"], "rows": plan.to_sql_rows}
        )
        results.orm = run_worker(
            "orm", {**base, "url": urls["orm"], "rows": plan.orm_rows, "runs": plan.orm_runs}
        )
        dbt = {"url": urls["loader"], "target_dir": dbt_dir}
        results.full = run_worker("dbt", dbt)
        results.growth = _growth(plan.growth, urls, dbt_dir)
        results.telemetry = run_worker("telemetry", {"url": urls["loader"]})
        results.nothing_new = run_worker("nothing_new", {**dbt, "rounds": plan.nothing_new_rounds})
        results.load_average.append(load_average())
        if not server.embedded:
            for name in DATABASES:
                server.drop_database(f"f1_bench_{name}")
    results.seconds = time.perf_counter() - start
    return results


def _growth(growth: GrowthSpec, urls: dict[str, str], dbt_dir: str) -> dict:
    return run_worker(
        "growth",
        {
            "growth": growth_params(growth),
            "urls": {size: urls[f"growth_{size}"] for size in SIZES},
            "target_dir": str(Path(dbt_dir) / "growth"),
        },
    )


def _backfill(spec: SeasonSpec, url: str, first: int, last: int) -> dict:
    """The loader alone over sessions [first, last)."""
    params = {"season": spec.params(), "first": first, "last": last, "loader_url": url}
    return run_worker("season", {**params, "copy_urls": {}, "copy_sessions": {}, "scratch": ""})


def _ceiling_targets(server: Server, urls: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The ceiling needs the server to read and write files here (superuser or the
    pg_read/write_server_files roles, and the same machine)."""
    probe = server.scratch / "probe"
    try:
        with pg.connect(urls["loader"], autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f"copy (select 1) to '{probe}'")
            cur.execute("create temporary table probe (x int)")
            cur.execute(f"copy probe from '{probe}'")
    except pg.Error as exc:
        return {}, f"server-side COPY is not possible on this server: {str(exc).splitlines()[0]}"
    return {"binary": urls["copy_binary"], "csv": urls["copy_csv"]}, None
