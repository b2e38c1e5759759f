{{
    config(
        indexes=[
            {'columns': ['session_id', 'driver_number'], 'unique': true},
        ]
    )
}}

with

latest_results as (
    {{ latest_load(
        source('raw', 'results'),
        key=['session_id', 'driver_number'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        driver_number,
        broadcast_name,
        abbreviation,
        driver_id,
        team_name,
        team_color,
        team_id,
        first_name,
        last_name,
        full_name,
        headshot_url,
        country_code,
        position,
        classified_position,
        grid_position,
        q1,
        q2,
        q3,
        time,
        nullif(status, '') as status,
        points,
        laps,
        _load_id,
        _loaded_at
    from latest_results
)

select * from final
