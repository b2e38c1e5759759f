"""DDL for the append-only `raw` schema, generated from the dataset specs in `flows.datasets`."""

from __future__ import annotations

import polars as pl

from flows.datasets import EVENTS_SCHEMA, LINEAGE, SESSION_DATASETS, SESSIONS_SCHEMA

SCHEMA = "raw"
MANIFEST = "load_manifest"

# One row per (load, dataset): what a load attempt found and wrote.
MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "load_id": pl.String,
    "season": pl.Int16,
    "event_id": pl.String,
    "session_id": pl.String,
    "dataset": pl.String,
    "status": pl.String,  # loaded | unavailable | failed
    "complete": pl.Boolean,  # the session's results are final: later runs skip it
    "row_count": pl.Int64,
    "detail": pl.String,
    "fastf1_version": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
}

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
    """The PostgreSQL type that ADBC's COPY writes for ``dtype``."""
    try:
        return _PG_TYPES[dtype]
    except KeyError:
        raise TypeError(f"no raw column type for {dtype}") from None


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
    tables = {
        "events": {"_load_id": pl.String, "_loaded_at": LINEAGE["_loaded_at"], **EVENTS_SCHEMA},
        "sessions": {"_load_id": pl.String, "_loaded_at": LINEAGE["_loaded_at"], **SESSIONS_SCHEMA},
        MANIFEST: MANIFEST_SCHEMA,
    }
    for dataset in SESSION_DATASETS:
        tables[dataset.name] = {**LINEAGE, **dataset.schema}
    return tables


def ddl_statements() -> list[str]:
    """Idempotent statements that create the raw schema, its tables and their lineage indexes."""
    statements = [f"create schema if not exists {SCHEMA}"]
    for table, schema in raw_table_schemas().items():
        statements.append(create_table_sql(table, schema))
        statements.extend(add_columns_sql(table, schema))
    statements.append(
        f"create index if not exists load_manifest_session_idx "
        f"on {SCHEMA}.{MANIFEST} (session_id, dataset, finished_at)"
    )
    for dataset in SESSION_DATASETS:
        statements.append(
            f"create index if not exists {dataset.name}_load_idx "
            f"on {SCHEMA}.{quote_ident(dataset.name)} (session_id, _load_id)"
        )
    return statements
