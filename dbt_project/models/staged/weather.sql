{{ session_dataset(
    source('raw', 'weather'),
    key=['session_id', 'session_time'],
    columns=[
        'session_time', 't0_date + session_time as sampled_at', 'air_temp', 'track_temp',
        'humidity', 'pressure', 'rainfall', 'wind_direction', 'wind_speed',
        'rainfall as has_rainfall',
    ],
    timed=true,
) }}
