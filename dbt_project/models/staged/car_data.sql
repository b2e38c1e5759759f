{#-
    A view over the compact raw telemetry (see macros/telemetry.sql): one row per driver
    per sample of each session's latest loaded load, computed when queried, never stored twice.
-#}
{{ config(materialized='view') }}

{{ telemetry_rows(
    source('raw', 'car_data'),
    manifest=source('raw', 'load_manifest'),
    values=['rpm', 'speed', 'n_gear', 'throttle', 'brake', 'drs', 'source'],
) }}
