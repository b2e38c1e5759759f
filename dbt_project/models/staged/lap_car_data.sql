{#- Car telemetry lap by lap, with FastF1's distance (macros/lap_telemetry.sql). -#}
{{ lap_telemetry(
    source('raw', 'car_data'),
    values=['rpm', 'speed', 'n_gear', 'throttle', 'brake', 'drs', 'source'],
    distance=true,
) }}
