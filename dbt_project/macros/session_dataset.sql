{#-
    The staged model of a session dataset: its rows of each session's latest 'loaded' load, one
    per natural key (macros/latest_load.sql), as session_id, event_id (derived from session_id),
    `columns`, _load_id, _loaded_at; with a unique index on the natural key.

    relation     the raw table, as `source('raw', ...)`
    key          the natural key, a list of column names, session_id first
    columns      the dataset's columns in output order: names, or SQL expressions with an alias
    indexes      more indexes, as in config(indexes=...)
    loads_where  optional condition on the loads read (incremental models, see latest_loads)
    built_at     add `_built_at`, when the build that wrote the row started (incremental models)
    timed        join the session's `t0_date` (staged.session_info; null when FastF1 had none),
                 so that `columns` can place session-time offsets in UTC: 't0_date + x as x_at'
-#}
{% macro session_dataset(
    relation, key, columns, indexes=[], loads_where=none, built_at=false, timed=false
) -%}
{{ config(indexes=[{'columns': key, 'unique': true}] + indexes) }}
with

latest_rows as (
    {{ latest_load(
        relation,
        key=key,
        manifest=source('raw', 'load_manifest'),
        loads_where=loads_where,
    ) | indent(4) }}
),
{%- if timed %}

timed_rows as (
    -- with the UTC moment the session's time offsets count from
    select
        latest_rows.*,
        session_info.t0_date
    from latest_rows
    left join {{ ref('session_info') }} as session_info
        on latest_rows.session_id = session_info.session_id
),
{%- endif %}

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        _load_id,
        _loaded_at
        {%- if built_at %},
        {{ build_started_at() }} as _built_at
        {%- endif %}
    from {{ 'timed_rows' if timed else 'latest_rows' }}
)

select * from final
{%- endmacro %}


{#- When the running dbt invocation started, as a SQL timestamptz: the `_built_at` of incremental
    models, by which their tests read only the rows of the latest build. -#}
{% macro build_started_at() -%}
    '{{ run_started_at.isoformat() }}'::timestamptz
{%- endmacro %}
