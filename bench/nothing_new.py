"""Method: the fixed cost of a run with nothing new, the old way and the new way, side by side.

Old: what every run did before: `dbt build` of the whole project with the run's moment as
`--vars as_of` (a new value each run, so dbt parsed the whole project again). New: what `sync`
does now when raw has nothing new since the last full build: the status models only (the
moment passed as an environment variable), then `dbt source freshness`.
Both run on the same up-to-date database, alternately, each in a dbt target of its own after
an untimed `dbt parse`; each figure is the median of its rounds.
"""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime
from pathlib import Path

from bench.measure import seconds, use_dbt_target
from flows.transform.dbt import (
    build_staged,
    build_stamp,
    record_full_build,
    run_dbt,
    stale_sources,
)


def run(params: dict) -> dict:
    """params: url, target_dir (dbt's target and log paths), rounds."""
    url = params["url"]
    # Each way keeps its own dbt target (and so its own partial-parse state), as each version
    # of the project would: the old way's --vars must not make the new way parse again.
    old_target, new_target = (Path(params["target_dir"]) / way for way in ("old", "new"))
    for target in (old_target, new_target):
        use_dbt_target(target)
        run_dbt(url, "parse")
    build_staged(url)  # untimed: records the stamp of what is built (staged.full_builds)
    old, new = [], []
    for _ in range(params["rounds"]):
        use_dbt_target(old_target)
        old.append(seconds(lambda: _old_way(url)))
        use_dbt_target(new_target)
        new.append(
            seconds(
                lambda: (
                    build_staged(url, as_of=datetime.now(UTC), changed_only=True),
                    stale_sources(url),
                )
            )
        )
    return {
        "old_seconds": statistics.median(old),
        "new_seconds": statistics.median(new),
        "old_rounds": old,
        "new_rounds": new,
    }


def _old_way(url: str) -> None:
    """The earlier full build with --vars. It still records its stamp (staged.full_builds) as
    the project's builds do, so that the new way finds nothing new, as it would in use."""
    stamp = build_stamp(url)
    run_dbt(url, "build", "--vars", json.dumps({"as_of": datetime.now(UTC).isoformat()}))
    record_full_build(url, stamp)
