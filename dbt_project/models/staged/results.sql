{{ session_dataset(
    source('raw', 'results'),
    key=['session_id', 'driver_number'],
    columns=[
        'driver_number', 'broadcast_name', 'abbreviation', 'driver_id', 'team_name', 'team_color',
        'team_id', 'first_name', 'last_name', 'full_name', 'headshot_url', 'country_code',
        'position', 'classified_position', 'grid_position', 'q1', 'q2', 'q3', 'time',
        "nullif(status, '') as status", 'points', 'laps',
    ],
) }}
