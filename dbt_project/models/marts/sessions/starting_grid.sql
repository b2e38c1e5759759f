with

entries as (
    select *
    from {{ ref('int_session_entries') }}
    where session_type in ('R', 'S')
        and grid_position is not null
),

final as (
    select
        session_id,
        event_id,
        session_type,
        driver_number,
        driver_id,
        abbreviation,
        team_id,
        grid_position,
        grid_position = 0 as is_pit_lane_start
    from entries
)

select * from final
