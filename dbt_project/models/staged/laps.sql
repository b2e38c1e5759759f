{#-
    Incremental, so a build costs the new loads, not the whole history: it reads only each
    session's latest 'loaded' laps load whose rows are not here yet, and replaces the rows of
    the sessions they cover (delete+insert on session_id; the delete finds them through the
    unique index). A session whose newest load is 'loaded' with zero rows keeps its old rows
    until a full refresh. The first build, and `--full-refresh`, read every load.

    `_built_at` is when the build that wrote the row started: the tests check the rows of the
    latest build (all of them after a full build), so an incremental build tests what it wrote;
    the post-hook tells the planner that a build's rows are a small slice, so those tests read
    them by the index.

    config() is rendered when the project is parsed, where source() does not resolve: hence the
    manifest's table name in the query below.
-#}
{%- set new_loads_query -%}
    select session_id, load_id
    from ({{ latest_loads('raw.load_manifest', dataset='laps') }}) as latest_loads
    -- all rows of a built session come from one load: its first row in the unique index tells
    -- whether it is this one
    where load_id is distinct from (
        select built._load_id
        from {{ this }} as built
        where built.session_id = latest_loads.session_id
        order by built.session_id, built.driver_number, built.lap_number
        limit 1
    )
{%- endset -%}

{#- Booleans and timestamps also under the project's names (is_/has_, _at): FastF1's names
    stay for earlier queries. {column: new name} -#}
{%- set renames = {
    'fresh_tyre': 'is_fresh_tyre',
    'lap_start_date': 'lap_started_at',
    'deleted': 'is_deleted',
    'fastf1_generated': 'is_fastf1_generated',
} -%}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='append_new_columns',
        incremental_predicates=[
            'DBT_INTERNAL_DEST.session_id = any(array(select session_id from ('
            ~ new_loads_query ~ ') as new_loads))',
        ],
        pre_hook=['{{ add_renamed_columns(' ~ (renames | tojson) ~ ') }}'],
        post_hook=[
            'alter table {{ this }} alter column _built_at set (n_distinct = 1000)',
        ],
    )
}}

{%- set new_loads_only = none -%}
{%- if is_incremental() -%}
    {%- set new_loads = run_query(new_loads_query) if execute else none -%}
    {%- set load_ids = new_loads.columns[1].values() | list if new_loads else [] -%}
    {%- set load_list = load_ids | map('replace', "'", "''") | join("', '") -%}
    {%- set new_loads_only = "load_id in ('" ~ load_list ~ "')" if load_ids else 'false' -%}
{%- endif %}

{{ session_dataset(
    source('raw', 'laps'),
    key=['session_id', 'driver_number', 'lap_number'],
    indexes=[{'columns': ['session_id', 'lap_time']}, {'columns': ['_built_at']}],
    loads_where=new_loads_only,
    built_at=true,
    columns=[
        'driver_number', 'driver', 'team', 'lap_number', 'time', 'lap_time', 'stint',
        'pit_out_time', 'pit_in_time', 'sector1_time', 'sector2_time', 'sector3_time',
        'sector1_session_time', 'sector2_session_time', 'sector3_session_time', 'speed_i1',
        'speed_i2', 'speed_fl', 'speed_st', 'is_personal_best', 'compound', 'tyre_life',
        'fresh_tyre', 'lap_start_time', 'lap_start_date', 'track_status', 'position', 'deleted',
        'deleted_reason', 'fastf1_generated', 'is_accurate',
        't0_date + time as lap_end_at',
        't0_date + pit_out_time as pit_out_at', 't0_date + pit_in_time as pit_in_at',
        't0_date + sector1_session_time as sector1_end_at',
        't0_date + sector2_session_time as sector2_end_at',
        't0_date + sector3_session_time as sector3_end_at',
    ] + renames.items() | map('join', ' as ') | list,
    timed=true,
) }}
