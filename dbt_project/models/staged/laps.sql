{{
    config(
        indexes=[
            {'columns': ['session_id', 'driver_number', 'lap_number'], 'unique': true},
            {'columns': ['session_id', 'lap_time']},
        ]
    )
}}

with

latest_laps as (
    {{ latest_load(
        source('raw', 'laps'),
        key=['session_id', 'driver_number', 'lap_number'],
        manifest=source('raw', 'load_manifest'),
    ) | indent(4) }}
),

final as (
    select
        session_id,
        -- session_id is event_id plus '-' and the lowercased session type
        regexp_replace(session_id, '-[^-]+$', '') as event_id,
        driver_number,
        driver,
        team,
        lap_number,
        time,
        lap_time,
        stint,
        pit_out_time,
        pit_in_time,
        sector1_time,
        sector2_time,
        sector3_time,
        sector1_session_time,
        sector2_session_time,
        sector3_session_time,
        speed_i1,
        speed_i2,
        speed_fl,
        speed_st,
        is_personal_best,
        compound,
        tyre_life,
        fresh_tyre,
        lap_start_time,
        lap_start_date,
        track_status,
        position,
        deleted,
        deleted_reason,
        fastf1_generated,
        is_accurate,
        _load_id,
        _loaded_at
    from latest_laps
)

select * from final
