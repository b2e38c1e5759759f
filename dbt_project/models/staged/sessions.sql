{{ config(indexes=[
    {'columns': ['session_id'], 'unique': true},
    {'columns': ['season', 'round_number']},
    {'columns': ['event_id']},
]) }}

with

latest_sessions as (
    {{ schedule_snapshot(source('raw', 'sessions'), 'session_id') | indent(4) }}
),

latest_attempts as (
    -- the latest load attempt of each session, whatever it found
    {{ latest_loads(source('raw', 'load_manifest')) | indent(4) }}
),

scheduled_lengths as (
    -- each session type's scheduled length (flows/session_types.py), as the newest snapshot
    -- that carries ends_at wrote it; rows snapshotted before raw.sessions had ends_at take it
    -- from here
    select distinct on (session_type)
        session_type,
        ends_at - starts_at as scheduled_length
    from {{ source('raw', 'sessions') }}
    where ends_at is not null and starts_at is not null
    order by session_type asc, _loaded_at desc
),

unpublished_loads as (
    -- attempts after which polling stopped: still no results long after the session ended
    select distinct load_id
    from {{ source('raw', 'load_manifest') }}
    where status = 'unpublished'
),

sessions as (
    select
        latest_sessions.*,
        coalesce(
            latest_sessions.ends_at,
            latest_sessions.starts_at + scheduled_lengths.scheduled_length
        ) as scheduled_end,
        coalesce(latest_attempts.complete, false) as has_complete_results,
        unpublished_loads.load_id is not null as is_unpublished,
        {{ status_as_of() }} as status_as_of
    from latest_sessions
    left join scheduled_lengths
        on latest_sessions.session_type = scheduled_lengths.session_type
    left join latest_attempts
        on latest_sessions.session_id = latest_attempts.session_id
    left join unpublished_loads
        on latest_attempts.load_id = unpublished_loads.load_id
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
        scheduled_end as ends_at,
        utc_offset,
        is_cancelled,
        has_complete_results,
        case
            when is_cancelled then 'cancelled'
            -- start not known: not held as far as we know, unless its results are in
            when starts_at is null and has_complete_results then 'completed'
            when starts_at is null then 'scheduled'
            when status_as_of < starts_at then 'scheduled'
            when status_as_of < scheduled_end then 'live'
            when has_complete_results then 'completed'
            when is_unpublished then 'unpublished'
            else 'awaiting_results'
        end as status,
        status_as_of,
        _load_id,
        _loaded_at
    from sessions
)

select * from final
