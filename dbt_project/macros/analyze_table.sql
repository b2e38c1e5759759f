{#- Fresh planner statistics for a table dbt has just built or appended to (a post-hook of every
    model, dbt_project.yml). Without them PostgreSQL plans the models that read the table as if
    it held a few rows: nested loops over window functions made race_entries take 0.97 s with
    1,000 small sessions (0.03 s with statistics), a cost growing with the square of the rows. -#}
{% macro analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
