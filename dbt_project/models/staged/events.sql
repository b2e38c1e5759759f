{{ config(indexes=[
    {'columns': ['event_id'], 'unique': true},
    {'columns': ['season', 'round_number']},
]) }}

with

latest_events as (
    {{ schedule_snapshot(source('raw', 'events'), 'event_id') | indent(4) }}
),

held_sessions as (
    select *
    from {{ ref('sessions') }}
    where not is_cancelled
),

final_sessions as (
    -- the event's final session: its race, else its last session by start; and its first start
    select
        event_id,
        first_starts_at,
        session_id,
        ends_at,
        has_complete_results,
        status
    from (
        select
            *,
            min(starts_at) over (partition by event_id) as first_starts_at,
            row_number() over (
                partition by event_id
                order by session_type = 'R' desc, starts_at desc nulls last, session_number desc
            ) as final_rank
        from held_sessions
    ) as ranked_sessions
    where final_rank = 1
),

events as (
    select
        latest_events.*,
        final_sessions.first_starts_at as starts_at,
        final_sessions.ends_at,
        final_sessions.session_id as final_session_id,
        coalesce(final_sessions.has_complete_results, false) as has_complete_results,
        final_sessions.status as final_session_status,
        {{ status_as_of() }} as status_as_of
    from latest_events
    left join final_sessions
        on latest_events.event_id = final_sessions.event_id
),

final as (
    select
        event_id,
        season,
        round_number,
        event_name,
        official_event_name,
        country,
        location,
        event_format,
        event_date,
        f1_api_support,
        f1_api_support as has_f1_api_support,
        starts_at,
        ends_at,
        final_session_id,
        is_cancelled,
        case
            when is_cancelled then 'cancelled'
            when starts_at is null or status_as_of < starts_at then 'scheduled'
            when ends_at is null or status_as_of < ends_at then 'live'
            when has_complete_results then 'completed'
            when final_session_status = 'unpublished' then 'unpublished'
            else 'awaiting_results'
        end as status,
        status_as_of,
        _load_id,
        _loaded_at
    from events
)

select * from final
