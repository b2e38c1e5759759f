{#-
    Point-in-time features for race and sprint prediction. Every feature group carries an
    `<group>_as_of` column: the start of the latest session it read, computed in the same
    window or join as the feature itself, so a feature that reads the row's own session (or a
    later one) shows it there; the `features_known_before_start` test fails on any such row.
    The starting grid is the one exception: it belongs to the session itself and is fixed
    before its start (see the YAML).
-#}
{{ config(indexes=[
    {'columns': ['session_id', 'driver_number'], 'unique': true},
    {'columns': ['season', 'driver_id']},
]) }}

with

entries as (
    select
        *,
        -- drivers are followed across sessions by their Jolpica id (car number without one)
        coalesce(driver_id, 'number:' || driver_number) as driver_key
    from {{ ref('int_session_entries') }}
),

race_entries as (
    select
        *,
        classified_position in ('R', 'N', 'D', 'E') as is_dnf
    from entries
    where session_type in ('R', 'S')
),

history as (
    -- what each driver had done before the row's session started (rows ordered by start)
    select
        session_id,
        driver_number,
        count(*) filter (where session_type = 'R') over driver_before as races_before,
        count(*) filter (where session_type = 'R') over circuit_before as circuit_races,
        avg(position) filter (where session_type = 'R') over circuit_before as circuit_avg_finish,
        min(position) filter (where session_type = 'R') over circuit_before as circuit_best_finish,
        max(starts_at) filter (where session_type = 'R') over circuit_before as circuit_as_of
    from race_entries
    window
        driver_before as (
            partition by driver_key order by starts_at
            rows between unbounded preceding and 1 preceding
        ),
        circuit_before as (
            partition by driver_key, circuit_id order by starts_at
            rows between unbounded preceding and 1 preceding
        )
),

race_form as (
    -- after each of a driver's races (numbered 1..n): the trailing 5 and 10 races
    select
        driver_key,
        row_number() over (partition by driver_key order by starts_at) as race_sequence,
        avg(position) over last_5 as rolling_finish_5,
        count(*) filter (where is_dnf) over last_10 as dnfs_10,
        -- as of the latest race either window read
        greatest(max(starts_at) over last_5, max(starts_at) over last_10) as form_as_of
    from race_entries
    where session_type = 'R'
    window
        last_5 as (
            partition by driver_key order by starts_at
            rows between 4 preceding and current row
        ),
        last_10 as (
            partition by driver_key order by starts_at
            rows between 9 preceding and current row
        )
),

qualifying as (
    select
        session_id,
        event_id,
        session_type,
        starts_at,
        driver_number,
        position,
        least(q1, q2, q3) as best_time,
        -- negative: faster than the quickest teammate (none without a team)
        least(q1, q2, q3)
        - case when team_id is not null then min(least(q1, q2, q3)) over teammates end
            as gap_to_teammate
    from entries
    where session_type in ('Q', 'SQ', 'SS')
    window teammates as (
        partition by session_id, team_id
        rows between unbounded preceding and unbounded following exclude current row
    )
),

session_qualifying as (
    -- each entry's qualifying: the weekend's, before its start (a sprint prefers its own SQ/SS)
    select
        session_id,
        driver_number,
        position as qualifying_position,
        best_time as qualifying_best_time,
        gap_to_teammate as qualifying_gap_to_teammate,
        starts_at as qualifying_as_of
    from (
        select
            race_entries.session_id,
            race_entries.driver_number,
            qualifying.position,
            qualifying.best_time,
            qualifying.gap_to_teammate,
            qualifying.starts_at,
            row_number() over (
                partition by race_entries.session_id, race_entries.driver_number
                order by qualifying.session_type = 'Q', qualifying.starts_at desc
            ) as preference
        from race_entries
        inner join qualifying
            on race_entries.event_id = qualifying.event_id
            and race_entries.driver_number = qualifying.driver_number
            and race_entries.starts_at > qualifying.starts_at
            and (race_entries.session_type = 'S' or qualifying.session_type = 'Q')
    ) as ranked
    where preference = 1
),

practice_bests as (
    select
        laps.session_id,
        sessions.event_id,
        sessions.starts_at,
        laps.driver_number,
        min(laps.lap_time) as best_lap_time
    from {{ ref('laps') }} as laps
    inner join {{ ref('sessions') }} as sessions
        on laps.session_id = sessions.session_id
    where sessions.session_type in ('FP1', 'FP2', 'FP3')
        and laps.lap_time is not null
        and laps.is_deleted is not true
    group by laps.session_id, sessions.event_id, sessions.starts_at, laps.driver_number
),

weekend_practice as (
    -- the practice sessions of the weekend held before the row's session
    select
        race_sessions.session_id,
        practice_bests.driver_number,
        min(practice_bests.best_lap_time) as best_lap_time,
        max(max(practice_bests.starts_at)) over (partition by race_sessions.session_id)
            as practice_as_of
    from (
        select distinct
            session_id,
            event_id,
            starts_at
        from race_entries
    ) as race_sessions
    inner join practice_bests
        on race_sessions.event_id = practice_bests.event_id
        and race_sessions.starts_at > practice_bests.starts_at
    group by race_sessions.session_id, practice_bests.driver_number
),

practice_ranks as (
    select
        session_id,
        driver_number,
        rank() over (partition by session_id order by best_lap_time) as practice_best_lap_rank,
        practice_as_of
    from weekend_practice
),

standings as (
    select
        season,
        event_id,
        round_index,
        driver_id,
        position,
        points,
        last_session_starts_at
    from {{ ref('driver_standings') }}
),

rounds as (
    select distinct
        event_id,
        round_index
    from standings
),

final as (
    select
        race_entries.session_id,
        race_entries.driver_number,
        race_entries.driver_id,
        race_entries.team_id,
        race_entries.abbreviation,
        race_entries.season,
        race_entries.event_id,
        race_entries.round_number,
        race_entries.circuit_id,
        race_entries.session_type,
        race_entries.starts_at,
        -- features: the starting grid, fixed before the start
        race_entries.grid_position,
        -- features: the weekend's qualifying (Q for a race; SQ/SS, else Q, for a sprint)
        session_qualifying.qualifying_position,
        session_qualifying.qualifying_best_time,
        session_qualifying.qualifying_gap_to_teammate,
        session_qualifying.qualifying_as_of,
        -- features: practice
        practice_ranks.practice_best_lap_rank,
        practice_ranks.practice_as_of,
        -- features: the championship after the previous round
        previous_standings.position as standings_position_before,
        coalesce(previous_standings.points, 0) as standings_points_before,
        previous_standings.last_session_starts_at as standings_as_of,
        -- features: form over the driver's previous races
        history.races_before,
        race_form.rolling_finish_5,
        coalesce(race_form.dnfs_10, 0) as dnfs_10,
        race_form.form_as_of,
        -- features: the driver's previous races at this circuit
        history.circuit_races,
        history.circuit_avg_finish,
        history.circuit_best_finish,
        history.circuit_as_of,
        -- targets
        race_entries.position as finish_position,
        race_entries.classified_position,
        race_entries.points,
        coalesce(race_entries.position <= 3, false) as is_podium,
        race_entries.is_dnf
    from race_entries
    inner join history
        on race_entries.session_id = history.session_id
        and race_entries.driver_number = history.driver_number
    left join race_form
        on race_entries.driver_key = race_form.driver_key
        and history.races_before = race_form.race_sequence
    left join session_qualifying
        on race_entries.session_id = session_qualifying.session_id
        and race_entries.driver_number = session_qualifying.driver_number
    left join practice_ranks
        on race_entries.session_id = practice_ranks.session_id
        and race_entries.driver_number = practice_ranks.driver_number
    left join rounds as this_round
        on race_entries.event_id = this_round.event_id
    left join standings as previous_standings
        on race_entries.season = previous_standings.season
        and race_entries.driver_id = previous_standings.driver_id
        and previous_standings.round_index = this_round.round_index - 1
)

select * from final
