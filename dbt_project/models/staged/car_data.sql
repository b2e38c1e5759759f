{#- Car telemetry, one row per sample (macros/telemetry.sql). -#}
{{ telemetry_rows(
    source('raw', 'car_data'),
    values=['rpm', 'speed', 'n_gear', 'throttle', 'brake', 'drs', 'source'],
) }}
