{#-
    Use a model's custom schema name as is: `+schema: staged` builds into `staged`,
    not dbt's default `<target schema>_staged`. Models without one use the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
