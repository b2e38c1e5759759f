{#-
    One stream's samples lap by lap, as FastF1's `Lap.get_car_data()` / `get_pos_data()` slice
    them: a lap's samples are those with lap_start_time <= session_time <= time (the lap's end;
    its start, when FastF1 has no lap_start_time: time - lap_time),
    and `time` is the sample's session time minus the lap's start. With `distance`, the metres
    driven since the lap's start, as FastF1's `add_distance()` integrates them: the running sum
    of speed / 3.6 * (time minus the previous sample's time; the first sample's own time).

    A lap's rows are found by index (the chunk rows whose session times overlap the lap, see
    flows/load/telemetry_layout.py) and only their arrays are read (telemetry_samples in
    macros/telemetry.sql), so one lap costs a few chunks whatever the size of history.

    relation  the raw table, as `source('raw', ...)`
    values    the per-sample columns stored as arrays, in output order
-#}
{% macro lap_telemetry(relation, values, distance=false) -%}
    {%- set lap_chunks -%}
        chunks._load_id = latest_loads.load_id
        and chunks.session_id = lap_bounds.session_id
        and chunks.driver_number = lap_bounds.driver_number
        and chunks.session_time_base <= (extract(epoch from lap_bounds.end_time) * 1000000)::bigint
        and chunks.session_time_end >= (extract(epoch from lap_bounds.start_time) * 1000000)::bigint
    {%- endset -%}
with

latest_loads as (
    {{ latest_loads(source('raw', 'load_manifest'), dataset=relation.identifier) | indent(4) }}
),

lap_bounds as (
    select
        session_id,
        driver_number,
        lap_number,
        coalesce(lap_start_time, time - lap_time) as start_time,
        time as end_time
    from {{ ref('laps') }}
),

final as (
    -- per lap (lateral), so a join to a few laps (e.g. each driver's fastest) reads only those
    select
        lap_bounds.session_id,
        lap_bounds.driver_number,
        lap_bounds.lap_number,
        lap.sampled_at,
        lap.session_time,
        lap.session_time - lap_bounds.start_time as time,
        {%- if distance %}
        lap.distance,
        {%- endif %}
        {%- for column in values %}
        lap.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from lap_bounds
    inner join latest_loads
        on lap_bounds.session_id = latest_loads.session_id
    cross join lateral (
        select
            *
            {%- if distance %},
            sum(step) over (order by session_time rows unbounded preceding) as distance
            {%- endif %}
        from (
            select
                *
                {%- if distance %},
                speed / 3.6 * extract(epoch from session_time - coalesce(
                    lag(session_time) over (order by session_time), lap_bounds.start_time
                ))::double precision as step
                {%- endif %}
            from (
                {{ telemetry_samples(relation, values, lap_chunks) | indent(16) }}
            ) as chunk_samples
            where session_time between lap_bounds.start_time and lap_bounds.end_time
        ) as lap_samples
    ) as lap
)

select * from final
{%- endmacro %}
