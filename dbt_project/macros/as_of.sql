{#-
    "Now" for the status columns: the dbt var `as_of`, an ISO-8601 timestamp with its zone
    (e.g. `dbt build --vars '{"as_of": "2023-04-30T12:00:00+00:00"}'`), as a SQL timestamptz
    expression; else the environment variable F1_AS_OF (how flows/transform/dbt.py passes it:
    a var that changes makes dbt parse the whole project again); `current_timestamp` (the start
    of the model's transaction) when neither is given. Replaying a past weekend is building with an as_of in the past.

    The value is checked at compile time, so a typo fails the build instead of meaning "now";
    a YAML timestamp (`--vars 'as_of: 2023-04-30T12:00:00Z'`, not quoted) is accepted too.
-#}
{% macro as_of() -%}
    {#- read when running only: what parsing reads, a changed value would make dbt parse again -#}
    {%- set value = var('as_of', env_var('F1_AS_OF', '')) if execute else none -%}
    {%- if value is none or (value is string and value | trim == '') -%}
        current_timestamp
    {%- else -%}
        {%- set text = (value if value is string else value.isoformat()) | trim -%}
        {%- set iso_with_zone = '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$' -%}
        {%- if not modules.re.match(iso_with_zone, text) -%}
            {{ exceptions.raise_compiler_error(
                "var as_of must be an ISO-8601 timestamp with a zone, e.g. "
                ~ "'2023-04-30T12:00:00+00:00'; got " ~ (value | string)
            ) }}
        {%- endif -%}
        '{{ text }}'::timestamptz
    {%- endif -%}
{%- endmacro %}


{#-
    The status time of a build, as a SQL expression: as_of(), unless the status clock
    (models/history/status_clock.sql) has seen a later build; then that build's. sessions and
    events both use it, so a build that does not run the clock cannot move statuses back either.
-#}
{% macro status_as_of() -%}
    greatest({{ as_of() }}, (select max(status_as_of) from {{ ref('status_clock') }}))
{%- endmacro %}
