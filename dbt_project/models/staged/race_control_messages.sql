{{ session_dataset(
    source('raw', 'race_control_messages'),
    key=['session_id', 'sequence_number'],
    columns=[
        'sequence_number', 'message_at',
        -- the other way round: F1 gives the message's UTC time, the offset is derived
        'message_at - t0_date as session_time',
        'lap', 'category', 'message', 'status', 'flag', 'scope', 'sector', 'racing_number',
    ],
    timed=true,
) }}
