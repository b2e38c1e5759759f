{#-
    Laps-sized, with window functions over every lap: incremental, so a build computes only the
    sessions whose laps changed. A session is rebuilt when its laps' load in staged (the load_id
    that staged.session_datasets reports as 'loaded') is not the one its rows here came from:
    delete+insert by session_id. `--full-refresh` rebuilds all. As in staged.car_data, the tests
    read the rows of the latest build (`_built_at`).
-#}
-- depends_on: {{ ref('session_datasets') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        indexes=[
            {'columns': ['session_id', 'lap_number', 'driver_number'], 'unique': true},
            {'columns': ['_built_at']},
        ],
    )
}}

with

race_sessions as (
    select session_id
    from {{ ref('sessions') }}
    where session_type in ('R', 'S')
),

{% if is_incremental() -%}
changed_sessions as (
    select loaded.session_id
    from {{ ref('session_datasets') }} as loaded
    where loaded.dataset = 'laps'
        and loaded.status = 'loaded'
        and not exists (
            select 1
            from {{ this }} as built
            where built.session_id = loaded.session_id
                and built._load_id = loaded.load_id
        )
),

{% endif -%}
laps as (
    select
        laps.session_id,
        laps.event_id,
        laps.driver_number,
        laps.driver,
        laps.lap_number,
        laps.position,
        laps.time,
        laps._load_id
    from {{ ref('laps') }} as laps
    inner join race_sessions
        on laps.session_id = race_sessions.session_id
    {%- if is_incremental() %}
    inner join changed_sessions
        on laps.session_id = changed_sessions.session_id
    {%- endif %}
    -- FastF1's position: the order in which the cars completed the lap (null on laps it
    -- does not rank, e.g. a first-lap retirement)
    where laps.position is not null
),

final as (
    select
        session_id,
        lap_number,
        driver_number,
        event_id,
        driver,
        position,
        time as lap_end_time,
        time - first_value(time) over same_lap as gap_to_leader,
        time - lag(time) over same_lap as interval_to_ahead,
        _load_id,
        {{ build_started_at() }} as _built_at
    from laps
    window same_lap as (partition by session_id, lap_number order by position)
)

select * from final
