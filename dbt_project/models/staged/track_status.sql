{{
    config(
        indexes=[
            {'columns': ['session_id', 'sequence_number'], 'unique': true},
        ]
    )
}}

with

latest_track_status as (
    {{ latest_load(
        source('raw', 'track_status'),
        key=['session_id', 'sequence_number'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

timed_track_status as (
    {{ with_t0_date('latest_track_status', ref('session_info')) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        sequence_number,
        session_time,
        t0_date + session_time as changed_at,
        status,
        message,
        _load_id,
        _loaded_at
    from timed_track_status
)

select * from final
