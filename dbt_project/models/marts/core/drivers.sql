{{
    config(
        indexes=[
            {'columns': ['driver_id'], 'unique': true},
        ]
    )
}}

with

entries as (
    select
        driver_id,
        season,
        starts_at,
        session_type,
        driver_number,
        abbreviation,
        first_name,
        last_name,
        full_name,
        broadcast_name,
        country_code,
        headshot_url
    from {{ ref('int_session_entries') }}
    where driver_id is not null
),

final as (
    select
        driver_id,
        -- names as of the driver's latest session (they rarely change; the latest wins)
        (array_agg(abbreviation order by starts_at desc) filter (where abbreviation <> ''))[1]
            as abbreviation,
        (array_agg(first_name order by starts_at desc) filter (where first_name <> ''))[1]
            as first_name,
        (array_agg(last_name order by starts_at desc) filter (where last_name <> ''))[1]
            as last_name,
        (array_agg(full_name order by starts_at desc) filter (where full_name <> ''))[1]
            as full_name,
        (array_agg(broadcast_name order by starts_at desc) filter (where broadcast_name <> ''))[1]
            as broadcast_name,
        (array_agg(country_code order by starts_at desc) filter (where country_code <> ''))[1]
            as country_code,
        (array_agg(headshot_url order by starts_at desc) filter (where headshot_url <> ''))[1]
            as headshot_url,
        (array_agg(driver_number order by starts_at desc))[1] as latest_driver_number,
        min(season) as first_season,
        max(season) as last_season,
        count(distinct season) as season_count,
        count(*) filter (where session_type = 'R') as race_count
    from entries
    group by driver_id
)

select * from final
