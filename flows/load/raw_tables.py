"""DDL for the append-only `raw` schema, generated from the dataset specs in `flows.datasets`.

Telemetry (car_data, position_data: nearly all the rows) is stored compactly, as arrays per
driver per minute (see `flows.load.telemetry_layout`), a partition per load: each load's rows
are one table, which the loader fills and attaches in the load's transaction (see
`flows.load.partition_copy`). A superseded load can then go with `drop table`, not a `delete`.
Two levels: `raw.<table>` is hash-partitioned by `_load_id` into ``BUCKETS`` tables, each
list-partitioned by `_load_id`, one partition per load. Attaching a partition reads the bounds
of its parent's partitions, so a bucket's few keep that cost flat as the loads grow (9 ms a
table with 1,000 loads in one list against 1 ms with 100).
Tables of the earlier row-per-sample layout are converted by the DDL run (``migrate_statements``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import polars as pl

from flows.datasets import EVENTS_SCHEMA, LINEAGE, SESSION_DATASETS, SESSIONS_SCHEMA
from flows.load.telemetry_layout import (
    TELEMETRY,
    TOAST_TUPLE_TARGET,
    chunk_schema,
    migrate_sql,
)

SCHEMA = "raw"
MANIFEST = "load_manifest"
PARTITIONED = tuple(TELEMETRY)  # a partition per load (the registry's telemetry datasets)
PARTITION_KEY = "_load_id"
BUCKETS = 16  # hash partitions of a telemetry table, each holding its share of the loads
CHUNK_INDEX = "driver_number, session_time_base"  # within a load's partition: a driver's minutes

_PG_TYPES: dict[pl.DataType, str] = {
    pl.String: "text",
    pl.Boolean: "boolean",
    pl.Int16: "smallint",
    pl.Int32: "integer",
    pl.Int64: "bigint",
    pl.Float64: "double precision",
    pl.Date: "date",
    pl.Duration("us"): "interval",
    pl.Datetime("us", "UTC"): "timestamptz",
}


def pg_type(dtype: pl.DataType) -> str:
    """The PostgreSQL type that ADBC's COPY writes for ``dtype`` (a list: an array)."""
    if isinstance(dtype, pl.List):
        return pg_type(dtype.inner) + "[]"
    try:
        return _PG_TYPES[dtype]
    except KeyError:
        raise TypeError(f"no raw column type for {dtype}") from None


def column_type(table: str, dtype: pl.DataType) -> str:
    """The type of a column a newer FastF1 adds to ``raw.<table>`` (telemetry: an array)."""
    return pg_type(pl.List(dtype) if table in TELEMETRY else dtype)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: str, schema: dict[str, pl.DataType]) -> str:
    columns = ",\n  ".join(f"{quote_ident(n)} {pg_type(t)}" for n, t in schema.items())
    return f"create table if not exists {SCHEMA}.{quote_ident(table)} (\n  {columns}\n)"


def add_columns_sql(table: str, schema: dict[str, pl.DataType]) -> list[str]:
    """Columns added to the specs after a table was created appear in it (idempotent)."""
    return [
        f"alter table {SCHEMA}.{quote_ident(table)} "
        f"add column if not exists {quote_ident(name)} {pg_type(dtype)}"
        for name, dtype in schema.items()
    ]


def raw_table_schemas() -> dict[str, dict[str, pl.DataType]]:
    """Every raw table and its columns, lineage first."""
    from flows.load.manifest import MANIFEST_SCHEMA  # ManifestEntry's fields; lazy: a cycle

    tables = {
        "events": {"_load_id": pl.String, "_loaded_at": LINEAGE["_loaded_at"], **EVENTS_SCHEMA},
        "sessions": {"_load_id": pl.String, "_loaded_at": LINEAGE["_loaded_at"], **SESSIONS_SCHEMA},
        MANIFEST: MANIFEST_SCHEMA,
    }
    for dataset in SESSION_DATASETS:
        if dataset.name in TELEMETRY:
            tables[dataset.name] = chunk_schema(dataset)
        else:
            tables[dataset.name] = {**LINEAGE, **dataset.schema}
    return tables


def ddl_statements() -> list[str]:
    """Idempotent statements that create the raw schema, its tables and their lineage indexes.

    Telemetry tables of the earlier row-per-sample layout (plain or partitioned) are converted
    to the compact one in the same run, load by load (see ``migrate_statements``).
    """
    statements = [f"create schema if not exists {SCHEMA}"]
    statements.extend(rename_old_layout_sql(table) for table in PARTITIONED)
    statements.extend(own_partition_indexes_sql(table) for table in PARTITIONED)
    statements.extend(rehash_sql(table) for table in PARTITIONED)
    for table, schema in raw_table_schemas().items():
        create = create_table_sql(table, schema)
        statements.append(create + _partitioning(table))
        if table in PARTITIONED:
            statements.extend(buckets_sql(table))
        statements.extend(add_columns_sql(table, schema))
    statements.append(
        f"create index if not exists load_manifest_session_idx "
        f"on {SCHEMA}.{MANIFEST} (session_id, dataset, finished_at)"
    )
    for dataset in SESSION_DATASETS:
        if dataset.name not in TELEMETRY:  # a telemetry partition has its own (partition_index_sql)
            statements.append(
                f"create index if not exists {dataset.name}_load_idx "
                f"on {SCHEMA}.{quote_ident(dataset.name)} (session_id, _load_id)"
            )
    statements.extend(convert_old_layout_sql(table) for table in PARTITIONED)
    statements.append(drop_orphan_partitions_sql())
    return statements


def old_layout_name(table: str) -> str:
    """Where the DDL run parks a row-per-sample telemetry table while converting it."""
    return f"{table}_rows_v1"


def rename_old_layout_sql(table: str) -> str:
    """Move a row-per-sample ``raw.<table>`` (and its load partitions) out of the way."""
    old = old_layout_name(table)
    return f"""do $$
declare
    part record;
begin
    if exists (
        select from pg_attribute
        where attrelid = to_regclass({literal(f"{SCHEMA}.{table}")})
            and attname = 'sampled_at' and not attisdropped
    ) then
        for part in
            select c.relname from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
            where i.inhparent = {literal(f"{SCHEMA}.{table}")}::regclass
        loop
            execute format(
                'alter table {SCHEMA}.%I rename to %I',
                part.relname, replace(part.relname, {literal(table + "__")}, {literal(old + "__")})
            );
        end loop;
        alter index if exists {SCHEMA}.{table}_load_idx rename to {old}_load_idx;
        alter table {SCHEMA}.{table} rename to {old};
    end if;
end
$$"""


def convert_old_layout_sql(table: str) -> str:
    """Convert a parked row-per-sample table into ``raw.<table>``, one partition per load."""
    old = f"{SCHEMA}.{old_layout_name(table)}"
    insert = migrate_sql(table, old).replace("'", "''")
    return f"""do $$
declare
    old_load record;
    part_name text;
begin
    if to_regclass({literal(old)}) is null then
        return;
    end if;
    for old_load in select distinct _load_id as id from {old} where _load_id is not null loop
        part_name := {literal(table + "__")} || case
            when old_load.id ~* '^[0-9a-f]{{8}}-([0-9a-f]{{4}}-){{3}}[0-9a-f]{{12}}$'
                then lower(replace(old_load.id, '-', ''))
            else md5(old_load.id)
        end;
        execute format(
            'create table {SCHEMA}.%I (like {SCHEMA}.{table} including defaults) '
            'with (toast_tuple_target = {TOAST_TUPLE_TARGET})',
            part_name
        );
        {_attach_plpgsql(table, "part_name", "old_load.id")}
        execute '{insert}' using old_load.id;
        execute format(
            'create index %I on {SCHEMA}.%I ({CHUNK_INDEX})', part_name || '_chunk_idx', part_name
        );
    end loop;
    drop table {old} cascade;
end
$$"""


def _partitioning(table: str) -> str:
    return f" partition by hash ({PARTITION_KEY})" if table in PARTITIONED else ""


def bucket_name(table: str, remainder: int) -> str:
    return f"{table}__b{remainder:02d}"


def buckets_sql(table: str) -> list[str]:
    """The hash partitions of ``raw.<table>``, each list-partitioned by load (idempotent)."""
    return [
        f"create table if not exists {SCHEMA}.{quote_ident(bucket_name(table, r))} "
        f"partition of {SCHEMA}.{quote_ident(table)} "
        f"for values with (modulus {BUCKETS}, remainder {r}) partition by list ({PARTITION_KEY})"
        for r in range(BUCKETS)
    ]


def _attach_plpgsql(table: str, part: str, load_id: str) -> str:
    """A PL/pgSQL statement attaching the table named ``part`` (an expression) as load
    ``load_id`` (an expression) to the bucket of ``raw.<table>`` the load hashes to."""
    return f"""execute format(
        'alter table {SCHEMA}.%I attach partition {SCHEMA}.%I for values in (%L)',
        {literal(table + "__b")} || lpad((
            select remainder::text from generate_series(0, {BUCKETS - 1}) as remainder
            where satisfies_hash_partition(
                {literal(f"{SCHEMA}.{table}")}::regclass, {BUCKETS}, remainder, ({load_id})::text
            )
        ), 2, '0'),
        {part},
        {load_id}
    );"""


def attach_partition_sql(table: str, load_id: str) -> str:
    """Attach the load's table (``partition_name``) to its bucket of ``raw.<table>``."""
    name = literal(partition_name(table, load_id))
    return f"do $$\nbegin\n    {_attach_plpgsql(table, name, literal(load_id))}\nend\n$$"


def rehash_sql(table: str) -> str:
    """Move a ``raw.<table>`` list-partitioned by load (earlier versions: one level) to the
    two levels, keeping every load's partition as it is (detached, then attached to its
    bucket). The staged views over the old table go with it; the next `dbt build` is a full
    one (a stamp in staged.full_builds says so), which makes them again."""
    old = f"{table}_by_load"
    buckets = "\n    ".join(f"execute {literal(statement)};" for statement in buckets_sql(table))
    return f"""do $$
declare
    part record;
begin
    if (select partstrat from pg_partitioned_table
        where partrelid = to_regclass({literal(f"{SCHEMA}.{table}")})) is distinct from 'l' then
        return;
    end if;
    alter table {SCHEMA}.{table} rename to {old};
    create table {SCHEMA}.{table} (like {SCHEMA}.{old} including defaults)
        partition by hash ({PARTITION_KEY});
    {buckets}
    for part in
        select c.relname, replace(
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES IN \(''(.*)''\)$'))[1],
            chr(39) || chr(39), chr(39)
        ) as load_id
        from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
        where i.inhparent = {literal(f"{SCHEMA}.{old}")}::regclass
    loop
        execute format('alter table {SCHEMA}.{old} detach partition {SCHEMA}.%I', part.relname);
        {_attach_plpgsql(table, "part.relname", "part.load_id")}
    end loop;
    drop table {SCHEMA}.{old} cascade;
    if to_regclass('staged.full_builds') is not null then
        insert into staged.full_builds (load_manifest_rows, project_checksum, _recorded_at)
        values (null, 'raw telemetry repartitioned', now());
    end if;
end
$$"""


# A load's partition: "<dataset>__<load id as 32 hex digits>" (at most 47 characters).
_PARTITION_NAME = r"^(" + "|".join(PARTITIONED) + r")__[0-9a-f]{32}$"


def partition_name(table: str, load_id: str) -> str:
    try:
        digits = uuid.UUID(load_id).hex
    except ValueError:
        digits = hashlib.md5(load_id.encode()).hexdigest()
    return f"{table}__{digits}"


def literal(value: str | datetime) -> str:
    """A SQL literal (standard_conforming_strings, the default since PostgreSQL 9.1)."""
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    return "'" + str(value).replace("'", "''") + "'"


def partition_table_sql(
    table: str, load_id: str, columns: list[tuple[str, str]], constants: dict[str, str]
) -> str:
    """A standalone table shaped like ``raw.<table>`` (``columns``: name, SQL type) for one load.

    ``constants`` (literals by column: the lineage) become column defaults, so the loader does
    not send them with every row; a check constraint holds the partition bound, so attaching
    the table needs no validation scan.
    """
    parts = []
    for name, sql_type in columns:
        default = f" default {constants[name]}" if name in constants else ""
        not_null = " not null" if name == PARTITION_KEY else ""
        parts.append(f"{quote_ident(name)} {sql_type}{not_null}{default}")
    parts.append(f"check ({quote_ident(PARTITION_KEY)} = {literal(load_id)})")
    body = ",\n  ".join(parts)
    options = f" with (toast_tuple_target = {TOAST_TUPLE_TARGET})" if table in TELEMETRY else ""
    name = quote_ident(partition_name(table, load_id))
    return f"create table {SCHEMA}.{name} (\n  {body}\n){options}"


def partition_statistics_sql(table: str, load_id: str, columns: list[tuple[str, str]]) -> str:
    """No planner statistics for a telemetry partition's arrays (``columns``: name, SQL type).

    Autovacuum analyzes every new partition once; sampling the arrays means decompressing all
    of them, some 15-25 times the cost of the rest (167-275 ms against 11 ms for a 288k-sample
    partition, here), and no query filters on an array: statistics are kept for the keys.
    """
    arrays = [name for name, sql_type in columns if sql_type.endswith("[]")]
    changes = ", ".join(f"alter column {quote_ident(name)} set statistics 0" for name in arrays)
    return f"alter table {SCHEMA}.{quote_ident(partition_name(table, load_id))} {changes}"


def partition_lock_key(table: str, load_id: str) -> str:
    """The advisory lock a load holds while its partition is not attached yet."""
    return f"{SCHEMA}.{partition_name(table, load_id)}"


def partition_index_sql(table: str, load_id: str) -> str:
    """A telemetry partition's own index, made by its load. Not a partitioned index on the
    parent: attaching a partition would then check every partition's index, a cost that grows
    with the number of loads."""
    name = partition_name(table, load_id)
    return (
        f"create index if not exists {quote_ident(name + '_chunk_idx')} "
        f"on {SCHEMA}.{quote_ident(name)} ({CHUNK_INDEX})"
    )


def own_partition_indexes_sql(table: str) -> str:
    """Replace the partitioned index of an earlier version (``<table>_chunk_idx`` on the parent)
    by an index of each partition's own (idempotent)."""
    return f"""do $$
declare
    part record;
begin
    if to_regclass({literal(f"{SCHEMA}.{table}_chunk_idx")}) is null then
        return;
    end if;
    drop index {SCHEMA}.{table}_chunk_idx;  -- and the partitions' indexes attached to it
    for part in
        select c.relname from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
        where i.inhparent = {literal(f"{SCHEMA}.{table}")}::regclass
    loop
        execute format(
            'create index if not exists %I on {SCHEMA}.%I ({CHUNK_INDEX})',
            part.relname || '_chunk_idx', part.relname
        );
    end loop;
end
$$"""


def drop_orphan_partitions_sql() -> str:
    """Drop load partitions that were never attached (their load failed or was killed).

    A load in progress holds an advisory lock named after its partition until it commits or
    rolls back (see ``partition_lock_key``), so only abandoned partitions are dropped.
    """
    return f"""do $$
declare
    orphan record;
begin
    for orphan in
        select n.nspname || '.' || c.relname as name
        from pg_class as c
        inner join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = {literal(SCHEMA)}
            and c.relkind = 'r'
            and not c.relispartition
            and c.relname ~ {literal(_PARTITION_NAME)}
    loop
        if pg_try_advisory_xact_lock(hashtextextended(orphan.name, 0)) then
            execute format('drop table %s', orphan.name);
        end if;
    end loop;
end
$$"""
