{{ session_dataset(
    source('raw', 'race_control_messages'),
    key=['session_id', 'sequence_number'],
    columns=[
        'sequence_number', 'message_at', 'lap', 'category', 'message', 'status', 'flag', 'scope',
        'sector', 'racing_number',
    ],
) }}
