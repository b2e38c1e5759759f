{{ config(indexes=[
    {'columns': ['session_id', 'dataset'], 'unique': true},
    {'columns': ['season', 'status']},
]) }}

with

latest_attempts as (
    -- the latest load attempt of each session, whatever its datasets' statuses (failed and
    -- unavailable attempts count: they are what the last run found)
    {{ latest_loads(source('raw', 'load_manifest')) | indent(4) }}
),

manifest as (
    select * from {{ source('raw', 'load_manifest') }}
),

final as (
    select
        manifest.session_id,
        manifest.event_id,
        manifest.season,
        manifest.dataset,
        manifest.status,
        manifest.row_count,
        manifest.detail,
        manifest.load_id,
        manifest.started_at,
        manifest.finished_at,
        manifest.fastf1_version,
        -- null manifests count as not complete
        coalesce(latest_attempts.complete, false) as complete,
        coalesce(latest_attempts.complete, false) as has_complete_results
    from manifest
    inner join latest_attempts
        on manifest.session_id = latest_attempts.session_id
        and manifest.load_id = latest_attempts.load_id
)

select * from final
