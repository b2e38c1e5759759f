{{ config(indexes=[
    {'columns': ['event_id', 'driver_id'], 'unique': true},
    {'columns': ['season', 'round_index']},
]) }}

{{ championship_standings('driver_id') }}
