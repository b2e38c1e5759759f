{#-
    dbt's own macro (see dbt's docs, the test config `where`), overridden so that a test's
    `where` can name the tested relation instead of hard-coding its schema and table:
      __model__         the tested relation
      __latest_build__  the rows of its latest build: `_built_at = (select max(_built_at) from
                        __model__)`, how the tests of an incremental model check only what the
                        build wrote (models/staged/laps.sql)
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where
            | replace('__latest_build__', '_built_at = (select max(_built_at) from __model__)')
            | replace('__model__', relation | string) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
