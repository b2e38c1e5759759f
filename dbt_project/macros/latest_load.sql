{#-
    The one deduplication pattern of the staged layer: a query returning, from an append-only raw
    table, the latest row per natural key (plus a `_row_number` helper column, always 1, which the
    calling model leaves out of its column list).

    relation     the raw table, as `source('raw', ...)` (the model passes it in, so `source()`
                 stays in the models)
    key          the natural key, a list of column names (session_id first for session datasets)
    manifest     `source('raw', 'load_manifest')` for session datasets; omit it for the schedule
                 snapshots (events, sessions), which keep the latest row per key across all loads,
                 so events and sessions that later left the schedule are kept
    loads_where  optional SQL condition on raw.load_manifest limiting which loads are read
                 (see latest_loads)

    For a session dataset (raw table name = manifest `dataset`):
      1. per session_id, the latest load whose status is 'loaded' for this dataset (see
         macros/latest_loads.sql); raw rows of any other load (older loads, loads without a
         manifest row) are dropped, and loads that were 'unavailable' or 'failed' never replace a good one;
      2. within that load, one row per natural key, the latest by _loaded_at.
    PostgreSQL has no QUALIFY, hence row_number() in a subquery filtered to 1.
-#}
{% macro latest_load(relation, key, manifest=none, loads_where=none) -%}
    {%- set key_list = key | join(', ') -%}
select *
from (
    select
        raw_rows.*,
        -- natural key: {{ key_list }}
        row_number() over (
            partition by {% for column in key %}raw_rows.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by raw_rows._loaded_at desc, raw_rows._load_id desc
        ) as _row_number
    from {{ relation }} as raw_rows
    {%- if manifest is not none %}
    inner join (
        {{ latest_loads(manifest, dataset=relation.identifier, loads_where=loads_where) | indent(8) }}
    ) as latest_loads
        on raw_rows.session_id = latest_loads.session_id
        and raw_rows._load_id = latest_loads.load_id
    {%- endif %}
) as ranked_rows
where _row_number = 1
{%- endmacro %}
