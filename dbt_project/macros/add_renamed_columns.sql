{#-
    Pre-hook of an incremental model that gives columns a new name next to the old one
    (models/staged/laps.sql): on a table built before, which lacks them, it adds each new column
    with its old column's type and fills it from that column, so the rows of earlier builds have
    it too (dbt's on_schema_change would add it empty, and only a full refresh would fill it).

    renames  {column: its new name}
-#}
{% macro add_renamed_columns(renames) -%}
    {%- if execute and is_incremental() -%}
        {%- set existing = {} -%}
        {%- for column in adapter.get_columns_in_relation(this) -%}
            {%- do existing.update({column.name: column.data_type}) -%}
        {%- endfor -%}
        {%- for old, new in renames.items() if new not in existing and old in existing %}
alter table {{ this }} add column {{ new }} {{ existing[old] }};
update {{ this }} set {{ new }} = {{ old }};
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
