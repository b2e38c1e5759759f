{#- The other way round from the other datasets: F1 gives a message's UTC time, and its
    session-time offset is derived from the session's t0_date. -#}
{{ session_dataset(
    source('raw', 'race_control_messages'),
    key=['session_id', 'sequence_number'],
    columns=[
        'sequence_number', 'message_at', 'message_at - t0_date as session_time', 'lap',
        'category', 'message', 'status', 'flag', 'scope', 'sector', 'racing_number',
    ],
    timed=true,
) }}
