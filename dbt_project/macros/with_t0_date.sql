{#-
    The rows of a session-level CTE with their session's t0_date (staged.session_info): the UTC
    moment FastF1's session-time offsets count from, null where FastF1 has none. A model adds
    its `..._at` columns as `t0_date + <offset>`.

    rows          name of the CTE whose rows get t0_date (it has session_id)
    session_info  `ref('session_info')` (the model passes it in, so ref() stays in the models)
-#}
{% macro with_t0_date(rows, session_info) -%}
select
    {{ rows }}.*,
    session_info.t0_date
from {{ rows }}
left join {{ session_info }} as session_info
    on {{ rows }}.session_id = session_info.session_id
{%- endmacro %}
