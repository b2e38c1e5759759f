{{
    config(
        indexes=[
            {'columns': ['session_id'], 'unique': true},
            {'columns': ['season', 'round_number']},
            {'columns': ['event_id']},
        ]
    )
}}

with

latest_sessions as (
    -- sessions that later left the schedule are kept
    {{ latest_load(source('raw', 'sessions'), key=['session_id']) | indent(4) }}
),

final as (
    select
        session_id,
        event_id,
        season,
        round_number,
        session_number,
        session_type,
        session_name,
        starts_at,
        utc_offset,
        _load_id,
        _loaded_at
    from latest_sessions
)

select * from final
