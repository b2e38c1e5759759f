{{ session_dataset(
    source('raw', 'track_status'),
    key=['session_id', 'sequence_number'],
    columns=['sequence_number', 'session_time', 'status', 'message'],
) }}
