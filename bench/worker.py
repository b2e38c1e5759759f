"""One measurement in its own process: ``python -m bench.worker TASK PARAMS_JSON``.

Prints the task's result as one JSON line, with the process's peak resident memory.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings

from bench import (
    dbt_build,
    growth,
    nothing_new,
    orm,
    pandas_to_sql,
    psycopg_copy,
    season_load,
    telemetry,
)
from bench.measure import peak_rss_mib

TASKS = {
    "season": season_load.run,
    "psycopg": psycopg_copy.run,
    "to_sql": pandas_to_sql.run,
    "orm": orm.run,
    "dbt": dbt_build.run,
    "telemetry": telemetry.run,
    "nothing_new": nothing_new.run,
    "growth": growth.run,
}


def main(argv: list[str]) -> None:
    task, params = argv[0], json.loads(argv[1])
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    result = TASKS[task](params)
    print(json.dumps({**result, "peak_rss_mib": peak_rss_mib()}))


if __name__ == "__main__":
    main(sys.argv[1:])
