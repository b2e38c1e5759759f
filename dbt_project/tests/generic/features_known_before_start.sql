{#-
    No leakage: every feature of a row was known before the row's session started. Each feature
    group of the model has an as-of column (the start of the latest session the group read);
    the test returns the rows where any of them is at or after `starts_at`.

    So that a new feature group cannot slip past it, the test also fails to compile when the
    model has an `*_as_of` column that is not listed in `as_of_columns`.
-#}
{% test features_known_before_start(model, starts_at, as_of_columns) %}
    {%- if execute -%}
        {%- set unlisted = [] -%}
        {%- for column in adapter.get_columns_in_relation(model) -%}
            {%- if column.name.endswith('_as_of') and column.name not in as_of_columns -%}
                {%- do unlisted.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if unlisted -%}
            {{ exceptions.raise_compiler_error(
                "features_known_before_start: " ~ model ~ " has as-of columns the test does not check: "
                ~ unlisted | join(', ')
            ) }}
        {%- endif -%}
    {%- endif %}
select *
from {{ model }}
where {% for column in as_of_columns -%}
    {{ column }} >= {{ starts_at }}{{ ' or ' if not loop.last }}
{%- endfor %}
{% endtest %}
