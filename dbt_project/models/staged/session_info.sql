{{
    config(
        indexes=[
            {'columns': ['session_id'], 'unique': true},
        ]
    )
}}

with

latest_session_info as (
    {{ latest_load(
        source('raw', 'session_info'),
        key=['session_id'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        session_key,
        meeting_key,
        circuit_key,
        circuit_short_name,
        total_laps,
        t0_date,
        session_start_time,
        -- the session time offsets of a session count from t0_date
        t0_date + session_start_time as started_at,
        _load_id,
        _loaded_at
    from latest_session_info
)

select * from final
