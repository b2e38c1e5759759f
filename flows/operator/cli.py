"""Command line behind the Makefile: `python -m flows.operator.cli backfill --year 2018`, `db-url`.

Bad input and unreachable services end with one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

from flows.config import DBT_PROJECT_DIR, get_settings
from flows.load.connection import connect, database_url
from flows.load.embedded import psql_path, stop_embedded
from flows.operator.logs import configure_logging
from flows.secrets import redact

log = logging.getLogger("flows.operator.cli")

FIRST_SEASON = 1950
FIRST_TIMING_SEASON = 2018


class UsageError(ValueError):
    """Bad command-line input."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
        configure_logging(settings)
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line, no traceback (LOG_LEVEL=DEBUG shows it)
        log.debug("failed", exc_info=True)
        message = redact(str(exc)).strip().splitlines()
        print(f"error: {message[0] if message else type(exc).__name__}", file=sys.stderr)
        return 1


def run_backfill(args: argparse.Namespace) -> int:
    year = parse_year(args.year)
    events, sessions = _split(args.events), _split(args.sessions)
    _check_database()
    check_schedule(year, events, sessions)
    if year < FIRST_TIMING_SEASON:
        log.warning(
            "%s: F1 timing data exists from %s on; loading what FastF1 has "
            "(schedule and results), the rest is reported unavailable",
            year,
            FIRST_TIMING_SEASON,
        )
    from flows.backfill import backfill
    from flows.outcome import summary_of

    state = backfill(
        year=year, events=events, sessions=sessions, force=args.force, return_state=True
    )
    summary = summary_of(state)
    summary.print(as_json=get_settings().log_format == "json")
    return 1 if summary.failed else 0


def check_schedule(year: int, events: list[str] | None, sessions: list[str] | None) -> None:
    """Bad event or session names, or no schedule at all, stop here with one line."""
    from flows.extract.cache import configure_fastf1
    from flows.extract.schedule import fetch_schedule, schedule_frames, session_refs
    from flows.selection import select_sessions

    settings = get_settings()
    configure_fastf1(settings)
    where = "in the FastF1 cache (FASTF1_OFFLINE=1)" if settings.fastf1_offline else "from FastF1"
    try:
        refs = session_refs(*schedule_frames(fetch_schedule(year), year))
    except Exception as exc:  # FastF1: "Failed to load any schedule data."
        raise UsageError(f"no schedule for {year} {where}: {exc}") from None
    if not refs:
        raise UsageError(f"no events for {year} {where}")
    select_sessions(refs, events, sessions)


def run_sync(args: argparse.Namespace) -> int:
    year = parse_year(args.year) if args.year else None
    as_of = parse_as_of(args.as_of) if args.as_of else None
    _check_database()
    check_sync_schedule(year or (as_of or datetime.now(UTC)).year, args.skip_schedule)
    if as_of is not None:
        from flows.transform.clock import check_as_of

        check_as_of(database_url(), as_of)  # before anything is written (and before Prefect)
    from flows.outcome import summary_of
    from flows.sync import sync

    state = sync(
        year=year,
        skip_schedule=args.skip_schedule,
        skip_results=args.skip_results,
        as_of=as_of,
        return_state=True,
    )
    summary = summary_of(state)
    summary.print(as_json=get_settings().log_format == "json")
    return 1 if summary.failed else 0


def check_sync_schedule(year: int, stored: bool) -> None:
    """No schedule to sync against (none from FastF1, or none stored) stops here with one line."""
    if not stored:
        check_schedule(year, None, None)
        return
    from flows.load.raw_tables import SCHEMA
    from flows.load.schedule_store import stored_schedule

    with connect(database_url()) as conn:
        cursor = conn.cursor()
        cursor.execute(f"select to_regclass('{SCHEMA}.sessions') is not null")
        has_table = cursor.fetchone()[0]
        sessions = stored_schedule(cursor, year)[1] if has_table else None
    if sessions is None or sessions.height == 0:
        raise UsageError(
            f"no schedule stored for {year}: run `make sync` once without SKIP_SCHEDULE"
        )


def parse_as_of(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"AS_OF must be an ISO timestamp like 2018-04-29T12:40:00Z, not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_database() -> None:
    """Fail fast, before a flow starts, when the database cannot be reached."""
    with connect(database_url()) as conn:
        conn.cursor().execute("select 1")


def run_docs(args: argparse.Namespace) -> int:
    """Generate the dbt docs site (a static single file too) and optionally serve it."""
    from flows.transform.dbt import run_dbt

    url = database_url()
    run_dbt(url, "docs", "generate", "--static")
    print(f"docs written to {DBT_PROJECT_DIR / 'target' / 'static_index.html'}", file=sys.stderr)
    if args.serve:
        print(f"serving on http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr)
        run_dbt(url, "docs", "serve", "--host", args.host, "--port", str(args.port), "--no-browser")
    return 0


def run_db_url(args: argparse.Namespace) -> int:
    """The active URL, its password hidden unless asked for (`make db-url SHOW_PASSWORD=1`)."""
    url = database_url()
    print(url if args.show_password else redact(url))
    return 0


def run_psql(args: argparse.Namespace) -> int:
    os.execv(psql_path(), [psql_path(), database_url()])


def run_db_stop(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.database_url is not None:
        raise UsageError("DATABASE_URL is set: the embedded server is not in use")
    stopped = stop_embedded(settings.embedded_pgdata)
    print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
    return 0


def parse_year(text: str) -> int:
    latest = datetime.now(UTC).year + 1
    try:
        year = int(text)
    except (TypeError, ValueError):
        raise UsageError(f"YEAR must be a season like 2018, not {text!r}") from None
    if not FIRST_SEASON <= year <= latest:
        raise UsageError(f"YEAR must be between {FIRST_SEASON} and {latest}, not {year}")
    return year


def _split(text: str | None) -> list[str] | None:
    items = [part.strip() for part in (text or "").split(",") if part.strip()]
    return items or None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flows.operator.cli", description=__doc__)
    commands = parser.add_subparsers(required=True)
    backfill = commands.add_parser("backfill", help="load a season and build staged")
    backfill.add_argument("--year", required=True, help="season, e.g. 2018")
    backfill.add_argument("--events", help="comma-separated rounds or event names")
    backfill.add_argument("--sessions", help="comma-separated session types (FP1 Q R ...)")
    backfill.add_argument("--force", action="store_true", help="reload complete sessions")
    backfill.set_defaults(run=run_backfill)
    sync = commands.add_parser("sync", help="refresh the schedule, poll results, statuses")
    sync.add_argument("--year", help="season (default: the current one)")
    sync.add_argument("--as-of", help="fix 'now', e.g. 2018-04-29T12:40:00Z (replays a weekend)")
    sync.add_argument("--skip-schedule", action="store_true", help="use the stored schedule")
    sync.add_argument("--skip-results", action="store_true", help="do not poll results")
    sync.set_defaults(run=run_sync)
    docs = commands.add_parser("docs", help="build (and serve) the dbt docs site")
    docs.add_argument("--serve", action="store_true", help="serve it after building")
    docs.add_argument("--host", default="127.0.0.1")
    docs.add_argument("--port", type=int, default=8080)
    docs.set_defaults(run=run_docs)
    db_url = commands.add_parser("db-url", help="print the active database URL (password hidden)")
    db_url.add_argument("--show-password", action="store_true", help="print it with the password")
    db_url.set_defaults(run=run_db_url)
    commands.add_parser("psql", help="open psql on the active database").set_defaults(run=run_psql)
    stop = commands.add_parser("db-stop", help="stop the embedded PostgreSQL")
    stop.set_defaults(run=run_db_stop)
    prune = commands.add_parser("prune", help="drop superseded telemetry loads")
    prune.add_argument("--keep", type=int, default=2, help="loads kept per session (default 2)")
    prune.set_defaults(run=run_prune)
    return parser


def run_prune(args: argparse.Namespace) -> int:
    from flows.load.retention import prune_telemetry

    with connect(database_url()) as conn:
        dropped = prune_telemetry(conn, keep=args.keep)
    print(", ".join(f"{table}: {n} superseded loads dropped" for table, n in dropped.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
