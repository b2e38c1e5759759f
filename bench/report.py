"""The results as a Markdown report (bench/RESULTS.md) and the machine-readable ratio lines."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.run import Results
from bench.telemetry import TARGETS as TELEMETRY_TARGETS
from bench.telemetry import figure_lines as telemetry_lines
from flows.load.partition_copy import STREAMS

TARGETS = {
    "loader_vs_copy": ">= 0.85",
    "loader_vs_orm": ">= 50",
    "dbt_growth": "<= 1.2",
    "load_growth": "<= 1.2",
    "nothing_new_vs_full_build": "<= 0.50",
}
TARGETS |= TELEMETRY_TARGETS


def rate(result: dict) -> float:
    return result["rows"] / result["seconds"] if result.get("seconds") else float("nan")


def ceiling(results: Results) -> tuple[str, dict] | None:
    """The faster of the server-side COPY formats (rows per second)."""
    copies = {fmt: r for fmt, r in results.load["copy"].items() if r["rows"]}
    if not copies:
        return None
    return max(copies.items(), key=lambda item: rate(item[1]))


def ratios(results: Results) -> dict[str, float]:
    loader = rate(results.load["loader"])
    best = ceiling(results)
    return {
        "loader_vs_copy": loader / rate(best[1]) if best else float("nan"),
        "loader_vs_orm": loader / rate(results.orm),
        "dbt_growth": _growth(results.growth, "dbt_seconds"),
        "load_growth": _growth(results.growth, "load_seconds"),
        "nothing_new_vs_full_build": results.nothing_new["new_seconds"]
        / results.nothing_new["old_seconds"],
    }


def _growth(growth: dict, key: str) -> float:
    return growth[key]["large"] / growth[key]["small"]


def ratio_lines(results: Results) -> list[str]:
    lines = [f"{name}={value:.3f}" for name, value in ratios(results).items()]
    return lines + telemetry_lines(results.telemetry)


def render(results: Results, command: str) -> str:
    spec = results.plan.season
    sessions = results.load["sessions"]
    rows = sum(s["rows"] for s in sessions)
    lines = [
        "# Benchmark: loading and transforming a season",
        "",
        f"`{command}`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{results.seconds / 60:.1f} minutes in all.",
        "",
        f"Synthetic season (tests/synthetic.py): {spec.sessions} sessions of conventional "
        f"weekends, {spec.drivers} drivers, car data and positions at 4 Hz: {rows:,} telemetry "
        "rows.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in results.machine.items()],
        f"- load average (1/5/15 min) at start: {results.load_average[0]}, "
        f"at end: {results.load_average[-1]}",
        "",
        "## Loading telemetry: frame in memory -> committed rows in raw",
        "",
        "| method | data | seconds | rows/s | loader is x faster | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|",
        *_method_rows(results),
        "",
        "Peak RSS is the client process's (each method runs in a process of its own and builds "
        "the season's frames there); server-side COPY uses the server's memory only.",
        "",
        "## Peak memory of a backfill: one session in memory at a time",
        "",
        "| sessions | telemetry rows | peak RSS (MiB) |",
        "|---:|---:|---:|",
        _rss_row(results.small),
        _rss_row(results.load),
        "",
        "## dbt build (the whole project)",
        "",
        "| build | seconds | slowest nodes (seconds) |",
        "|---|---:|---|",
        _dbt_row(f"full, {spec.sessions} sessions", results.full),
        "",
        "## As history grows: one more session with ~100 and ~1,000 in the database",
        "",
        "| sessions already loaded | load of one more (s, median) | rounds | dbt build after it "
        "(s, median) | rounds |",
        "|---:|---:|---|---:|---|",
        *_growth_rows(results.growth),
        "",
        "## A run with nothing new: the fixed cost of dbt",
        "",
        "| way | seconds (median) | rounds (seconds) |",
        "|---|---:|---|",
        _nothing_new_row("old: full `dbt build`", results.nothing_new, "old"),
        _nothing_new_row(
            "new: status models only, then `dbt source freshness`", results.nothing_new, "new"
        ),
        "",
        "## Ratios (targets in brackets)",
        "",
        *[f"- `{line}` ({TARGETS[line.split('=')[0]]})" for line in ratio_lines(results)],
        "",
        "## How it is measured",
        "",
        *_method_notes(results),
        "",
    ]
    return "\n".join(lines)


def _method_rows(results: Results) -> list[str]:
    plan = results.plan
    loader = rate(results.load["loader"])
    count = len(results.load["sessions"])
    entries = [
        (
            f"project loader: binary COPY FREEZE (NumPy, psycopg), {STREAMS} parallel streams "
            "(one per table), a fresh partition per table and load",
            f"{count} sessions",
            results.load["loader"],
            results.load["peak_rss_mib"],
        ),
    ]
    for fmt, copy in results.load["copy"].items():
        if copy["rows"]:
            sessions = count if fmt == "binary" else min(plan.csv_sessions, count)
            entries.append(
                (
                    f"server-side COPY FROM file FREEZE, {fmt}, {STREAMS} parallel streams",
                    f"first {sessions} sessions",
                    copy,
                    None,
                )
            )
    entries += [
        (
            "psycopg COPY FROM STDIN (CSV written by Polars)",
            f"first {min(plan.psycopg_sessions, count)} sessions",
            results.psycopg,
            results.psycopg["peak_rss_mib"],
        ),
        (
            "pandas to_sql (SQLAlchemy, psycopg2)",
            "rows of session 1",
            results.to_sql,
            results.to_sql["peak_rss_mib"],
        ),
        (
            "SQLAlchemy ORM bulk_save_objects (psycopg2), median of "
            f"{len(results.orm['rounds'])} runs",
            "rows of session 1",
            results.orm,
            results.orm["peak_rss_mib"],
        ),
    ]
    return [
        f"| {name} | {data}: {r['rows']:,} rows | {r['seconds']:.2f} | {rate(r):,.0f} "
        f"| {loader / rate(r):.2f} | {'server' if rss is None else f'{rss:.0f}'} |"
        for name, data, r, rss in entries
    ]


def _rss_row(result: dict) -> str:
    rows = sum(s["rows"] for s in result["sessions"])
    return f"| {len(result['sessions'])} | {rows:,} | {result['peak_rss_mib']:.0f} |"


def _dbt_row(label: str, result: dict) -> str:
    nodes = ", ".join(f"{name} {seconds}" for name, seconds in result["nodes"][:5])
    return f"| {label} | {result['seconds']:.1f} | {nodes} |"


def _growth_rows(growth: dict) -> list[str]:
    def rounds(values: list[float], digits: int) -> str:
        return ", ".join(f"{value:.{digits}f}" for value in values)

    return [
        f"| {growth['counts'][size]:,} | {growth['load_seconds'][size]:.3f} "
        f"| {rounds(growth['load_rounds'][size], 3)} | {growth['dbt_seconds'][size]:.1f} "
        f"| {rounds(growth['dbt_rounds'][size], 1)} |"
        for size in ("small", "large")
    ]


def _nothing_new_row(label: str, result: dict, way: str) -> str:
    rounds = ", ".join(f"{seconds:.1f}" for seconds in result[f"{way}_rounds"])
    return f"| {label} | {result[f'{way}_seconds']:.1f} | {rounds} |"


def _method_notes(results: Results) -> list[str]:
    growth = results.plan.growth
    notes = [
        "- Every method loads the same synthetic frames into its own database on the same "
        "server, built with the project's DDL; only the loading is timed (making the frames is "
        "not). rows/s counts telemetry rows (car data and positions).",
        "- `loader_vs_copy`: the loader's rows/s over the faster server-side COPY format's; "
        "`loader_vs_orm`: over the ORM's (the median of its runs); `dbt_growth` and "
        "`load_growth`: the median with ~1,000 sessions in the database over the median with "
        "~100; `nothing_new_vs_full_build`: the new way's median seconds over the old way's.",
        "- The loader and the ceiling run interleaved, session by session: the loader writes a "
        "session (all datasets and the manifest in one transaction, the time counted against "
        "its telemetry rows only), the rows it wrote are exported to files, table by table "
        "(not timed), and the server loads them back with COPY FROM the file the way the "
        f"loader writes them: telemetry in {STREAMS} parallel streams, one per table, each on "
        "a connection of its own (kept across sessions, as the loader keeps its own) into a "
        "fresh partition created in its stream's transaction (so COPY FREEZE) and committed "
        "unattached, without waiting for the disk (the session's commit flushes it); "
        "meanwhile the session's transaction copies the other datasets' rows and "
        "the manifest rows into their tables, then attaches the partitions: the fair ceiling. "
        "The loader's time includes what the ceiling's does not: encoding the frames into "
        "arrays and the COPY format, on the cores the server uses when both run on one "
        "machine.",
        "- psycopg COPY, pandas to_sql and the ORM send a row per sample, so their databases "
        "have the earlier row-per-sample telemetry tables (bench/row_layout.py): psycopg COPY "
        "into a fresh partition with FREEZE, pandas to_sql and the ORM into the raw tables "
        "(their load's partition made beforehand, not timed). The loader and the ceiling write "
        "the compact layout (arrays per driver per minute); rows/s counts samples throughout. "
        "The ORM runs several times into the same emptied partitions (emptied untimed); its "
        "figure is the median.",
        "- `bytes_per_sample`: every relation holding telemetry in the loader's database after "
        "the builds (raw partitions with heap, TOAST and indexes; the staged telemetry models "
        "are views) over its samples; `lap_query_ms`: the median of 21 one-lap queries (both "
        "streams, `staged.lap_car_data` and `staged.lap_position_data`) on random laps.",
        "- dbt: `dbt build` of every model and test, after an untimed `dbt parse`.",
        f"- As history grows (bench/growth.py): two databases are filled through the project's "
        f"loader with the first {growth.small:,} and {growth.large:,} sessions of a synthetic "
        "history of seasons of 24 conventional weekends (small sessions: "
        f"{growth.drivers} drivers, {growth.minutes:g} minute of telemetry each), each built "
        f"once (untimed); then, in {growth.rounds} rounds, each database in turn (which goes "
        "first alternates) loads one more "
        "session (timed: opening the connection and `write_session`, as a flow's session task "
        "does) and runs the `dbt build` after it (timed: the project's build, each database in "
        f"a dbt target of its own); then, in {growth.load_rounds} more rounds, each loads one "
        "more session, with no build (one load takes some 25 ms: its median needs more "
        "rounds). Each figure is the median of its rounds.",
        "- A run with nothing new (bench/nothing_new.py), on the same database once everything "
        "is built: the old way is a full `dbt build` with the run's moment as `--vars as_of` "
        "(what every run did: a new value each run, so dbt parsed the whole project again), the "
        "new way what "
        "`sync` and `backfill` do now when raw.load_manifest has no new rows since the last full "
        "build: the models tagged `status` and their tests, then `dbt source freshness`. The two "
        "alternate, in one process, each in a dbt target of its own after an untimed `dbt parse`; "
        "each figure is the median. "
        "Prefect's temporary API (10-25 s a command) is not counted: a long-running server "
        "(`PREFECT_API_URL`) removes it.",
    ]
    if results.copy_note:
        notes.append(f"- No ceiling: {results.copy_note}.")
    return notes
