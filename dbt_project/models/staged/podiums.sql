{{ config(indexes=[
    {'columns': ['session_id'], 'unique': true},
    {'columns': ['season', 'session_type']},
]) }}

with

classified_sessions as (
    -- sessions with a classification, completed as of the build's status_as_of (results final):
    -- the podiums agree with the statuses
    select
        session_id,
        event_id,
        season,
        session_type,
        starts_at
    from {{ ref('sessions') }}
    where session_type in ('R', 'S', 'Q', 'SQ', 'SS')
        and status = 'completed'
),

top_three as (
    select
        session_id,
        position,
        abbreviation
    from {{ ref('results') }}
    where position between 1 and 3
),

final as (
    select
        classified_sessions.session_id,
        classified_sessions.event_id,
        classified_sessions.season,
        classified_sessions.session_type,
        max(case when top_three.position = 1 then top_three.abbreviation end) as p1_abbreviation,
        max(case when top_three.position = 2 then top_three.abbreviation end) as p2_abbreviation,
        max(case when top_three.position = 3 then top_three.abbreviation end) as p3_abbreviation
    from classified_sessions
    left join top_three
        on classified_sessions.session_id = top_three.session_id
    group by
        classified_sessions.session_id,
        classified_sessions.event_id,
        classified_sessions.season,
        classified_sessions.session_type
)

select * from final
