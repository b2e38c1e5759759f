"""What the benchmark ran on: hardware, load, software versions and the server's settings."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path

from flows.load.connection import connect

PACKAGES = (
    "polars",
    "pyarrow",
    "adbc-driver-postgresql",
    "psycopg",
    "pandas",
    "sqlalchemy",
    "dbt-core",
)
SETTINGS = (
    "shared_buffers",
    "max_wal_size",
    "wal_level",
    "synchronous_commit",
    "fsync",
    "full_page_writes",
    "work_mem",
)


def describe(url: str) -> dict[str, str]:
    info = {
        "cpu": f"{_cpu_model()}, {os.cpu_count()} cores",
        "memory": _memory(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": ", ".join(f"{name} {version(name)}" for name in PACKAGES),
    }
    with connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute("select current_setting($1)", parameters=("server_version",))
        info["postgresql"] = cursor.fetchone()[0]
        cursor.execute(
            "select name || '=' || current_setting(name) from pg_settings "
            "where name = any($1) order by name",
            parameters=(list(SETTINGS),),
        )
        info["settings"] = ", ".join(row[0] for row in cursor.fetchall())
    return info


def load_average() -> str:
    """1/5/15-minute load averages: other processes competing for the cores."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return "unknown"
