"""Raw-table DDL generated from the dataset specs: lineage first, ADBC-compatible column types."""

from __future__ import annotations

import re

import polars as pl
import pyarrow as pa
import pytest

from flows import datasets as ds
from flows.load.raw_tables import (
    MANIFEST,
    SCHEMA,
    create_table_sql,
    ddl_statements,
    partition_index_sql,
    partition_name,
    pg_type,
    quote_ident,
    raw_table_schemas,
)
from flows.load.telemetry_layout import TELEMETRY, value_columns


def adbc_pg_type(dtype: pl.DataType) -> str:
    """The PostgreSQL type ADBC's bulk ingest uses for the Arrow type Polars exports."""
    arrow = pl.Series([], dtype=dtype).to_arrow().type
    if pa.types.is_timestamp(arrow):
        return "timestamptz" if arrow.tz else "timestamp"
    if pa.types.is_duration(arrow):
        return "interval"
    if pa.types.is_large_string(arrow) or pa.types.is_string(arrow):
        return "text"
    if pa.types.is_date32(arrow):
        return "date"
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return adbc_pg_type(dtype.inner) + "[]"
    return {
        pa.int16(): "smallint",
        pa.int32(): "integer",
        pa.int64(): "bigint",
        pa.float64(): "double precision",
        pa.bool_(): "boolean",
    }[arrow]


def ddl_columns(sql: str) -> list[tuple[str, str]]:
    """(name, type) pairs of a `create table` statement, in order."""
    body = sql[sql.index("(") + 1 : sql.rindex(")")]
    pairs = []
    for line in body.split(",\n"):
        match = re.fullmatch(r'\s*"((?:[^"]|"")+)" (.+?)\s*', line)
        assert match, f"unquoted or malformed column line: {line!r}"
        pairs.append((match[1].replace('""', '"'), match[2]))
    return pairs


ROW_DATASETS = [d for d in ds.SESSION_DATASETS if d.name not in TELEMETRY]
DATASETS = pytest.mark.parametrize("dataset", ROW_DATASETS, ids=lambda d: d.name)
TELEMETRY_DATASETS = pytest.mark.parametrize(
    "dataset", list(TELEMETRY.values()), ids=lambda d: d.name
)
LINEAGE_DDL = [("_load_id", "text"), ("_loaded_at", "timestamptz"), ("session_id", "text")]


@DATASETS
def test_dataset_ddl_starts_with_the_lineage_columns(dataset):
    columns = ddl_columns(create_table_sql(dataset.name, raw_table_schemas()[dataset.name]))

    assert columns[:3] == LINEAGE_DDL
    assert [name for name, _ in columns[3:]] == list(dataset.schema)


@DATASETS
def test_dataset_ddl_types_are_what_adbc_writes_for_each_polars_dtype(dataset):
    columns = dict(ddl_columns(create_table_sql(dataset.name, raw_table_schemas()[dataset.name])))

    for name, dtype in dataset.schema.items():
        assert columns[name] == adbc_pg_type(dtype), name


@TELEMETRY_DATASETS
def test_telemetry_ddl_is_lineage_keys_then_an_array_per_sample_column(dataset):
    columns = ddl_columns(create_table_sql(dataset.name, raw_table_schemas()[dataset.name]))

    assert columns[:3] == LINEAGE_DDL
    assert columns[3:8] == [
        ("driver_number", "text"),
        ("chunk_start", "timestamptz"),
        ("session_time_base", "bigint"),
        ("session_time_end", "bigint"),
        ("sampled_us", "integer[]"),
    ]
    arrays = dict(columns[9:])
    for name, dtype in value_columns(dataset).items():
        assert arrays[name] == adbc_pg_type(pl.List(dtype)), name


def test_every_raw_table_gets_a_create_statement_in_the_raw_schema():
    statements = ddl_statements()

    assert statements[0] == f"create schema if not exists {SCHEMA}"
    for table in [*ds.BY_NAME, "events", "sessions", MANIFEST]:
        assert any(
            s.startswith(f"create table if not exists {SCHEMA}.{quote_ident(table)} (")
            for s in statements
        ), table


def test_schedule_tables_carry_load_lineage_first():
    schemas = raw_table_schemas()

    for table, spec in (("events", ds.EVENTS_SCHEMA), ("sessions", ds.SESSIONS_SCHEMA)):
        columns = ddl_columns(create_table_sql(table, schemas[table]))
        assert columns[:2] == LINEAGE_DDL[:2], table
        assert [name for name, _ in columns[2:]] == list(spec), table


@pytest.mark.parametrize("table", ["events", "sessions", MANIFEST])
def test_schedule_and_manifest_ddl_types_are_what_adbc_writes(table):
    schema = raw_table_schemas()[table]
    columns = dict(ddl_columns(create_table_sql(table, schema)))

    assert columns == {name: adbc_pg_type(dtype) for name, dtype in schema.items()}


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (pl.Duration("us"), "interval"),
        (pl.Datetime("us", "UTC"), "timestamptz"),
        (pl.Int16, "smallint"),
        (pl.Int32, "integer"),
        (pl.Int64, "bigint"),
        (pl.Float64, "double precision"),
        (pl.Boolean, "boolean"),
        (pl.String, "text"),
        (pl.Int16(), "smallint"),  # instances, as in a frame's schema, map like the classes
        (pl.String(), "text"),
    ],
)
def test_pg_type_for_each_raw_dtype(dtype, expected):
    assert pg_type(dtype) == expected
    assert pg_type(dtype) == adbc_pg_type(dtype)


@pytest.mark.parametrize(
    "dtype",
    [
        pl.Float32,
        pl.Int8,
        pl.UInt32,
        pl.Datetime("us"),
        pl.Datetime("ns", "UTC"),
        pl.Duration("ns"),
    ],
)
def test_pg_type_rejects_unmapped_dtypes(dtype):
    with pytest.raises(TypeError, match="no raw column type"):
        pg_type(dtype)


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("laps", '"laps"'), ("Weird Name", '"Weird Name"'), ('a"b', '"a""b"'), ("order", '"order"')],
)
def test_identifiers_are_quoted(name, quoted):
    assert quote_ident(name) == quoted


def test_table_and_column_names_are_quoted_in_ddl():
    sql = create_table_sql('we"ird', {"select": pl.String, 'x"y': pl.Int32})

    assert sql.startswith(f'create table if not exists {SCHEMA}."we""ird" (')
    assert ddl_columns(sql) == [("select", "text"), ('x"y', "integer")]


def test_lineage_indexes_exist_for_every_dataset():
    statements = ddl_statements()

    for dataset in ds.SESSION_DATASETS:
        if dataset.name in TELEMETRY:  # each load's partition has its own, made by the load
            sql = partition_index_sql(dataset.name, "load-1")
            partition = quote_ident(partition_name(dataset.name, "load-1"))
            assert f"{SCHEMA}.{partition} (driver_number, session_time_base)" in sql
            continue
        assert any(
            s.startswith("create index if not exists")
            and f"{SCHEMA}.{quote_ident(dataset.name)} (session_id, _load_id)" in s
            for s in statements
        ), dataset.name
