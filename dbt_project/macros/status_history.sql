{#-
    Status history of an entity (sessions, events) that has `status` and `status_as_of` columns.
    dbt snapshots would stamp changes with the wall clock; these use as_of, so a replay of past
    days records its own history.

    status_observations(relation, key)
        The body of an incremental, append-only model: one row per observed status change.
        A row is appended for an entity seen for the first time, or whose status differs from
        its last observed one, observed_at = the entity's status_as_of. An as_of before the
        entity's last observation appends nothing (the history only moves forward), and a
        rebuild with the same statuses appends nothing. Equal as_of values may follow each other
        (a rebuild after new loads, same as_of): observation_number orders them.

    status_history(observations, key)
        Validity intervals from the observations: valid_from = observed_at, valid_to = the next
        observation's observed_at (null for the current status). A status superseded at the same
        as_of it was observed never held and is left out, so (key, valid_from) is unique.
-#}
{% macro status_observations(relation, key) -%}
with

current_statuses as (
    select
        {{ key }},
        status,
        status_as_of as observed_at
    from {{ relation }}
),
{%- if is_incremental() %}

last_observations as (
    select
        {{ key }},
        observation_number,
        status,
        observed_at
    from (
        select
            observations.*,
            -- one row per {{ key }}: its latest observation
            row_number() over (
                partition by {{ key }}
                order by observation_number desc
            ) as observation_rank
        from {{ this }} as observations
    ) as ranked_observations
    where observation_rank = 1
),
{%- endif %}

final as (
    select
        current_statuses.{{ key }},
        {%- if is_incremental() %}
        coalesce(last_observations.observation_number, 0) + 1 as observation_number,
        {%- else %}
        1 as observation_number,
        {%- endif %}
        current_statuses.status,
        current_statuses.observed_at,
        now() as _recorded_at
    from current_statuses
    {%- if is_incremental() %}
    left join last_observations
        on current_statuses.{{ key }} = last_observations.{{ key }}
    where last_observations.{{ key }} is null
        or (
            current_statuses.status <> last_observations.status
            and current_statuses.observed_at >= last_observations.observed_at
        )
    {%- endif %}
)

select * from final
{%- endmacro %}


{% macro status_history(observations, key) -%}
select
    {{ key }},
    status,
    valid_from,
    valid_to
from (
    select
        {{ key }},
        status,
        observed_at as valid_from,
        lead(observed_at) over (
            partition by {{ key }}
            order by observation_number
        ) as valid_to
    from {{ observations }}
) as intervals
-- superseded at the very as_of it was observed: never held
where valid_to is null or valid_to > valid_from
{%- endmacro %}


{#- The entities with a status history: their model, history model and key (the tests of
    tests/status_history_*.sql check each). -#}
{% macro status_entities() -%}
    {{ return([
        {'name': 'session', 'model': 'sessions', 'history': 'session_status_history', 'key': 'session_id'},
        {'name': 'event', 'model': 'events', 'history': 'event_status_history', 'key': 'event_id'},
    ]) }}
{%- endmacro %}
