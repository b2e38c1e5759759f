{#- started_at: the session time offsets of a session count from t0_date -#}
{{ session_dataset(
    source('raw', 'session_info'),
    key=['session_id'],
    columns=[
        'session_key', 'meeting_key', 'circuit_key', 'circuit_short_name', 'total_laps',
        't0_date', 'session_start_time', 't0_date + session_start_time as started_at',
    ],
) }}
