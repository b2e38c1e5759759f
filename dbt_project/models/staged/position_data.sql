{#- Car positions, one row per sample (macros/telemetry.sql). -#}
{{ telemetry_rows(source('raw', 'position_data'), values=['status', 'x', 'y', 'z', 'source']) }}
