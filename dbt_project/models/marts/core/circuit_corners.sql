{{
    config(
        indexes=[
            {'columns': ['circuit_id', 'kind', 'number', 'letter'], 'unique': true},
        ]
    )
}}

with

markers as (
    select * from {{ ref('circuit_info') }}
),

circuit_sessions as (
    select
        sessions.session_id,
        sessions.season,
        sessions.starts_at,
        {{ slugify('events.location') }} as circuit_id
    from {{ ref('sessions') }} as sessions
    inner join {{ ref('events') }} as events
        on sessions.event_id = events.event_id
    where events.location is not null and events.location <> ''
),

-- per circuit, the latest session with circuit info (layouts change between seasons)
latest_sessions as (
    select
        circuit_id,
        session_id,
        season
    from (
        select
            circuit_sessions.*,
            row_number() over (
                partition by circuit_sessions.circuit_id
                order by
                    circuit_sessions.starts_at desc nulls last, circuit_sessions.session_id desc
            ) as session_rank
        from circuit_sessions
        where exists (
                select from markers
                where markers.session_id = circuit_sessions.session_id
            )
    ) as ranked_sessions
    where session_rank = 1
),

final as (
    select
        latest_sessions.circuit_id,
        markers.kind,
        markers.number,
        markers.letter,
        markers.x,
        markers.y,
        markers.angle,
        markers.distance,
        latest_sessions.season,
        latest_sessions.session_id
    from latest_sessions
    inner join markers
        on latest_sessions.session_id = markers.session_id
)

select * from final
