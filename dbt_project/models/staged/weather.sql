{{
    config(
        indexes=[
            {'columns': ['session_id', 'session_time'], 'unique': true},
        ]
    )
}}

with

latest_weather as (
    {{ latest_load(
        source('raw', 'weather'),
        key=['session_id', 'session_time'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

timed_weather as (
    {{ with_t0_date('latest_weather', ref('session_info')) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        session_time,
        t0_date + session_time as sampled_at,
        air_temp,
        track_temp,
        humidity,
        pressure,
        rainfall,
        wind_direction,
        wind_speed,
        _load_id,
        _loaded_at
    from timed_weather
)

select * from final
