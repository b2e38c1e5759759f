{#-
    "The latest load per session", the one place it is written: a query giving, per session_id,
    the raw.load_manifest row of its latest load. Latest is by the manifest's `finished_at` (when
    the load wrote its manifest, in the same transaction as its rows), ties broken by `load_id`,
    the order flows/load (manifest.py, retention.py) uses too.

    manifest     `source('raw', 'load_manifest')`, or its name where source() does not resolve
                 (in config(), rendered when the project is parsed)
    dataset      a raw table's name: its latest load with status 'loaded' (rows written, possibly
                 zero), so 'unavailable' or 'failed' attempts never replace a good load; omitted:
                 the latest load attempt, whatever any dataset found
    loads_where  optional SQL condition on the manifest limiting which loads are read (the hook
                 for incremental models: it must keep every load newer than a point in time, so
                 the latest load is still found)
-#}
{% macro latest_loads(manifest, dataset=none, loads_where=none) -%}
select distinct on (session_id) *
from {{ manifest }}
where session_id is not null
    {%- if dataset is not none %}
    and dataset = '{{ dataset }}'
    and status = 'loaded'
    {%- endif %}
    {%- if loads_where %}
    and ({{ loads_where }})
    {%- endif %}
order by session_id, finished_at desc nulls last, load_id desc
{%- endmacro %}
