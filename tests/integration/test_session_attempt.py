"""One attempt at a session, as the load_session task makes it, called without Prefect."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.load.connection import connect
from flows.load.raw_schema import ensure_raw_tables
from flows.load.session_attempt import attempt_session
from tests.integration.database import scalar
from tests.unit.test_session_extract import recorded_ref

pytestmark = [pytest.mark.integration, pytest.mark.replay]


@pytest.fixture
def monza_q(db_url, offline_fastf1):
    with connect(db_url) as conn:
        ensure_raw_tables(conn)
    return recorded_ref(2019, "Italian Grand Prix", "Q")


def _laps(outcome) -> int:
    return next(e.row_count for e in outcome.entries if e.dataset == "laps")


def test_an_attempt_loads_a_session_then_skips_it_once_complete(db_url, monza_q):
    first = attempt_session(monza_q)
    again = attempt_session(monza_q)
    forced = attempt_session(monza_q, force=True)

    assert (first.status, _laps(first)) == ("loaded", 275)  # the frozen README's figure
    assert again.status == "skipped" and again.entries == []
    assert (forced.status, _laps(forced)) == ("loaded", 275)
    assert scalar(db_url, "select count(distinct _load_id) from raw.laps") == 2


def test_an_error_that_no_retry_can_mend_is_recorded_as_failed(db_url, monza_q):
    # round 99 of 2019 does not exist: FastF1 raises, which is no network trouble
    missing = replace(monza_q, round_number=99, session_id="2019-nowhere-q")

    outcome = attempt_session(missing, will_retry=lambda: True)

    assert outcome.status == "failed"
    statuses = "select distinct status from raw.load_manifest where session_id = $1"
    assert scalar(db_url, statuses, "2019-nowhere-q") == "failed"
