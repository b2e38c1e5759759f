{#- A view that names only the laps columns it reads (no `select *`), so that altering other
    columns of the incremental staged.laps does not depend on it. -#}
with

final as (
    select
        session_id,
        driver_number,
        stint,
        min(event_id) as event_id,
        min(driver) as driver,
        -- a stint is one set of tyres: its compound, age and freshness are its first lap's
        (array_agg(compound order by lap_number))[1] as compound,
        min(lap_number) as first_lap,
        max(lap_number) as last_lap,
        count(*) as lap_count,
        (array_agg(tyre_life order by lap_number))[1] - 1 as tyre_age_at_start,
        (array_agg(is_fresh_tyre order by lap_number))[1] as is_fresh_tyre
    from {{ ref('laps') }}
    where stint is not null
    group by session_id, driver_number, stint
)

select * from final
