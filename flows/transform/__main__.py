"""`python -m flows.transform ARGS`: any dbt command on the project, with its database.

`make dbt ARGS="debug"` runs this: dbt's own command line, with the connection that
dbt_project/profiles.yml reads (flows.load.connection.dbt_env: the password as a dbt secret).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flows.config import DBT_PROJECT_DIR
from flows.load.connection import database_url
from flows.secrets import redact
from flows.transform.profile import dbt_env


def main(argv: list[str]) -> int:
    try:
        env = dbt_env(database_url())
    except Exception as exc:  # one clear line: the database cannot be named or started
        print(f"error: {redact(str(exc)).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    dbt = Path(sys.executable).with_name("dbt")
    os.environ.update(
        env, DBT_PROJECT_DIR=str(DBT_PROJECT_DIR), DBT_PROFILES_DIR=str(DBT_PROJECT_DIR)
    )
    os.environ.setdefault("DBT_USE_COLORS", "true" if sys.stdout.isatty() else "false")
    os.execv(dbt, [str(dbt), *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
