"""FastF1 online, unpatched, through the stand-in: cold cache, fetch, mirror fallback."""

from __future__ import annotations

import pytest
import requests

from flows.config import get_settings
from flows.extract.cache import configure_fastf1
from flows.extract.session import extract_session
from tests.standin.plugin import JOLPICA, LIVETIMING, MIRROR
from tests.unit.test_session_extract import podium, recorded_ref

MONZA_Q = "/static/2019/2019-09-08_Italian_Grand_Prix/2019-09-07_Qualifying/"


@pytest.fixture
def online_fastf1(standin, db_url, tmp_path, monkeypatch):
    """FastF1 online with an empty cache, through the project's own settings."""
    monkeypatch.setenv("FASTF1_CACHE_DIR", str(tmp_path / "fastf1-cache"))
    get_settings.cache_clear()
    configure_fastf1(get_settings())
    return standin


@pytest.mark.online
def test_cold_cache_loads_2019_italian_qualifying_through_the_standin(online_fastf1):
    extract = extract_session(recorded_ref(2019, "Italian Grand Prix", "Q"))

    assert extract.frames["results"].height == 20
    assert extract.frames["laps"].height == 275
    assert podium(extract) == ["LEC", "HAM", "BOT"]
    calls = online_fastf1.requests()
    hosts = {r["host"] for r in calls}
    assert {LIVETIMING, JOLPICA} <= hosts
    timing = [r for r in calls if r["host"] == LIVETIMING and r["path"].startswith(MONZA_Q)]
    assert {r["path"].removeprefix(MONZA_Q) for r in timing if r["status"] == 200} >= {
        "SessionInfo.jsonStream",
        "TimingData.jsonStream",
        "DriverList.jsonStream",
    }


@pytest.mark.online
def test_an_absent_stream_falls_back_to_the_mirror(online_fastf1):
    extract_session(recorded_ref(2019, "Italian Grand Prix", "Q"))

    # car telemetry is not in the recording: 403 from live timing, then 404 from the mirror
    calls = online_fastf1.requests()
    car_data = [
        (r["host"], r["status"]) for r in calls if r["path"] == MONZA_Q + "CarData.z.jsonStream"
    ]
    assert car_data == [(LIVETIMING, 403), (MIRROR, 404)]


@pytest.mark.online
def test_a_rerun_asks_again_only_for_what_was_absent(online_fastf1):
    ref = recorded_ref(2019, "Italian Grand Prix", "Q")
    extract_session(ref)
    first = online_fastf1.requests()

    extract_session(ref, fresh=True)

    again = online_fastf1.requests()[len(first) :]
    assert {r["status"] for r in first} >= {200, 403, 404}
    assert again, "the absent streams are asked for again"
    assert {r["status"] for r in again} <= {403, 404}  # every 200 came from the HTTP cache


def _get(path: str, host: str = LIVETIMING) -> requests.Response:
    return requests.get(f"https://{host}{path}", timeout=10)


@pytest.mark.online
def test_the_standin_answers_as_the_real_hosts(standin):
    info = MONZA_Q + "SessionInfo.jsonStream"

    assert _get(info).status_code == 200
    assert _get(info, MIRROR).content == _get(info).content
    absent = _get(MONZA_Q + "CarData.z.jsonStream")
    assert (absent.status_code, b"<Code>AccessDenied</Code>" in absent.content) == (403, True)
    assert _get(MONZA_Q + "CarData.z.jsonStream", MIRROR).status_code == 404
    assert _get("/ergast/f1/2019/14/qualifying.json", JOLPICA).json()["MRData"]["total"] == "20"
    assert _get("/ergast/f1/1950/1/results.json", JOLPICA).status_code == 404
    assert [r["status"] for r in standin.requests()] == [200, 200, 200, 403, 404, 200, 404]


@pytest.mark.online
def test_the_standin_injects_what_the_test_asks_for(standin):
    info = MONZA_Q + "SessionInfo.jsonStream"

    standin.set_rules(rate_limit={"calls": 2, "window": 60, "retry_after": 7})
    answers = [_get(info) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "7"
    assert _get("/ergast/f1/2019/14/qualifying.json", JOLPICA).status_code == 200  # per host

    standin.set_rules(error_every=2)
    assert [_get(info).status_code for _ in range(4)] == [200, 503, 200, 503]

    standin.set_rules(reset_every=2)
    assert _get(info).status_code == 200
    with pytest.raises(requests.ConnectionError):
        _get(info)

    standin.set_rules(held_back=[MONZA_Q])
    assert (_get(info).status_code, _get(info, MIRROR).status_code) == (403, 404)
    standin.set_rules()  # published
    assert _get(info).status_code == 200

    injected = [r["injected"] for r in standin.requests() if r["injected"]]
    assert injected == ["rate_limit", "error", "error", "reset", "held_back", "held_back"]


@pytest.mark.online
def test_the_standin_serves_what_a_test_publishes_until_the_next_reset(standin):
    car_data, info = MONZA_Q + "CarData.z.jsonStream", MONZA_Q + "SessionInfo.jsonStream"
    recorded = _get(info).content

    standin.publish(car_data, b"\xef\xbb\xbf00:00:01.000{}\r\n")
    standin.publish(info, b"replaced")

    assert (_get(car_data).status_code, _get(car_data).content[3:15]) == (200, b"00:00:01.000")
    assert _get(car_data, MIRROR).content == _get(car_data).content  # both live-timing hosts
    assert _get(info).content == b"replaced"  # ahead of the recording
    standin.set_rules(held_back=[MONZA_Q])
    assert _get(car_data).status_code == 403  # held back, published or not
    standin.reset()
    assert (_get(car_data).status_code, _get(info).content) == (403, recorded)
