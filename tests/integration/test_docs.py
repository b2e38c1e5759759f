"""The dbt docs: every staged and marts model and column described, the lineage raw -> staged ->
marts, and the site works in a browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from flows.config import DBT_PROJECT_DIR, PROJECT_DIR
from flows.load.connection import connect
from flows.load.raw_schema import ensure_raw_tables
from flows.transform.dbt import build_staged, run_dbt
from tests.cli import CLI
from tests.integration.waiting import free_port, wait_until_answering

pytestmark = pytest.mark.integration

TARGET = DBT_PROJECT_DIR / "target"
MARTS = (
    "drivers",
    "driver_seasons",
    "teams",
    "circuits",
    "circuit_corners",
    "starting_grid",
    "stints",
    "pit_stops",
    "track_status_periods",
    "lap_positions",
    "driver_standings",
    "constructor_standings",
    "race_entries",
)


@pytest.fixture
def built_docs(db_url) -> tuple[dict, dict]:
    with connect(db_url) as conn:
        ensure_raw_tables(conn)
    build_staged(db_url)
    run_dbt(db_url, "docs", "generate", "--static")
    manifest = json.loads((TARGET / "manifest.json").read_text())
    catalog = json.loads((TARGET / "catalog.json").read_text())
    return manifest, catalog


def test_every_staged_and_marts_model_and_column_has_a_description(built_docs):
    manifest, catalog = built_docs
    built = {
        k: v for k, v in catalog["nodes"].items() if v["metadata"]["schema"] in ("staged", "marts")
    }
    assert {"model.f1.events", "model.f1.sessions", "model.f1.laps"} <= set(built)
    assert {f"model.f1.{m}" for m in MARTS} <= set(built)

    missing = []
    for unique_id, table in built.items():
        node = manifest["nodes"][unique_id]
        if not node["description"].strip():
            missing.append(unique_id)
        documented = {name.lower(): c["description"] for name, c in node["columns"].items()}
        for column in table["columns"]:
            if not documented.get(column.lower(), "").strip():
                missing.append(f"{unique_id}.{column}")
    assert missing == []
    assert (TARGET / "static_index.html").stat().st_size > 100_000


def test_the_lineage_runs_from_raw_through_staged_to_marts(built_docs):
    manifest, _ = built_docs
    parents = manifest["parent_map"]

    def ancestors(unique_id: str) -> set[str]:
        found, todo = set(), [unique_id]
        while todo:
            for parent in parents.get(todo.pop(), []):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    for mart in MARTS:
        lineage = ancestors(f"model.f1.{mart}")
        assert any(p.startswith("source.f1.raw.") for p in lineage), mart
        assert any(manifest["nodes"].get(p, {}).get("schema") == "staged" for p in lineage), mart
        # marts read staged, never raw directly
        assert not any(p.startswith("source.") for p in parents[f"model.f1.{mart}"]), mart


def test_served_docs_site_lists_the_staged_models_in_a_browser(db_url, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make browser` (or .ci/run) installs it"
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "docs", "--serve", "--port", str(port)],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": db_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/", server, 240, "the docs server")
        dom = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'chromium'}",
                "--virtual-time-budget=20000",
                "--dump-dom",
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
    for model in ("events", "sessions", "results", "laps", "car_data", "podiums", "race_entries"):
        assert f">{model}<" in dom.replace(" ", "") or f'title="{model}"' in dom, model
