{#- Car telemetry lap by lap, with FastF1's distance (see macros/lap_telemetry.sql): a view. -#}
{{ config(materialized='view') }}

{{ lap_telemetry(
    source('raw', 'car_data'),
    manifest=source('raw', 'load_manifest'),
    laps=ref('laps'),
    values=['rpm', 'speed', 'n_gear', 'throttle', 'brake', 'drs', 'source'],
    distance=true,
) }}
