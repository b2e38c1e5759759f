{{ session_dataset(
    source('raw', 'weather'),
    key=['session_id', 'session_time'],
    columns=[
        'session_time', 'air_temp', 'track_temp', 'humidity', 'pressure', 'rainfall',
        'wind_direction', 'wind_speed', 'rainfall as has_rainfall',
    ],
) }}
