{#-
    An aggregate: `column`'s value on the group's latest row by `order_by` (descending), as in
    "the driver's name as of their latest session". skip: none (the latest row's value, null or
    not), 'null' (the latest non-null value) or 'empty' (the latest value neither null nor '').
-#}
{% macro latest_value(column, order_by='starts_at', skip=none) -%}
    {%- set conditions = {
        none: none,
        'null': column ~ ' is not null',
        'empty': column ~ " <> ''",
    } -%}
    (array_agg({{ column }} order by {{ order_by }} desc)
    {%- if conditions[skip] %} filter (where {{ conditions[skip] }}){% endif %})[1]
{%- endmacro %}
