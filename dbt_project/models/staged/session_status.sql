{{ session_dataset(
    source('raw', 'session_status'),
    key=['session_id', 'sequence_number'],
    columns=[
        'sequence_number', 'session_time', 't0_date + session_time as changed_at', 'status',
    ],
    timed=true,
) }}
