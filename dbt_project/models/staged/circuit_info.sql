{{
    config(
        indexes=[
            {'columns': ['session_id', 'kind', 'number', 'letter'], 'unique': true},
        ]
    )
}}

with

latest_circuit_info as (
    {{ latest_load(
        source('raw', 'circuit_info'),
        key=['session_id', 'kind', 'number', 'letter'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        kind,
        number,
        letter,
        x,
        y,
        angle,
        distance,
        rotation,
        _load_id,
        _loaded_at
    from latest_circuit_info
)

select * from final
