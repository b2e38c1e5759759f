{#-
    Row-wise telemetry from the compact raw layout (flows/load/telemetry_layout.py): the samples
    of each session's latest 'loaded' load, one row per driver per sample, unnested from the
    arrays of one row per driver per minute. A view, not a copy: a query on one session (and
    driver) reads only that load's partition (and that driver's rows, by index).

    relation  the raw table, as `source('raw', ...)` (its name is the manifest's `dataset`)
    manifest  `source('raw', 'load_manifest')`
    values    the per-sample columns stored as arrays, in output order

    Times are microseconds from the row's `chunk_start` (sampled_at) and from a per-row base
    (session_time); `_built_at` is kept for earlier queries: for a view, the load's `_loaded_at`.
-#}
{% macro telemetry_rows(relation, manifest, values) -%}
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
    select
        latest_loads.session_id,
        chunks.driver_number,
        chunks.chunk_start + samples.sampled_us * interval '1 microsecond' as sampled_at,
        (chunks.session_time_base + coalesce(samples.sampled_us, 0) + samples.session_time_us)
            * interval '1 microsecond' as session_time,
        {%- for column in values %}
        samples.{{ column }},
        {%- endfor %}
        chunks._load_id,
        chunks._loaded_at,
        chunks._loaded_at as _built_at
    from latest_loads
    inner join {{ relation }} as chunks
        on latest_loads.load_id = chunks._load_id
        and latest_loads.session_id = chunks.session_id
    cross join lateral unnest(
        chunks.sampled_us,
        chunks.session_time_us,
        {%- for column in values %}
        chunks.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as samples (sampled_us, session_time_us, {{ values | join(', ') }})
)

select * from final
{%- endmacro %}
