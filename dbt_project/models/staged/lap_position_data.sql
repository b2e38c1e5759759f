{#- Car positions lap by lap (macros/lap_telemetry.sql). -#}
{{ lap_telemetry(source('raw', 'position_data'), values=['status', 'x', 'y', 'z', 'source']) }}
