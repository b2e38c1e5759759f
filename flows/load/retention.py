"""Retention of telemetry: drop the partitions of superseded loads, keeping the latest few.

Each telemetry load is one partition (see `flows.load.raw_tables`), so a superseded load goes
with a `drop table`. Per session and stream, the ``keep`` latest 'loaded' loads by the manifest
(the order the staged views use, so the current load is always kept) stay; older ones go. The
manifest is kept whole: it still records every load, with its row count.
"""

from __future__ import annotations

import logging

from flows.load.connection import connect
from flows.load.raw_tables import PARTITIONED, SCHEMA, partition_name, quote_ident

log = logging.getLogger(__name__)

KEEP = 2

_SUPERSEDED = """
select load_id
from (
    select
        load_id,
        row_number() over (
            partition by session_id order by finished_at desc nulls last, load_id desc
        ) as load_rank
    from raw.load_manifest
    where dataset = $1 and status = 'loaded' and session_id is not null
) as ranked
where load_rank > $2
"""

_ATTACHED = """
select c.relname
from pg_partition_tree($1::regclass) as tree
inner join pg_class as c on c.oid = tree.relid
where tree.isleaf
"""


def prune_telemetry(conn, keep: int = KEEP) -> dict[str, int]:
    """Drop the superseded loads' partitions (each drop its own short transaction)."""
    if keep < 1:
        raise ValueError("keep at least the latest load of each session (keep >= 1)")
    dropped = {}
    cursor = conn.cursor()
    for table in PARTITIONED:
        cursor.execute(_SUPERSEDED, parameters=(table, keep))
        superseded = {partition_name(table, load_id) for (load_id,) in cursor.fetchall()}
        cursor.execute(_ATTACHED, parameters=(f"{SCHEMA}.{quote_ident(table)}",))
        attached = {name for (name,) in cursor.fetchall()}
        conn.commit()
        for name in sorted(superseded & attached):
            cursor.execute(f"drop table {SCHEMA}.{quote_ident(name)}")
            conn.commit()
        dropped[table] = len(superseded & attached)
    return dropped


def prune_by_policy(url: str, keep: int) -> dict[str, int]:
    """The flows' retention step: prune to ``keep`` loads a session (0: keep everything)."""
    if keep == 0:
        return {}
    with connect(url) as conn:
        dropped = prune_telemetry(conn, keep=keep)
    if any(dropped.values()):
        log.info("pruned superseded telemetry loads (keeping %d a session): %s", keep, dropped)
    return dropped
