{#- Fails for every podium whose session is not completed, and every completed race, sprint or
    qualifying-type session without a podium: the podiums agree with the statuses. -#}

with

completed_sessions as (
    select session_id
    from {{ ref('sessions') }}
    where session_type in ('R', 'S', 'Q', 'SQ', 'SS')
        and status = 'completed'
),

final as (
    select
        coalesce(podiums.session_id, completed_sessions.session_id) as session_id,
        podiums.session_id is not null as has_podium
    from {{ ref('podiums') }} as podiums
    full outer join completed_sessions
        on podiums.session_id = completed_sessions.session_id
    where podiums.session_id is null or completed_sessions.session_id is null
)

select * from final
