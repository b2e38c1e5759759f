{{
    config(
        indexes=[
            {'columns': ['session_id', 'driver_number', 'sampled_at'], 'unique': true},
        ]
    )
}}

{#-
    Telemetry is the bulk of the data. To make this model incremental, only the config changes:
    materialized='incremental', incremental_strategy='delete+insert', unique_key='session_id'.
    Then only loads that finished after the newest rows already built are read, and every session
    they cover replaces its old rows. (A session whose newest load is 'loaded' with zero rows keeps
    its old rows until a full refresh.) As a table, is_incremental() is false and all loads count.
-#}
{%- set new_loads_only = none -%}
{%- if is_incremental() -%}
    {%- set new_loads_only -%}
        finished_at > (select coalesce(max(_loaded_at), '-infinity') from {{ this }})
    {%- endset -%}
{%- endif %}

with

latest_car_data as (
    {{ latest_load(
        source('raw', 'car_data'),
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
        rpm,
        speed,
        n_gear,
        throttle,
        brake,
        drs,
        source,
        _load_id,
        _loaded_at
    from latest_car_data
)

select * from final
