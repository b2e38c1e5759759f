{{ session_dataset(
    source('raw', 'circuit_info'),
    key=['session_id', 'kind', 'number', 'letter'],
    columns=['kind', 'number', 'letter', 'x', 'y', 'angle', 'distance', 'rotation'],
) }}
