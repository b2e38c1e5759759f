{{ config(indexes=[{'columns': ['circuit_id'], 'unique': true}]) }}

with

events as (
    select
        {{ slugify('location') }} as circuit_id,
        location,
        country,
        season,
        event_name,
        event_date,
        is_cancelled
    from {{ ref('events') }}
    where location is not null and location <> ''
),

final as (
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
)

select * from final
