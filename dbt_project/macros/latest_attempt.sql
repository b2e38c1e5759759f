{#-
    The latest load attempt of every session: one row per session_id with its load_id and whether
    that load's results are final (`complete`, null manifests count as not complete), from
    raw.load_manifest, whatever the datasets' statuses (failed and unavailable attempts count:
    they are what the last run found). Loads are ordered by finished_at, as in latest_load and in
    flows.load.manifest.complete_sessions, which decides which sessions later runs skip.

    manifest  `source('raw', 'load_manifest')` (the model passes it in)
-#}
{% macro latest_attempt(manifest) -%}
select
    session_id,
    load_id,
    coalesce(complete, false) as complete
from (
    select
        session_id,
        load_id,
        complete,
        -- one row per session_id: the manifest row of its latest load attempt
        row_number() over (
            partition by session_id
            order by finished_at desc nulls last, load_id desc
        ) as attempt_rank
    from {{ manifest }}
    where session_id is not null
) as ranked_attempts
where attempt_rank = 1
{%- endmacro %}
