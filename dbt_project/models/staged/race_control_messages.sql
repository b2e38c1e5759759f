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

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        sequence_number,
        message_at,
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
    from latest_race_control_messages
)

select * from final
