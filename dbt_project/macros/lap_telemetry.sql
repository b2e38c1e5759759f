{#-
    One stream's samples lap by lap, as FastF1's `Lap.get_car_data()` / `get_pos_data()` slice
    them: a lap's samples are those with lap_start_time <= session_time <= time (the lap's end;
    its start, when FastF1 has no lap_start_time: time - lap_time),
    and `time` is the sample's session time minus the lap's start. With `distance`, the metres
    driven since the lap's start, as FastF1's `add_distance()` integrates them: the running sum
    of speed / 3.6 * (time minus the previous sample's time; the first sample's own time).

    A lap's rows are found by index (the chunk rows whose session times overlap the lap, see
    flows/load/telemetry_layout.py) and only their arrays are read, so one lap costs a few
    chunks whatever the size of history.

    relation  the raw table, as `source('raw', ...)`
    manifest  `source('raw', 'load_manifest')`
    laps      `ref('laps')`
    values    the per-sample columns stored as arrays, in output order
-#}
{% macro lap_telemetry(relation, manifest, laps, values, distance=false) -%}
with

latest_loads as (
    -- the latest 'loaded' load of {{ relation.identifier }} per session_id
    select distinct on (session_id)
        session_id,
        load_id
    from {{ manifest }}
    where dataset = '{{ relation.identifier }}'
        and status = 'loaded'
        and session_id is not null
    order by session_id, finished_at desc nulls last, load_id desc
),

final as (
    -- per lap (lateral), so a join to a few laps (e.g. each driver's fastest) reads only those
    select
        laps.session_id,
        laps.driver_number,
        laps.lap_number,
        lap.sampled_at,
        lap.session_time,
        lap.session_time - coalesce(laps.lap_start_time, laps.time - laps.lap_time) as time,
        {%- if distance %}
        lap.distance,
        {%- endif %}
        {%- for column in values %}
        lap.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ laps }} as laps
    inner join latest_loads
        on laps.session_id = latest_loads.session_id
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
                    lag(session_time) over (order by session_time),
                    coalesce(laps.lap_start_time, laps.time - laps.lap_time)
                ))::double precision as step
                {%- endif %}
            from (
                select
                    chunks.chunk_start + samples.sampled_us * interval '1 microsecond'
                        as sampled_at,
                    (chunks.session_time_base + coalesce(samples.sampled_us, 0)
                        + samples.session_time_us) * interval '1 microsecond' as session_time,
                    {%- for column in values %}
                    samples.{{ column }}{{ ',' if not loop.last }}
                    {%- endfor %}
                from {{ relation }} as chunks
                cross join lateral unnest(
                    chunks.sampled_us,
                    chunks.session_time_us,
                    {%- for column in values %}
                    chunks.{{ column }}{{ ',' if not loop.last }}
                    {%- endfor %}
                ) as samples (sampled_us, session_time_us, {{ values | join(', ') }})
                where chunks._load_id = latest_loads.load_id
                    and chunks.session_id = laps.session_id
                    and chunks.driver_number = laps.driver_number
                    and chunks.session_time_base
                        <= (extract(epoch from laps.time) * 1000000)::bigint
                    and chunks.session_time_end
                        >= (extract(epoch from coalesce(laps.lap_start_time, laps.time - laps.lap_time)) * 1000000)::bigint
            ) as chunk_samples
            where session_time between coalesce(laps.lap_start_time, laps.time - laps.lap_time) and laps.time
        ) as lap_samples
    ) as lap
)

select * from final
{%- endmacro %}
