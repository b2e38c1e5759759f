{{ config(indexes=[{'columns': ['team_id', 'season'], 'unique': true}]) }}

with

final as (
    select
        team_id,
        season,
        -- as of the team's latest session of the season (names change with sponsors)
        {{ latest_value('team_name', skip='empty') }} as team_name,
        {{ latest_value('team_color', skip='empty') }} as team_color,
        count(distinct driver_id) as driver_count,
        min(starts_at) as first_session_starts_at,
        max(starts_at) as last_session_starts_at
    from {{ ref('int_session_entries') }}
    where team_id is not null
    group by team_id, season
)

select * from final
