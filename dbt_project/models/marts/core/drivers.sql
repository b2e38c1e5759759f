{{ config(indexes=[{'columns': ['driver_id'], 'unique': true}]) }}

{#- names as of the driver's latest session (they rarely change; the latest wins) -#}
{%- set names = [
    'abbreviation', 'first_name', 'last_name', 'full_name', 'broadcast_name', 'country_code',
    'headshot_url',
] -%}

with

entries as (
    select *
    from {{ ref('int_session_entries') }}
    where driver_id is not null
),

final as (
    select
        driver_id,
        {%- for name in names %}
        {{ latest_value(name, skip='empty') }} as {{ name }},
        {%- endfor %}
        {{ latest_value('driver_number') }} as latest_driver_number,
        min(season) as first_season,
        max(season) as last_season,
        count(distinct season) as season_count,
        count(*) filter (where session_type = 'R') as race_count
    from entries
    group by driver_id
)

select * from final
