"""Helpers for the marts tests: a database kept for a whole module, dbt on a copy of the project."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg

from flows.config import DBT_PROJECT_DIR
from tests.integration.conftest import _drop_database


@contextmanager
def module_database(pg_server) -> Iterator[str]:
    """A fresh database on the test server, for fixtures wider than one test."""
    name = f"m_{uuid.uuid4().hex[:12]}"
    with pg.connect(pg_server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    try:
        yield pg_server.get_uri(database=name)
    finally:
        _drop_database(pg_server.get_uri(), name)


def project_copy(destination: Path) -> Path:
    """The dbt project copied (without its build output), to build a variant of a model."""
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages")
    return Path(shutil.copytree(DBT_PROJECT_DIR, destination / "dbt_project", ignore=ignore))


def micros(value) -> int | None:
    """A pandas Timedelta / Timestamp-difference as whole microseconds (None for NaT)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    return int(pd.Timedelta(value) / pd.Timedelta(microseconds=1))


# An interval column as whole microseconds (exact: extract returns numeric).
def micros_sql(column: str) -> str:
    return f"(extract(epoch from {column}) * 1000000)::bigint"
