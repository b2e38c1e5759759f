{{
    config(
        indexes=[
            {'columns': ['event_id'], 'unique': true},
            {'columns': ['season', 'round_number']},
        ]
    )
}}

with

latest_events as (
    -- events that later left the schedule are kept
    {{ latest_load(source('raw', 'events'), key=['event_id']) | indent(4) }}
),

final as (
    select
        event_id,
        season,
        round_number,
        event_name,
        official_event_name,
        country,
        location,
        event_format,
        event_date,
        f1_api_support,
        _load_id,
        _loaded_at
    from latest_events
)

select * from final
