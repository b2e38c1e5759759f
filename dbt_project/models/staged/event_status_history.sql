{{ config(indexes=[{'columns': ['event_id', 'valid_from'], 'unique': true}]) }}

{{ status_history(ref('event_status_observations'), 'event_id') }}
