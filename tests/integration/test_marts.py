"""The session marts on real recorded sessions equal what FastF1's own frames give.

Each test loads the same session with FastF1 (offline, from ../shared/fastf1-frozen) and derives
the expected rows from its frames: `laps.Stint`/`Compound`, `PitInTime`/`PitOutTime`,
`results.GridPosition`, `session.track_status` and the laps' `Time` and `Position`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import fastf1
import pandas as pd
import pytest
from fastf1.exceptions import DataNotLoadedError
from fastf1.mvapi import get_circuit_info

from flows.config import get_settings
from flows.extract.schedule import fetch_schedule, schedule_frames, session_refs
from flows.extract.session import extract_session
from flows.load.connection import connect
from flows.load.raw_schema import ensure_raw_tables
from flows.load.session_load import write_schedule, write_session
from flows.transform.dbt import build_staged
from tests.conftest import FROZEN_HTTP_CACHE, use_offline_cache
from tests.integration.database import module_database, query
from tests.integration.marts_support import micros, micros_sql

pytestmark = [pytest.mark.integration, pytest.mark.replay]

# (season, FastF1 event name, FastF1 session identifier) -> our session_id
RECORDED = {
    (2019, "Italian Grand Prix", "Q"): "2019-italian-grand-prix-q",
    (2020, "Hungarian Grand Prix", "FP2"): "2020-hungarian-grand-prix-fp2",
    (2020, "70th Anniversary Grand Prix", "FP2"): "2020-70th-anniversary-grand-prix-fp2",
    (2020, "Belgian Grand Prix", "R"): "2020-belgian-grand-prix-r",
    (2020, "Italian Grand Prix", "R"): "2020-italian-grand-prix-r",
    (2020, "Portuguese Grand Prix", "R"): "2020-portuguese-grand-prix-r",
    (2023, "Bahrain Grand Prix", "R"): "2023-bahrain-grand-prix-r",
    (2023, "Azerbaijan Grand Prix", "Q"): "2023-azerbaijan-grand-prix-q",
    (2023, "Azerbaijan Grand Prix", "SS"): "2023-azerbaijan-grand-prix-ss",
    (2023, "Azerbaijan Grand Prix", "S"): "2023-azerbaijan-grand-prix-s",
    (2023, "Miami Grand Prix", "R"): "2023-miami-grand-prix-r",
}
WITH_LAPS = [k for k in RECORDED if k[2] in ("Q", "SS", "S", "FP2")]
RACES = [k for k in RECORDED if k[2] in ("R", "S")]
CODES = {"2": "yellow", "4": "safety_car", "5": "red_flag", "6": "virtual_safety_car"}
CODES["7"] = CODES["6"]


@pytest.fixture(scope="module")
def replay_db(pg_server, frozen_cache_dir, tmp_path_factory):
    """The recorded sessions loaded offline and built, once: the project's own extract (FastF1
    on the recording) and loader, without the orchestration the replay backfill tests cover."""
    with module_database(pg_server) as url:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("DATA_DIR", str(tmp_path_factory.mktemp("data")))
            use_offline_cache(env, frozen_cache_dir)
            with connect(url) as conn:
                ensure_raw_tables(conn)
                for season in sorted({k[0] for k in RECORDED}):
                    events, sessions = schedule_frames(fetch_schedule(season), season)
                    write_schedule(conn, season, events, sessions)
                    for ref in session_refs(events, sessions):
                        if ref.session_id in RECORDED.values():
                            write_session(conn, extract_session(ref), datetime.now(UTC))
            build_staged(url)
        get_settings.cache_clear()
        yield url


_SESSIONS: dict[tuple, fastf1.core.Session] = {}


def _fastf1(key: tuple, frozen_cache_dir) -> fastf1.core.Session:
    """The session as FastF1 loads it from the same recording (no telemetry was recorded)."""
    if key not in _SESSIONS:
        fastf1.Cache.configure(cache_dir=str(frozen_cache_dir))
        fastf1.Cache.offline_mode(True)
        session = fastf1.get_session(*key)
        session.load(telemetry=False, weather=False, messages=False)
        _SESSIONS[key] = session
    return _SESSIONS[key]


def _none(value):
    return None if value is None or pd.isna(value) else value


@pytest.mark.parametrize("key", WITH_LAPS, ids=RECORDED.get)
def test_stints_equal_fastf1_stint_and_compound(replay_db, frozen_cache_dir, key):
    laps = _fastf1(key, frozen_cache_dir).laps.sort_values(["DriverNumber", "LapNumber"])
    expected = {
        (driver, int(stint)): (
            _none(group["Compound"].iloc[0]),
            int(group["LapNumber"].min()),
            int(group["LapNumber"].max()),
            len(group),
            None if pd.isna(group["TyreLife"].iloc[0]) else int(group["TyreLife"].iloc[0]) - 1,
            _none(group["FreshTyre"].iloc[0]),
        )
        for (driver, stint), group in laps.dropna(subset=["Stint"]).groupby(
            ["DriverNumber", "Stint"]
        )
    }
    rows = query(
        replay_db,
        "select driver_number, stint, compound, first_lap, last_lap, lap_count, "
        "tyre_age_at_start, is_fresh_tyre from marts.stints where session_id = $1",
        RECORDED[key],
    )
    assert len(expected) > 20
    assert {(r[0], r[1]): tuple(r[2:]) for r in rows} == expected


@pytest.mark.parametrize("key", WITH_LAPS, ids=RECORDED.get)
def test_pit_stops_equal_fastf1_pit_in_and_pit_out_times(replay_db, frozen_cache_dir, key):
    laps = _fastf1(key, frozen_cache_dir).laps
    out = {(r.DriverNumber, int(r.LapNumber)): r.PitOutTime for r in laps.itertuples()}
    expected = {}
    for lap in laps[laps["PitInTime"].notna()].itertuples():
        pit_out = out.get((lap.DriverNumber, int(lap.LapNumber) + 1))
        duration = None if _none(pit_out) is None else micros(pit_out - lap.PitInTime)
        expected[(lap.DriverNumber, int(lap.LapNumber))] = (
            micros(lap.PitInTime),
            micros(pit_out),
            duration,
        )
    rows = query(
        replay_db,
        f"select driver_number, lap_number, {micros_sql('pit_in_time')}, "
        f"{micros_sql('pit_out_time')}, {micros_sql('pit_lane_duration')}, "
        "pit_in_at is null and pit_out_at is null "
        "from marts.pit_stops where session_id = $1",
        RECORDED[key],
    )
    assert expected, "the recording has pit stops"
    assert {(r[0], r[1]): tuple(r[2:5]) for r in rows} == expected
    # no timing reference without telemetry: FastF1 has no t0_date (LapStartDate) either
    assert laps["LapStartDate"].isna().all() and all(r[5] for r in rows)


@pytest.mark.parametrize("key", RACES, ids=RECORDED.get)
def test_starting_grid_equals_fastf1_grid_position(replay_db, frozen_cache_dir, key):
    results = _fastf1(key, frozen_cache_dir).results
    expected = {
        r.DriverNumber: int(r.GridPosition)
        for r in results.itertuples()
        if _none(r.GridPosition) is not None
    }
    rows = query(
        replay_db,
        "select driver_number, grid_position from marts.starting_grid where session_id = $1",
        RECORDED[key],
    )
    assert len(expected) >= 19  # a driver without a grid slot has none in FastF1 either
    assert dict(rows) == expected


def _periods(track_status: pd.DataFrame, laps: pd.DataFrame | None) -> list[tuple]:
    """Periods from FastF1's track status frame: runs of one kind, until the next change."""
    periods, current = [], None
    for row in track_status.itertuples():
        kind = CODES.get(row.Status)
        if current and kind != current[0]:
            current[2] = row.Time
            periods.append(current)
            current = None
        if kind and current is None:
            current = [kind, row.Time, None]
    if current:
        periods.append(current)
    return [(kind, micros(start), micros(end), *_laps_covered(laps, start, end))
            for kind, start, end in periods]  # fmt: skip


def _laps_covered(laps: pd.DataFrame | None, start, end) -> tuple:
    """Lead lap at the period's start (else the first started in it) and at its end."""
    if laps is None:
        return (None, None)
    before_end = laps["LapStartTime"] < end if end is not None else True
    overlap = laps[(laps["Time"] > start) & before_end]
    if overlap.empty:
        return (None, None)
    running = overlap[overlap["LapStartTime"] <= start]
    first = running["LapNumber"].max() if not running.empty else overlap["LapNumber"].min()
    return (int(first), int(overlap["LapNumber"].max()))


@pytest.mark.parametrize("key", list(RECORDED), ids=RECORDED.get)
def test_track_status_periods_equal_fastf1_track_status(replay_db, frozen_cache_dir, key):
    session = _fastf1(key, frozen_cache_dir)
    laps = session.laps if key in WITH_LAPS else None
    expected = _periods(session.track_status, laps)
    rows = query(
        replay_db,
        f"select kind, {micros_sql('start_time')}, {micros_sql('end_time')}, first_lap, last_lap "
        "from marts.track_status_periods where session_id = $1 order by period_number",
        RECORDED[key],
    )
    assert rows == expected


def test_track_status_periods_of_the_azerbaijan_sprint(replay_db):
    """The sprint's end, as FastF1's track status tells it: a yellow, then VSC, then SC."""
    rows = query(
        replay_db,
        "select kind, lap_count from marts.track_status_periods "
        "where session_id = '2023-azerbaijan-grand-prix-s' order by period_number",
    )
    assert [kind for kind, _ in rows][-3:] == ["yellow", "virtual_safety_car", "safety_car"]


def test_lap_positions_equal_fastf1_positions_and_lap_end_times(replay_db, frozen_cache_dir):
    key = (2023, "Azerbaijan Grand Prix", "S")
    laps = _fastf1(key, frozen_cache_dir).laps.dropna(subset=["Position"])
    expected = {}
    for lap_number, lap in laps.groupby("LapNumber"):
        lap = lap.sort_values("Position")
        leader, ahead = lap["Time"].iloc[0], None
        for row in lap.itertuples():
            expected[(row.DriverNumber, int(lap_number))] = (
                int(row.Position),
                micros(row.Time - leader),
                None if ahead is None else micros(row.Time - ahead),
            )
            ahead = row.Time
    rows = query(
        replay_db,
        f"select driver_number, lap_number, position, {micros_sql('gap_to_leader')}, "
        f"{micros_sql('interval_to_ahead')} from marts.lap_positions where session_id = $1",
        RECORDED[key],
    )
    assert len(expected) == 308
    assert {(r[0], r[1]): tuple(r[2:]) for r in rows} == expected


def _recorded_circuits() -> set[tuple[int, int]]:
    """(circuit key, season) of every circuit MultiViewer answered in the recordings (a 200)."""
    found = set()
    for path in FROZEN_HTTP_CACHE.glob("*.json"):
        record = json.loads(path.read_bytes())
        url = record["request"]["url"]
        if "api.multiviewer.app/api/v1/circuits/" in url and record["status_code"] == 200:
            key, season = url.rstrip("/").split("/")[-2:]
            found.add((int(key), int(season)))
    return found


@pytest.mark.parametrize("key", list(RECORDED), ids=RECORDED.get)
def test_session_info_equals_fastf1(replay_db, frozen_cache_dir, key):
    session = _fastf1(key, frozen_cache_dir)
    try:
        info = session.session_info
    except DataNotLoadedError:  # 2020 70th Anniversary FP2: no SessionInfo stream recorded
        info = {}
    meeting = info.get("Meeting", {})
    expected = (
        info.get("Key"),
        meeting.get("Key"),
        meeting.get("Circuit", {}).get("Key"),
        meeting.get("Circuit", {}).get("ShortName"),
        session.total_laps,
        micros(session.session_start_time),
    )
    rows = query(
        replay_db,
        "select session_key, meeting_key, circuit_key, circuit_short_name, total_laps, "
        f"{micros_sql('session_start_time')}, t0_date, started_at "
        "from staged.session_info where session_id = $1",
        RECORDED[key],
    )
    assert [r[:6] for r in rows] == [expected]
    assert expected[4] is not None or key[2] not in ("R", "S")  # races have their lap count
    # the recordings hold no telemetry, from which FastF1 derives t0_date: no UTC times
    assert rows[0][6:] == (None, None)
    utc = query(
        replay_db,
        "select count(lap_started_at), count(lap_end_at), count(lap_start_date) "
        "from staged.laps where session_id = $1",
        RECORDED[key],
    )
    assert utc == [(0, 0, 0)]


def test_session_keys_are_f1s(replay_db):
    """F1's keys: one per session, one meeting per weekend (the 2023 Bahrain race is session
    7953 of meeting 1141 in its recorded SessionInfo)."""
    rows = query(
        replay_db,
        "select session_id, session_key, meeting_key from staged.session_info "
        "where session_id like '2023-%' order by session_key",
    )
    assert ("2023-bahrain-grand-prix-r", 7953, 1141) in rows
    azerbaijan = [(s, m) for s, _, m in rows if s.startswith("2023-azerbaijan")]
    assert len(azerbaijan) == 3 and {m for _, m in azerbaijan} == {1207}
    assert len({k for _, k, _ in rows}) == len(rows)


def test_circuit_info_equals_fastf1_where_multiviewer_answered(replay_db):
    recorded = _recorded_circuits()
    assert recorded  # the recordings include MultiViewer's answer for a few circuits
    statuses = dict(
        query(
            replay_db,
            "select session_id, status from staged.session_datasets where dataset = 'circuit_info'",
        )
    )
    infos = query(replay_db, "select session_id, circuit_key from staged.session_info")
    expected_loaded = {s for s, key in infos if (key, int(s[:4])) in recorded}
    assert expected_loaded == {"2020-italian-grand-prix-r"}  # Monza (39) in 2020
    assert {s for s, status in statuses.items() if status == "loaded"} == expected_loaded
    assert set(statuses.values()) == {"loaded", "unavailable"}

    info = get_circuit_info(year=2020, circuit_key=39)  # FastF1's own reading of the answer
    expected = {
        (kind, int(r.Number), r.Letter): (r.X, r.Y, r.Angle)
        for kind, frame in (
            ("corner", info.corners),
            ("marshal_light", info.marshal_lights),
            ("marshal_sector", info.marshal_sectors),
        )
        for r in frame.itertuples()
    }
    rows = query(
        replay_db,
        "select kind, number, letter, x, y, angle, distance, rotation from staged.circuit_info "
        "where session_id = '2020-italian-grand-prix-r'",
    )
    assert {(k, n, le): (x, y, a) for k, n, le, x, y, a, _, _ in rows} == expected
    assert len(rows) == len(expected) == 45
    # no laps recorded for that race: FastF1 has no lap to place the markers along
    assert {(r[6], r[7]) for r in rows} == {(None, info.rotation)}


def test_circuit_corners_and_rotation_in_the_circuit_marts(replay_db):
    corners = query(
        replay_db,
        "select circuit_id, kind, number, letter, x, y, session_id, season "
        "from marts.circuit_corners order by circuit_id, kind, number, letter",
    )
    staged = query(
        replay_db,
        "select 'monza', kind, number, letter, x, y, session_id, 2020 from staged.circuit_info "
        "order by kind, number, letter",
    )
    # Monza has two recorded sessions; only the 2020 race has circuit info
    assert corners == staged
    assert [r[2] for r in corners if r[1] == "corner"] == list(range(1, 12))
    circuits = dict(
        query(replay_db, "select circuit_id, (circuit_key, rotation)::text from marts.circuits")
    )
    assert circuits["monza"] == "(39,95)"
    assert circuits["baku"] == "(144,)"  # F1's key, but no circuit info recorded


def test_the_readme_queries_run_and_answer(replay_db):
    """Every query of the README's "Querying" section, on the recorded sessions."""
    from flows.config import PROJECT_DIR

    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme[readme.index("## Querying") :]
    block = section[section.index("```sql") + len("```sql") : section.index("```\n", 7)]
    statements = [s.strip() for s in block.split(";") if s.strip()]
    assert len(statements) >= 8
    for statement in statements:
        rows = query(replay_db, statement)
        # the recordings hold no telemetry streams: those queries must run, and their answers
        # are checked on synthetic telemetry (test_compact_telemetry.py)
        if not any(t in statement for t in ("car_data", "position_data")):
            assert rows, statement.splitlines()[0]
