{#- The statuses' clock: one row per build of the statuses. A build's statuses are as of the
    as_of it asks for (the var `as_of`, else the time of the build), or as of the latest earlier
    build's if that is later: statuses and their history never move backwards, whatever the order
    of the builds (a replay of the past needs a fresh database; `sync` refuses one before writing
    anything, see flows/transform/clock.py). See macros/as_of.sql for status_as_of(). -#}

with

requested as (
    select {{ as_of() }} as requested_as_of
),

{% if is_incremental() -%}
latest_build as (
    select max(status_as_of) as status_as_of
    from {{ this }}
),

{% endif -%}
final as (
    select
        requested.requested_as_of,
        {%- if is_incremental() %}
        -- greatest() ignores a null: the first build
        greatest(requested.requested_as_of, latest_build.status_as_of) as status_as_of,
        {%- else %}
        requested.requested_as_of as status_as_of,
        {%- endif %}
        now() as _recorded_at
    from requested
    {%- if is_incremental() %}
    cross join latest_build
    {%- endif %}
)

select * from final
