-- Every driver's entry in every session that is not cancelled: staged.results with the
-- session's season, type and start and the event's circuit. The shared base of the driver,
-- team, standings and feature marts (ephemeral: inlined into them, never built on its own).

with

held_sessions as (
    select *
    from {{ ref('sessions') }}
    where not is_cancelled
),

events as (
    select
        event_id,
        round_number,
        {{ slugify('location') }} as circuit_id
    from {{ ref('events') }}
),

results as (
    select
        session_id,
        driver_number,
        -- practice results come from live timing alone: no Jolpica ids there ('' or null)
        nullif(driver_id, '') as driver_id,
        nullif(team_id, '') as team_id,
        abbreviation,
        broadcast_name,
        first_name,
        last_name,
        full_name,
        country_code,
        headshot_url,
        team_name,
        team_color,
        position,
        classified_position,
        grid_position,
        q1,
        q2,
        q3,
        status,
        points
    from {{ ref('results') }}
),

final as (
    select
        results.session_id,
        held_sessions.event_id,
        held_sessions.season,
        events.round_number,
        events.circuit_id,
        held_sessions.session_type,
        held_sessions.starts_at,
        results.driver_number,
        results.driver_id,
        results.team_id,
        results.abbreviation,
        results.broadcast_name,
        results.first_name,
        results.last_name,
        results.full_name,
        results.country_code,
        results.headshot_url,
        results.team_name,
        results.team_color,
        results.position,
        results.classified_position,
        results.grid_position,
        results.q1,
        results.q2,
        results.q3,
        results.status,
        results.points
    from results
    inner join held_sessions
        on results.session_id = held_sessions.session_id
    inner join events
        on held_sessions.event_id = events.event_id
)

select * from final
