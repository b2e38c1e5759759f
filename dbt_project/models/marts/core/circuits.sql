{{
    config(
        indexes=[
            {'columns': ['circuit_id'], 'unique': true},
        ]
    )
}}

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
        (array_agg(location order by event_date desc))[1] as location,
        (array_agg(country order by event_date desc))[1] as country,
        (array_agg(event_name order by event_date desc))[1] as latest_event_name,
        min(season) as first_season,
        max(season) as last_season,
        count(*) filter (where not is_cancelled) as event_count
    from events
    group by circuit_id
)

select * from final
