"""Helpers for the marts tests: dbt on a copy of the project, intervals as microseconds."""

from __future__ import annotations

import shutil
from pathlib import Path

from flows.config import DBT_PROJECT_DIR


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
