{#-
    The rows of a schedule snapshot table (raw.events, raw.sessions): the latest row per `key`
    across all loads (macros/latest_load.sql), so rows that later left the schedule are kept, with
    `is_cancelled`: absent from the newest snapshot of its season (the load of the season's latest
    row), so its newest row comes from an older one.

    relation  the raw table, as `source('raw', ...)`
    key       its natural key column (event_id, session_id)
-#}
{% macro schedule_snapshot(relation, key) -%}
select
    latest_rows.*,
    latest_rows._load_id <> latest_schedules._load_id as is_cancelled
from (
    {{ latest_load(relation, key=[key]) | indent(4) }}
) as latest_rows
inner join (
    {{ latest_load(relation, key=['season']) | indent(4) }}
) as latest_schedules
    on latest_rows.season = latest_schedules.season
{%- endmacro %}
