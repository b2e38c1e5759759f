{#- Fails for every session or event whose current status in its history is not its status.
    Builds never move statuses back (models/history/status_clock.sql), so after any sequence of
    builds, forwards or backwards in as_of, the two agree. -#}

with

current_statuses as (
    select
        'session' as entity,
        sessions.session_id as entity_id,
        sessions.status,
        history.status as history_status
    from {{ ref('sessions') }} as sessions
    left join {{ ref('session_status_history') }} as history
        on sessions.session_id = history.session_id
        and history.valid_to is null
    union all
    select
        'event' as entity,
        events.event_id as entity_id,
        events.status,
        history.status as history_status
    from {{ ref('events') }} as events
    left join {{ ref('event_status_history') }} as history
        on events.event_id = history.event_id
        and history.valid_to is null
),

final as (
    select *
    from current_statuses
    where history_status is distinct from status
)

select * from final
