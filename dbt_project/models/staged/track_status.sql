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

session_info as (
    select
        session_id,
        t0_date
    from {{ ref('session_info') }}
),

timed_track_status as (
    -- with the UTC moment the session's time offsets count from (null when FastF1 has none)
    select
        latest_track_status.*,
        session_info.t0_date
    from latest_track_status
    left join session_info
        on latest_track_status.session_id = session_info.session_id
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
