{#- One row per build that rebuilt every model reading raw and passed their tests: the models
    below are its parents, and `dbt build` runs a model only after its parents and their tests
    succeeded. Its stamp comes from flows/transform/dbt.py (environment variables, which unlike
    vars do not make dbt parse the whole project again; null when not given):
    `load_manifest_rows`, how many rows raw.load_manifest had when the build started, and
    `project_checksum`, of the dbt project's files. raw is append-only, so a later run with the
    same stamp has nothing new to build and builds only the statuses (tag:status). A model that
    reads raw must be listed here (tests/integration/test_statuses.py checks it). -#}
-- depends_on: {{ ref('results') }}
-- depends_on: {{ ref('laps') }}
-- depends_on: {{ ref('weather') }}
-- depends_on: {{ ref('car_data') }}
-- depends_on: {{ ref('position_data') }}
-- depends_on: {{ ref('session_status') }}
-- depends_on: {{ ref('track_status') }}
-- depends_on: {{ ref('race_control_messages') }}
-- depends_on: {{ ref('session_info') }}
-- depends_on: {{ ref('circuit_info') }}
-- depends_on: {{ ref('session_datasets') }}
-- depends_on: {{ ref('lap_car_data') }}
-- depends_on: {{ ref('lap_position_data') }}

{#- read when running only: what parsing reads, a changed value would make dbt parse again #}
{%- set load_manifest_rows = (env_var('F1_LOAD_MANIFEST_ROWS', '') if execute else '') or none %}
{%- set project_checksum = (env_var('F1_PROJECT_CHECKSUM', '') if execute else '') or none %}
{%- set checksum_literal = "'" ~ (project_checksum | replace("'", "''")) ~ "'" %}

with

final as (
    select
        {{ 'null' if load_manifest_rows is none else load_manifest_rows | int }}::bigint
            as load_manifest_rows,
        {{ 'null' if project_checksum is none else checksum_literal }}::text
            as project_checksum,
        now() as _recorded_at
)

select * from final
