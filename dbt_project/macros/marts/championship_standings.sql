{#-
    The body of a standings model: one row per season, round and `entity` (driver_id or
    team_id) after every round whose races or sprints have results, from the first round the
    entity entered onwards. Points are the sum of the results' points of every race and sprint
    of the season up to and including the round (sprints count, as in the championship);
    position ranks them, ties broken by race wins and then shared (the official count-back over
    second places and below is not applied).
-#}
{% macro championship_standings(entity) -%}
with

scoring_entries as (
    select
        season,
        event_id,
        round_number,
        {{ entity }},
        session_type,
        starts_at,
        position,
        coalesce(points, 0) as points
    from {{ ref('int_session_entries') }}
    where session_type in ('R', 'S')
        and {{ entity }} is not null
),

rounds as (
    select
        season,
        event_id,
        min(round_number) as round_number,
        max(starts_at) as last_session_starts_at,
        row_number() over (partition by season order by max(starts_at)) as round_index
    from scoring_entries
    group by season, event_id
),

round_scores as (
    select
        season,
        event_id,
        {{ entity }},
        sum(points) as points,
        count(*) filter (where session_type = 'R' and position = 1) as wins
    from scoring_entries
    group by season, event_id, {{ entity }}
),

entrants as (
    -- every entity from its first round of the season onwards, scoring or not
    select
        rounds.season,
        rounds.event_id,
        rounds.round_number,
        rounds.round_index,
        rounds.last_session_starts_at,
        first_rounds.{{ entity }}
    from (
        select
            round_scores.season,
            round_scores.{{ entity }},
            min(rounds.round_index) as first_round_index
        from round_scores
        inner join rounds
            on round_scores.event_id = rounds.event_id
        group by round_scores.season, round_scores.{{ entity }}
    ) as first_rounds
    inner join rounds
        on first_rounds.season = rounds.season
        and rounds.round_index >= first_rounds.first_round_index
),

cumulative as (
    select
        entrants.season,
        entrants.event_id,
        entrants.round_number,
        entrants.round_index,
        entrants.last_session_starts_at,
        entrants.{{ entity }},
        coalesce(round_scores.points, 0) as round_points,
        sum(coalesce(round_scores.points, 0)) over season_so_far as points,
        sum(coalesce(round_scores.wins, 0)) over season_so_far as wins
    from entrants
    left join round_scores
        on entrants.event_id = round_scores.event_id
        and entrants.{{ entity }} = round_scores.{{ entity }}
    window season_so_far as (
        partition by entrants.season, entrants.{{ entity }} order by entrants.round_index
    )
),

final as (
    select
        season,
        event_id,
        round_number,
        round_index,
        {{ entity }},
        rank() over (
            partition by season, event_id order by points desc, wins desc
        ) as position,
        points,
        wins,
        round_points,
        last_session_starts_at
    from cumulative
)

select * from final
{%- endmacro %}
