{#-
    Telemetry from the compact raw layout (flows/load/telemetry_layout.py): one row per driver per
    minute whose per-sample columns are arrays. Times are microseconds from the row's
    `chunk_start` (sampled_at) and from a per-row base (session_time), plus a per-sample
    residual (`session_time_us`: null for a row whose residuals are all zero).

    telemetry_samples(relation, values, chunks_where)
        The one unnest of the arrays: the samples, one row each, of the raw rows (`chunks`) that
        `chunks_where` keeps, with session_id, driver_number, sampled_at, session_time, the
        `values` columns in order, _load_id and _loaded_at.

    telemetry_rows(relation, values)
        The staged view of a stream: the samples of each session's latest 'loaded' load. A view,
        not a copy: a query on one session (and driver) reads only that load's partition (and
        that driver's rows, by index). `_built_at` is kept for earlier queries: the load's
        `_loaded_at`.

    relation  the raw table, as `source('raw', ...)` (its name is the manifest's `dataset`)
    values    the per-sample columns stored as arrays, in output order
-#}
{% macro telemetry_samples(relation, values, chunks_where) -%}
select
    chunks.session_id,
    chunks.driver_number,
    chunks.chunk_start + samples.sampled_us * interval '1 microsecond' as sampled_at,
    (
        chunks.session_time_base
        + coalesce(samples.sampled_us, 0)
        + case when chunks.session_time_us is null then 0 else samples.session_time_us end
    ) * interval '1 microsecond' as session_time,
    {%- for column in values %}
    samples.{{ column }},
    {%- endfor %}
    chunks._load_id,
    chunks._loaded_at
from {{ relation }} as chunks
cross join lateral unnest(
    chunks.sampled_us,
    chunks.session_time_us,
    {%- for column in values %}
    chunks.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
) as samples (sampled_us, session_time_us, {{ values | join(', ') }})
where {{ chunks_where }}
{%- endmacro %}


{% macro telemetry_rows(relation, values) -%}
with

latest_loads as (
    {{ latest_loads(source('raw', 'load_manifest'), dataset=relation.identifier) | indent(4) }}
),

final as (
    select
        latest_loads.session_id,
        samples.driver_number,
        samples.sampled_at,
        samples.session_time,
        {%- for column in values %}
        samples.{{ column }},
        {%- endfor %}
        samples._load_id,
        samples._loaded_at,
        samples._loaded_at as _built_at
    from latest_loads
    cross join lateral (
        {{ telemetry_samples(
            relation,
            values,
            'chunks._load_id = latest_loads.load_id and chunks.session_id = latest_loads.session_id',
        ) | indent(8) }}
    ) as samples
)

select * from final
{%- endmacro %}
