"""The championship and feature marts on synthetic multi-round seasons (sprints included).

Expected values are computed here, in Python, from the frames that were loaded.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, datetime
from statistics import mean

import polars as pl
import pytest

from flows.extract.schedule import schedule_frames, session_refs
from flows.extract.session import SessionExtract
from flows.load.connection import connect
from flows.load.session_load import write_schedule, write_session
from flows.transform.dbt import build_staged, run_dbt
from flows.transform.profile import dbt_env
from tests.integration.database import module_database, query
from tests.integration.loading import create_raw_tables
from tests.integration.marts_support import project_copy
from tests.schedules import CONVENTIONAL, Event, fastf1_schedule, sprint_weekend, weekend
from tests.synthetic import synthetic_frames

pytestmark = pytest.mark.integration

SEASONS = {
    2024: [
        Event(1, "Bahrain Grand Prix", weekend("2024-03-01"), location="Sakhir"),
        sprint_weekend(2, "Chinese Grand Prix", "2024-03-15", location="Shanghai"),
        Event(3, "Italian Grand Prix", weekend("2024-03-29"), location="Monza"),
        Event(4, "Sakhir Grand Prix", weekend("2024-04-12"), location="Sakhir"),
    ],
    2025: [
        Event(1, "Bahrain Grand Prix", weekend("2025-03-07"), location="Sakhir"),
        sprint_weekend(2, "Miami Grand Prix", "2025-03-21", location="Miami"),
    ],
}
assert all(e.sessions[-1][0] == CONVENTIONAL[-1] for s in SEASONS.values() for e in s)
DRIVERS = 6


def _results(frames: dict, session_type: str, seed: int) -> pl.DataFrame:
    """Synthetic results with Jolpica ids, qualifying times and, in races, one retirement."""
    results = frames["results"].with_columns(
        ("driver_" + pl.col("driver_number")).alias("driver_id"),
        ("team_" + ((pl.col("driver_number").cast(pl.Int32) - 1) // 2 + 1).cast(pl.String)).alias(
            "team_id"
        ),
    )
    if session_type in ("Q", "SQ"):
        q1 = pl.duration(milliseconds=90_000 + pl.col("position").cast(pl.Int64) * 137 + seed)
        results = results.with_columns(
            q1.alias("q1"), (q1 - pl.duration(milliseconds=400)).alias("q2")
        )
    if session_type == "R":
        retired = pl.col("driver_number") == str(seed % DRIVERS + 1)
        results = results.with_columns(
            pl.when(retired).then(None).otherwise(pl.col("position")).alias("position"),
            pl.when(retired)
            .then(pl.lit("R"))
            .otherwise(pl.col("classified_position"))
            .alias("classified_position"),
            pl.when(retired).then(0.0).otherwise(pl.col("points")).alias("points"),
        )
    return results


@pytest.fixture(scope="module")
def season_db(pg_server):
    """Two synthetic seasons loaded (no telemetry) and built; the loaded frames by session."""
    loaded = []
    with module_database(pg_server) as url:
        create_raw_tables(url)
        with connect(url) as conn:
            for season, events in SEASONS.items():
                event_frame, session_frame = schedule_frames(fastf1_schedule(events), season)
                write_schedule(conn, season, event_frame, session_frame)
                for ref in session_refs(event_frame, session_frame):
                    seed = len(loaded) + 1
                    frames = synthetic_frames(seed, ref.starts_at, drivers=DRIVERS, laps=3)
                    frames = {
                        k: v for k, v in frames.items() if k not in ("car_data", "position_data")
                    }
                    frames["results"] = _results(frames, ref.session_type, seed)
                    write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))
                    loaded.append((ref, frames))
        build_staged(url)
        yield url, sorted(loaded, key=lambda item: item[0].starts_at)


def _expected_standings(loaded, entity: str) -> dict[tuple[str, str], float]:
    """Cumulative race + sprint points per (event_id, entity) after each round."""
    expected, totals, season_of = {}, defaultdict(float), {}
    for ref, frames in loaded:
        if ref.session_type not in ("R", "S"):
            continue
        for row in frames["results"].iter_rows(named=True):
            key = (ref.season, row[entity])
            totals[key] += row["points"] or 0.0
            season_of[key] = ref.season
        for (season, name), points in totals.items():
            if season == ref.season:
                expected[(ref.event_id, name)] = points
    return expected


@pytest.mark.parametrize(
    ("table", "entity"), [("driver_standings", "driver_id"), ("constructor_standings", "team_id")]
)
def test_standings_after_each_round_are_the_sum_of_race_and_sprint_points(season_db, table, entity):
    url, loaded = season_db
    rows = query(url, f"select event_id, {entity}, points from marts.{table}")
    assert {(e, n): p for e, n, p in rows} == _expected_standings(loaded, entity)
    # the sprint round counts its sprint: its points differ from the race's alone
    sprint_round = "2024-chinese-grand-prix"
    race_only = sum(
        r["points"]
        for ref, f in loaded
        if ref.event_id == sprint_round and ref.session_type == "R"
        for r in f["results"].iter_rows(named=True)
    )
    round_total = query(
        url, f"select sum(round_points) from marts.{table} where event_id = $1", sprint_round
    )[0][0]
    assert round_total > race_only


def test_standings_positions_rank_points_then_wins(season_db):
    url, _ = season_db
    rows = query(
        url,
        "select event_id, driver_id, position, points, wins from marts.driver_standings "
        "order by event_id, position",
    )
    by_round = defaultdict(list)
    for event_id, _driver_id, position, points, wins in rows:
        by_round[event_id].append((position, points, wins))
    assert len(by_round) == 6
    for standings in by_round.values():
        for position, points, wins in standings:
            ahead = [s for s in standings if (s[1], s[2]) > (points, wins)]
            assert position == len(ahead) + 1


def _race_history(loaded):
    """Per driver, their race results in order: (starts_at, position, classified, circuit)."""
    history = defaultdict(list)
    location = {
        f"{season}-{e.name.lower().replace(' ', '-')}": e.location.lower()
        for season, events in SEASONS.items()
        for e in events
    }
    for ref, frames in loaded:
        if ref.session_type == "R":
            for row in frames["results"].iter_rows(named=True):
                history[row["driver_id"]].append(
                    (
                        ref.starts_at,
                        row["position"],
                        row["classified_position"],
                        location[ref.event_id],
                    )
                )
    return history, location


def test_race_entries_features_read_only_earlier_sessions(season_db):
    url, loaded = season_db
    history, location = _race_history(loaded)
    standings = _expected_standings(loaded, "driver_id")
    rounds = {}  # season -> event_ids in order
    for ref, _ in loaded:
        if ref.session_type == "R":
            rounds.setdefault(ref.season, []).append(ref.event_id)
    rows = query(
        url,
        "select session_id, event_id, season, starts_at, driver_id, "
        "rolling_finish_5, dnfs_10, circuit_races, circuit_best_finish, standings_points_before, "
        "finish_position, is_podium from marts.race_entries",
    )
    race_refs = [ref for ref, _ in loaded if ref.session_type in ("R", "S")]
    assert len(rows) == len(race_refs) * DRIVERS
    for (session_id, event_id, season, starts_at, driver, form, dnfs, circuit_races,
         circuit_best, points_before, finish, podium) in rows:  # fmt: skip
        before = [h for h in history[driver] if h[0] < starts_at]
        positions = [h[1] for h in before[-5:] if h[1] is not None]
        assert (float(form) if form is not None else None) == (
            pytest.approx(mean(positions)) if positions else None
        ), session_id
        assert dnfs == sum(h[2] == "R" for h in before[-10:])
        here = [h for h in before if h[3] == location[event_id]]
        assert circuit_races == len(here)
        assert circuit_best == min((h[1] for h in here if h[1] is not None), default=None)
        index = rounds[season].index(event_id)
        previous = rounds[season][index - 1] if index else None
        assert points_before == standings.get((previous, driver), 0.0)
        assert podium == (finish is not None and finish <= 3)
    # the second Sakhir race of 2024 knows the first; the 2025 one knows both
    sakhir = query(
        url,
        "select session_id, max(circuit_races) from marts.race_entries "
        "where circuit_id = 'sakhir' and session_type = 'R' group by session_id order by 1",
    )
    assert sakhir == [
        ("2024-bahrain-grand-prix-r", 0),
        ("2024-sakhir-grand-prix-r", 1),
        ("2025-bahrain-grand-prix-r", 2),
    ]


def test_race_entries_qualifying_and_practice_features(season_db):
    url, loaded = season_db
    by_id = {ref.session_id: (ref, frames) for ref, frames in loaded}
    rows = query(
        url,
        "select session_id, driver_number, qualifying_position, "
        "(extract(epoch from qualifying_gap_to_teammate) * 1000)::bigint, "
        "practice_best_lap_rank, grid_position from marts.race_entries",
    )
    for session_id, number, quali_position, gap_ms, practice_rank, grid in rows:
        ref, frames = by_id[session_id]
        event = session_id.rsplit("-", 1)[0]
        quali_type = "sq" if ref.session_type == "S" else "q"
        quali = by_id[f"{event}-{quali_type}"][1]["results"]
        own = quali.filter(pl.col("driver_number") == number).row(0, named=True)
        mate = quali.filter(
            (pl.col("team_id") == own["team_id"]) & (pl.col("driver_number") != number)
        ).row(0, named=True)
        assert quali_position == own["position"]
        best = min(own["q1"], own["q2"])
        assert gap_ms == round((best - min(mate["q1"], mate["q2"])).total_seconds() * 1000)
        # practice held before the session: FP1 (sprint weekend), FP1-FP3 (conventional)
        practice = [
            f["laps"]
            for r, f in loaded
            if r.event_id == ref.event_id
            and r.session_type.startswith("FP")
            and r.starts_at < ref.starts_at
        ]
        bests = pl.concat(practice).group_by("driver_number").agg(pl.col("lap_time").min())
        own_best = bests.filter(pl.col("driver_number") == number)["lap_time"][0]
        assert practice_rank == 1 + bests.filter(pl.col("lap_time") < own_best).height
        grid_expected = frames["results"].filter(pl.col("driver_number") == number)[
            "grid_position"
        ][0]
        assert grid == grid_expected


LEAKS = {
    # the form window takes the race itself
    "form": (
        "rows between 4 preceding and current row",
        "rows between 4 preceding and 1 following",
    ),
    # the history counts the row's own session
    "circuit": (
        "partition by driver_key, circuit_id order by starts_at\n"
        "            rows between unbounded preceding and 1 preceding",
        "partition by driver_key, circuit_id order by starts_at\n"
        "            rows between unbounded preceding and current row",
    ),
    # the standings after this round instead of the previous one
    "standings": ("previous_standings.round_index = this_round.round_index - 1",
                  "previous_standings.round_index = this_round.round_index"),
}  # fmt: skip


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_the_leakage_test_fails_when_a_feature_reads_the_race(season_db, leak, tmp_path):
    url, _ = season_db  # built and tested as it is: no leakage
    project = project_copy(tmp_path)
    model = project / "models" / "marts" / "prediction" / "race_entries.sql"
    original, leaky = LEAKS[leak]
    text = model.read_text()
    assert text.count(original) == 1, f"the model no longer has {original!r}"
    model.write_text(text.replace(original, leaky))
    try:
        failures = _build_variant(url, project)
        assert failures == ["race_entries_features_known_before_start"]
    finally:
        run_dbt(url, "build", "--select", "race_entries")  # the real model, and its tests pass


def _build_variant(url: str, project) -> list[str]:
    """`dbt build` of race_entries from a copy of the project; the names of the failing tests."""
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(url))
    result = dbtRunner().invoke(
        [
            "build",
            "--select",
            "race_entries",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--log-level",
            "warn",
        ]
    )
    results = result.result.results
    assert {r.node.name for r in results if r.node.resource_type == "model"} == {"race_entries"}
    return sorted(
        r.node.name for r in results if r.node.resource_type == "test" and str(r.status) == "fail"
    )


def test_lap_positions_rebuild_only_the_sessions_whose_laps_were_loaded_again(season_db):
    url, loaded = season_db
    before = dict(
        query(url, "select session_id, min(_built_at) from marts.lap_positions group by 1")
    )
    races = [ref.session_id for ref, _ in loaded if ref.session_type in ("R", "S")]
    assert sorted(before) == sorted(races)

    ref, frames = next((r, f) for r, f in loaded if r.session_id == races[0])
    with connect(url) as conn:  # the same session loaded again: a new load of its laps
        write_session(conn, SessionExtract(ref, frames), datetime.now(UTC))
    build_staged(url)

    after = query(
        url,
        "select session_id, min(_built_at), max(_built_at), count(distinct _load_id) "
        "from marts.lap_positions group by 1",
    )
    rebuilt = {s for s, first, last, loads in after if first != before[s]}
    assert rebuilt == {races[0]}
    assert all(first == last and loads == 1 for _, first, last, loads in after)
    new_load = query(
        url,
        "select distinct _load_id from staged.laps where session_id = $1",
        races[0],
    )
    assert (
        query(
            url, "select distinct _load_id from marts.lap_positions where session_id = $1", races[0]
        )
        == new_load
    )
