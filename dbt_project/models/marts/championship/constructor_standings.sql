{{ config(indexes=[
    {'columns': ['event_id', 'team_id'], 'unique': true},
    {'columns': ['season', 'round_index']},
]) }}

{{ championship_standings('team_id') }}
