{{
    config(
        indexes=[
            {'columns': ['team_id', 'season'], 'unique': true},
        ]
    )
}}

with

entries as (
    select
        team_id,
        season,
        starts_at,
        team_name,
        team_color,
        driver_id
    from {{ ref('int_session_entries') }}
    where team_id is not null
),

final as (
    select
        team_id,
        season,
        -- as of the team's latest session of the season (names change with sponsors)
        (array_agg(team_name order by starts_at desc) filter (where team_name <> ''))[1]
            as team_name,
        (array_agg(team_color order by starts_at desc) filter (where team_color <> ''))[1]
            as team_color,
        count(distinct driver_id) as driver_count,
        min(starts_at) as first_session_starts_at,
        max(starts_at) as last_session_starts_at
    from entries
    group by team_id, season
)

select * from final
