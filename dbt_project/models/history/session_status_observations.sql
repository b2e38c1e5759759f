{{ config(indexes=[{'columns': ['session_id', 'observation_number'], 'unique': true}]) }}

{{ status_observations(ref('sessions'), 'session_id') }}
