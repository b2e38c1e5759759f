{{ config(indexes=[{'columns': ['season', 'driver_id'], 'unique': true}]) }}

with

entries as (
    select *
    from {{ ref('int_session_entries') }}
    where driver_id is not null
),

season_teams as (
    -- every team the driver entered a session for that season, in order of first entry
    select
        season,
        driver_id,
        array_agg(team_id order by first_entry_at) as team_ids
    from (
        select
            season,
            driver_id,
            team_id,
            min(starts_at) as first_entry_at
        from entries
        where team_id is not null
        group by season, driver_id, team_id
    ) as team_entries
    group by season, driver_id
),

latest as (
    select
        season,
        driver_id,
        -- as of the driver's latest session of the season
        {{ latest_value('driver_number') }} as driver_number,
        {{ latest_value('abbreviation') }} as abbreviation,
        {{ latest_value('team_id', skip='null') }} as team_id,
        {{ latest_value('team_name') }} as team_name,
        count(*) as session_count,
        min(starts_at) as first_session_starts_at,
        max(starts_at) as last_session_starts_at
    from entries
    group by season, driver_id
),

final as (
    select
        latest.season,
        latest.driver_id,
        latest.driver_number,
        latest.abbreviation,
        latest.team_id,
        latest.team_name,
        coalesce(season_teams.team_ids, array[]::text[]) as team_ids,
        latest.session_count,
        latest.first_session_starts_at,
        latest.last_session_starts_at
    from latest
    left join season_teams
        on latest.season = season_teams.season
        and latest.driver_id = season_teams.driver_id
)

select * from final
