"""Advisory locks: concurrent runs take turns on a session or on the schema."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def advisory_lock(conn, name: str):
    """Hold a PostgreSQL session-level advisory lock: concurrent runs take turns on ``name``."""
    cursor = conn.cursor()
    cursor.execute("select pg_advisory_lock(hashtextextended($1, 0))", parameters=(name,))
    conn.commit()
    try:
        yield
    finally:
        cursor.execute("select pg_advisory_unlock(hashtextextended($1, 0))", parameters=(name,))
        conn.commit()
