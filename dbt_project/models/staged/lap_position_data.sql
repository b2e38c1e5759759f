{#- Car positions lap by lap (see macros/lap_telemetry.sql): a view. -#}
{{ config(materialized='view') }}

{{ lap_telemetry(
    source('raw', 'position_data'),
    manifest=source('raw', 'load_manifest'),
    laps=ref('laps'),
    values=['status', 'x', 'y', 'z', 'source'],
) }}
