{{
    config(
        indexes=[
            {'columns': ['session_id', 'sequence_number'], 'unique': true},
        ]
    )
}}

with

latest_race_control_messages as (
    {{ latest_load(
        source('raw', 'race_control_messages'),
        key=['session_id', 'sequence_number'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

timed_race_control_messages as (
    {{ with_t0_date('latest_race_control_messages', ref('session_info')) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        sequence_number,
        message_at,
        -- the other way round: F1 gives the message's UTC time, the offset is derived
        message_at - t0_date as session_time,
        lap,
        category,
        message,
        status,
        flag,
        scope,
        sector,
        racing_number,
        _load_id,
        _loaded_at
    from timed_race_control_messages
)

select * from final
