"""``python -m bench [--scale N]``: run the benchmark, write bench/RESULTS.md, print the ratios.

The last seven lines printed are machine-readable: loader_vs_copy, loader_vs_orm, dbt_growth,
load_growth, nothing_new_vs_full_build, bytes_per_sample and lap_query_ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.growth import GrowthSpec
from bench.report import ratio_lines, render
from bench.run import Plan, run
from bench.season import SeasonSpec

DEFAULT_SCALE = 30  # sessions: six race weekends, 20.7 million telemetry rows
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="sessions in the season")
    parser.add_argument("--small", type=int, default=5, help="sessions of the memory comparison")
    parser.add_argument("--drivers", type=int, default=20)
    parser.add_argument("--minutes", type=float, help="every session's length (default: real)")
    parser.add_argument("--csv-sessions", type=int, default=2)
    parser.add_argument("--psycopg-sessions", type=int, default=2)
    parser.add_argument("--to-sql-rows", type=int, default=100_000)
    parser.add_argument("--orm-rows", type=int, default=20_000)
    parser.add_argument("--orm-runs", type=int, default=3, help="the ORM's median of so many")
    parser.add_argument("--growth-small", type=int, default=100, help="sessions: the baseline")
    parser.add_argument("--growth-large", type=int, default=1_000, help="sessions: the history")
    parser.add_argument("--growth-rounds", type=int, default=3)
    parser.add_argument("--growth-load-rounds", type=int, default=17, help="loads without builds")
    parser.add_argument("--nothing-new-rounds", type=int, default=3, help="old/new alternations")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the report")
    parser.add_argument("--command", default=None, help="the command line the report names")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    plan = Plan(
        season=SeasonSpec(args.scale, args.drivers, args.minutes),
        small=min(args.small, args.scale),
        csv_sessions=args.csv_sessions,
        psycopg_sessions=args.psycopg_sessions,
        to_sql_rows=args.to_sql_rows,
        orm_rows=args.orm_rows,
        orm_runs=args.orm_runs,
        growth=GrowthSpec(
            args.growth_small, args.growth_large, args.growth_rounds, args.growth_load_rounds
        ),
        nothing_new_rounds=args.nothing_new_rounds,
    )
    print(f"bench: {args.scale} sessions, every method on the same server...", flush=True)
    results = run(plan)
    report = render(results, args.command or f"python -m bench {' '.join(argv or sys.argv[1:])}")
    args.out.write_text(report)
    print(report)
    print(f"written to {args.out}")
    for line in ratio_lines(results):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
