{#-
    Telemetry is the bulk of the data, so this model is incremental. A build reads only the new
    loads (each session's latest 'loaded' load, unless its rows are here already) and replaces
    the rows of the sessions they cover: delete+insert on session_id, with a predicate that lets
    the delete find them through the unique index. A session whose newest load is 'loaded' with
    zero rows keeps its old rows until a full refresh. The first build, and `--full-refresh`,
    read every load.

    raw.position_data is partitioned by load (flows/load/raw_tables.py): the new loads' ids are
    written into the query as literals, so PostgreSQL reads only their partitions; the CTE named
    after the raw table narrows latest_load()'s input to them.

    `_built_at` is when the build that wrote the row started: the tests check the rows of the
    latest build (all of them after a full build), so an incremental build tests what it wrote.
    After a full refresh ANALYZE finds one `_built_at` for the whole table; the post-hook tells
    the planner that a build's rows are a small slice, so those tests read them by the index.

    config() is rendered when the project is parsed, where source() does not resolve: hence the
    manifest's table name in the query below.
-#}
{%- set new_loads_query -%}
    select session_id, load_id
    from (
        select
            session_id,
            load_id,
            row_number() over (
                partition by session_id order by finished_at desc nulls last, load_id desc
            ) as load_rank
        from raw.load_manifest
        where dataset = 'position_data' and status = 'loaded' and session_id is not null
    ) as latest_loads
    where load_rank = 1
        -- all rows of a built session come from one load: its first row in the unique index
        -- tells whether it is this one
        and load_id is distinct from (
            select built._load_id
            from {{ this }} as built
            where built.session_id = latest_loads.session_id
            order by built.session_id, built.driver_number, built.sampled_at
            limit 1
        )
{%- endset -%}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        incremental_predicates=[
            'DBT_INTERNAL_DEST.session_id = any(array(select session_id from ('
            ~ new_loads_query ~ ') as new_loads))',
        ],
        indexes=[
            {'columns': ['session_id', 'driver_number', 'sampled_at'], 'unique': true},
            {'columns': ['_built_at']},
        ],
        post_hook=[
            'alter table {{ this }} alter column _built_at set (n_distinct = 1000)',
        ],
    )
}}

{%- set raw_table = source('raw', 'position_data') -%}
{%- set new_loads_only = none -%}
{%- if is_incremental() -%}
    {%- set new_loads = run_query(new_loads_query) if execute else none -%}
    {%- set load_ids = new_loads.columns[1].values() | list if new_loads else [] -%}
    {%- set session_list = new_loads.columns[0].values() | unique | map('replace', "'", "''")
        | join("', '") if load_ids else '' -%}
    {%- set load_list = load_ids | map('replace', "'", "''") | join("', '") -%}
    {%- set new_loads_only = "load_id in ('" ~ load_list ~ "')" if load_ids else 'false' -%}
    {%- set raw_table = api.Relation.create(identifier='position_data') -%}
{%- endif %}

with

{% if is_incremental() -%}
position_data as (
    select *
    from {{ source('raw', 'position_data') }}
    {% if load_ids -%}
    where session_id in ('{{ session_list }}') and _load_id in ('{{ load_list }}')
    {%- else -%}
    where false
    {%- endif %}
),

{% endif -%}
latest_position_data as (
    {{ latest_load(
        raw_table,
        key=['session_id', 'driver_number', 'sampled_at'],
        manifest=source('raw', 'load_manifest'),
        loads_where=new_loads_only,
    ) | indent(4) }}
),

final as (
    select
        session_id,
        driver_number,
        sampled_at,
        session_time,
        status,
        x,
        y,
        z,
        source,
        _load_id,
        _loaded_at,
        '{{ run_started_at.isoformat() }}'::timestamptz as _built_at
    from latest_position_data
)

select * from final
