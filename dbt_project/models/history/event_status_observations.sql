{{ config(indexes=[{'columns': ['event_id', 'observation_number'], 'unique': true}]) }}

{{ status_observations(ref('events'), 'event_id') }}
