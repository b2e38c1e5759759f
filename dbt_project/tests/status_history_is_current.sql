{#- Fails for every session or event whose current status in its history is not its status.
    Builds never move statuses back (models/history/status_clock.sql), so after any sequence of
    builds, forwards or backwards in as_of, the two agree. -#}

with

current_statuses as (
    {%- for entity in status_entities() %}
    select
        '{{ entity.name }}' as entity,
        entities.{{ entity.key }} as entity_id,
        entities.status,
        history.status as history_status
    from {{ ref(entity.model) }} as entities
    left join {{ ref(entity.history) }} as history
        on entities.{{ entity.key }} = history.{{ entity.key }}
        and history.valid_to is null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select *
    from current_statuses
    where history_status is distinct from status
)

select * from final
