with

track_status_kinds as (
    -- FastF1's track status codes: 1 track clear, 2 yellow flag, 4 safety car, 5 red flag,
    -- 6 virtual safety car deployed, 7 virtual safety car ending (still a VSC period);
    -- any other code (3 is unused) ends a period like 1
    select
        code,
        kind
    from (
        values
        ('2', 'yellow'),
        ('4', 'safety_car'),
        ('5', 'red_flag'),
        ('6', 'virtual_safety_car'),
        ('7', 'virtual_safety_car')
    ) as kinds (code, kind)
),

status_changes as (
    select
        track_status.session_id,
        track_status.event_id,
        track_status.sequence_number,
        track_status.session_time,
        track_status_kinds.kind,
        lag(track_status_kinds.kind) over session_changes as previous_kind,
        lead(track_status.session_time) over session_changes as next_change_time
    from {{ ref('track_status') }} as track_status
    left join track_status_kinds
        on track_status.status = track_status_kinds.code
    window session_changes as (
        partition by track_status.session_id order by track_status.sequence_number
    )
),

numbered_changes as (
    -- consecutive changes of one kind (e.g. 6 then 7) form one period
    select
        *,
        count(*) filter (where kind is distinct from previous_kind) over (
            partition by session_id order by sequence_number
        ) as period_number
    from status_changes
),

periods as (
    select
        session_id,
        period_number,
        min(event_id) as event_id,
        min(kind) as kind,
        min(session_time) as started_at_session_time,
        -- the change that ends the period follows its last row
        (array_agg(next_change_time order by sequence_number desc))[1] as ended_at_session_time
    from numbered_changes
    where kind is not null
    group by session_id, period_number
),

final as (
    select
        periods.session_id,
        row_number() over (
            partition by periods.session_id order by periods.period_number
        ) as period_number,
        periods.kind,
        periods.started_at_session_time as start_time,
        periods.ended_at_session_time as end_time,
        periods.ended_at_session_time - periods.started_at_session_time as duration,
        period_laps.first_lap,
        period_laps.last_lap,
        period_laps.last_lap - period_laps.first_lap + 1 as lap_count,
        periods.event_id
    from periods
    left join lateral (
        -- lap numbers on the lead lap: the highest lap running when the period started (else
        -- the first lap started during it), and the highest lap started before it ended
        select
            coalesce(
                max(laps.lap_number) filter (
                    where laps.lap_start_time <= periods.started_at_session_time
                ),
                min(laps.lap_number)
            ) as first_lap,
            max(laps.lap_number) as last_lap
        from {{ ref('laps') }} as laps
        where laps.session_id = periods.session_id
            and laps.time > periods.started_at_session_time
            and (
                periods.ended_at_session_time is null
                or laps.lap_start_time < periods.ended_at_session_time
            )
    ) as period_laps on true
)

select * from final
