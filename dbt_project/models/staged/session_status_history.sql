{{ config(indexes=[{'columns': ['session_id', 'valid_from'], 'unique': true}]) }}

{{ status_history(ref('session_status_observations'), 'session_id') }}
