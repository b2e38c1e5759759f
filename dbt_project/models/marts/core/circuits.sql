{{ config(indexes=[{'columns': ['circuit_id'], 'unique': true}]) }}

with

events as (
    select
        {{ slugify('location') }} as circuit_id,
        event_id,
        location,
        country,
        season,
        event_name,
        event_date,
        is_cancelled
    from {{ ref('events') }}
    where location is not null and location <> ''
),

-- F1 live timing's key of the circuit, from its latest session that has one
circuit_keys as (
    select
        events.circuit_id,
        (array_agg(
            session_info.circuit_key order by events.event_date desc, session_info.session_id desc
        ))[1] as circuit_key
    from events
    inner join {{ ref('session_info') }} as session_info
        on events.event_id = session_info.event_id
    where session_info.circuit_key is not null
    group by events.circuit_id
),

-- the map rotation of the circuit info marts.circuit_corners comes from
rotations as (
    select distinct
        circuit_corners.circuit_id,
        circuit_info.rotation
    from {{ ref('circuit_corners') }} as circuit_corners
    inner join {{ ref('circuit_info') }} as circuit_info
        on circuit_corners.session_id = circuit_info.session_id
),

circuit_events as (
    select
        circuit_id,
        -- as spelled by the circuit's latest event
        {{ latest_value('location', order_by='event_date') }} as location,
        {{ latest_value('country', order_by='event_date') }} as country,
        {{ latest_value('event_name', order_by='event_date') }} as latest_event_name,
        min(season) as first_season,
        max(season) as last_season,
        count(*) filter (where not is_cancelled) as event_count
    from events
    group by circuit_id
),

final as (
    select
        circuit_events.*,
        circuit_keys.circuit_key,
        rotations.rotation
    from circuit_events
    left join circuit_keys
        on circuit_events.circuit_id = circuit_keys.circuit_id
    left join rotations
        on circuit_events.circuit_id = rotations.circuit_id
)

select * from final
