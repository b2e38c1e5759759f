"""Test databases on the embedded server: made fresh, dropped, and read back row by row."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import adbc_driver_postgresql.dbapi as pg
import pyarrow as pa

# The loads' partitions of a telemetry table (the leaves under its hash buckets), by name.
LOAD_PARTITIONS = (
    "select c.relname::text, pg_get_expr(c.relpartbound, c.oid) "
    "from pg_partition_tree($1::regclass) as tree join pg_class as c on c.oid = tree.relid "
    "where tree.isleaf order by 1"
)


def create_database(pg_server, prefix: str = "t") -> str:
    """A fresh, empty database on the test server; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with pg.connect(pg_server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    return pg_server.get_uri(database=name)


def drop_database(pg_server, url: str) -> None:
    """Housekeeping only: the whole server is deleted at the end of the run anyway."""
    name = urlsplit(url).path.lstrip("/")
    for attempt in range(3):
        try:
            with pg.connect(pg_server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
                cur.execute(f'drop database if exists "{name}" with (force)')
            return
        except pg.OperationalError:
            time.sleep(1 + attempt)


@contextmanager
def module_database(pg_server) -> Iterator[str]:
    """A fresh database on the test server, for fixtures wider than one test."""
    url = create_database(pg_server, prefix="m")
    try:
        yield url
    finally:
        drop_database(pg_server, url)


def query(url: str, sql: str, *params) -> list[tuple]:
    with pg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, parameters=params or None)
        return cur.fetchall()


def scalar(url: str, sql: str, *params):
    return query(url, sql, *params)[0][0]


def arrow(url: str, sql: str, *params) -> pa.Table:
    """A query's rows as an Arrow table (for Polars: ``pl.from_arrow``; it reads no intervals)."""
    with pg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, parameters=params or None)
        return cur.fetch_arrow_table()
