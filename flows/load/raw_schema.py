"""Create or extend the raw schema's tables, one process at a time."""

from __future__ import annotations

from flows.load.locks import advisory_lock
from flows.load.raw_tables import ddl_statements


def ensure_raw_tables(conn) -> None:
    """Create or extend the raw tables (one process at a time: concurrent DDL can collide)."""
    with advisory_lock(conn, "f1-ddl"):
        cursor = conn.cursor()
        for statement in ddl_statements():
            cursor.execute(statement)
        conn.commit()
