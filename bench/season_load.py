"""Methods 1 and 2, interleaved session by session so both see the same machine.

Each session's frames are made (not timed), loaded by the project's loader (``write_session``:
every dataset and the manifest, one transaction), exported, and loaded again by server-side
COPY in each format into databases of their own. Only one session's frames are alive at a time.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench import server_copy
from bench.measure import Stopwatch
from bench.season import SeasonSpec, telemetry_rows
from flows.extract.session import SessionExtract
from flows.load.connection import connect
from flows.load.raw_tables import PARTITIONED
from flows.load.session_load import write_session


def run(params: dict) -> dict:
    """params: season, first, last (session indexes), loader_url, copy_urls ({format: url},
    may be empty), copy_sessions ({format: how many of the sessions it copies}), scratch."""
    season = SeasonSpec.from_params(params["season"]).build()
    loader, rows, sessions = Stopwatch(), 0, []
    copies = {fmt: {"rows": 0, "watch": Stopwatch()} for fmt in params["copy_urls"]}
    with ExitStack() as stack:
        conn = stack.enter_context(connect(params["loader_url"]))
        targets = {
            fmt: stack.enter_context(connect(url)) for fmt, url in params["copy_urls"].items()
        }
        streams = {
            fmt: [stack.enter_context(connect(url)) for _ in PARTITIONED]
            for fmt, url in params["copy_urls"].items()
        }
        for position, index in enumerate(range(params["first"], params["last"])):
            ref, frames = season.refs[index], season.frames(index)
            count = telemetry_rows(frames)
            with loader.timed():
                entries = write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))
            del frames
            rows += count
            sessions.append({"session_id": ref.session_id, "rows": count})
            for fmt, copy in copies.items():
                if position < params["copy_sessions"][fmt]:
                    files = _export(conn, Path(params["scratch"]) / fmt, entries[0].load_id, fmt)
                    with copy["watch"].timed():
                        server_copy.copy_load(
                            targets[fmt], streams[fmt], entries[0].load_id, files, fmt
                        )
                    shutil.rmtree(Path(params["scratch"]) / fmt)
                    copy["rows"] += count
    return {
        "loader": {"rows": rows, "seconds": loader.seconds},
        "copy": {
            fmt: {"rows": copy["rows"], "seconds": copy["watch"].seconds}
            for fmt, copy in copies.items()
        },
        "sessions": sessions,
    }


def _export(conn, directory: Path, load_id: str, fmt: str) -> dict[str, Path]:
    directory.mkdir(exist_ok=True)
    directory.chmod(0o777)
    files = server_copy.export_load(conn.cursor(), load_id, directory, fmt)
    conn.commit()
    return files
