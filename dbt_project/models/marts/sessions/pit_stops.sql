with

laps as (
    select
        session_id,
        event_id,
        driver_number,
        driver,
        lap_number,
        pit_in_time,
        pit_out_time,
        -- the session's timing reference in UTC (FastF1's t0_date): lap start date minus lap
        -- start time, the same for every lap of the session; null without a timing reference
        min(lap_started_at - lap_start_time) over (partition by session_id) as session_t0,
        lead(lap_number) over driver_laps as next_lap_number,
        lead(pit_out_time) over driver_laps as next_pit_out_time
    from {{ ref('laps') }}
    window driver_laps as (partition by session_id, driver_number order by lap_number)
),

final as (
    select
        session_id,
        driver_number,
        lap_number,
        event_id,
        driver,
        pit_in_time,
        -- the car leaves the pit lane on the lap after the in-lap (null: it never came out)
        case when next_lap_number = lap_number + 1 then next_pit_out_time end as pit_out_time,
        session_t0 + pit_in_time as pit_in_at,
        session_t0
        + case when next_lap_number = lap_number + 1 then next_pit_out_time end as pit_out_at,
        case when next_lap_number = lap_number + 1 then next_pit_out_time end
        - pit_in_time as pit_lane_duration
    from laps
    where pit_in_time is not null
)

select * from final
