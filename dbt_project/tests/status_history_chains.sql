{#- Fails for every session or event whose status history does not chain: an interval that
    ends before it starts, or not exactly one current (open) status. -#}

with

histories as (
    {%- for entity in status_entities() %}
    select
        '{{ entity.name }}' as entity,
        {{ entity.key }} as entity_id,
        valid_from,
        valid_to
    from {{ ref(entity.history) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        entity,
        entity_id,
        'valid_to not after valid_from' as problem
    from histories
    where valid_to <= valid_from
    union all
    select
        entity,
        entity_id,
        'not exactly one current status' as problem
    from histories
    group by entity, entity_id
    having count(*) filter (where valid_to is null) <> 1
)

select * from final
