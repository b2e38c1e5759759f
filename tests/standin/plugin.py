"""Pytest fixtures for the stand-in of F1's hosts: one mitmdump per test session, reset per test.

``standin`` points ``requests`` (FastF1) at the proxy through HTTPS_PROXY and
REQUESTS_CA_BUNDLE, for this process and the processes it starts; NO_PROXY keeps Prefect's
API client and the database on localhost.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.config import PROJECT_DIR
from tests.conftest import FROZEN_HTTP_CACHE
from tests.integration.waiting import free_port

ADDON = Path(__file__).with_name("addon.py")
MITMDUMP = PROJECT_DIR / ".tools" / "standin" / "bin" / "mitmdump"
LIVETIMING = "livetiming.formula1.com"
MIRROR = "livetiming-mirror.fastf1.dev"
JOLPICA = "api.jolpi.ca"


@dataclass
class StandIn:
    """The running proxy: its address, CA, injection rules, request log and overlay folder."""

    port: int
    ca_cert: Path
    rules_file: Path
    log_file: Path
    overlay: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The variables that send a process's HTTPS requests through the stand-in."""
        return {
            "HTTPS_PROXY": self.url,
            "HTTP_PROXY": self.url,
            "NO_PROXY": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": str(self.ca_cert),
        }

    def set_rules(self, **rules) -> None:
        """Replace the injection rules (see addon.py); the proxy's counters restart."""
        tmp = self.rules_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(rules))
        tmp.replace(self.rules_file)

    def publish(self, path: str, body: bytes, host: str = LIVETIMING) -> None:
        """Serve ``body`` at https://<host><path> until the next reset, ahead of the recordings
        (a live-timing object on both live-timing hosts), e.g. a stream the recording lacks."""
        file = self.overlay / host / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(body)

    def reset(self) -> None:
        self.set_rules()
        self.log_file.write_text("")
        shutil.rmtree(self.overlay, ignore_errors=True)
        self.overlay.mkdir()

    def requests(self) -> list[dict]:
        """Every request answered since the last reset, in order."""
        lines = self.log_file.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def calls_per_host(self) -> Counter:
        return Counter(r["host"] for r in self.requests())

    def max_in_window(self, seconds: float, host: str | None = None) -> int:
        """The most requests seen in any sliding window of ``seconds`` (all hosts or one)."""
        times = sorted(r["time"] for r in self.requests() if host in (None, r["host"]))
        most, start = 0, 0
        for end, t in enumerate(times):
            while times[start] <= t - seconds:
                start += 1
            most = max(most, end - start + 1)
        return most


@pytest.fixture(scope="session")
def standin_proxy(tmp_path_factory) -> StandIn:
    """mitmdump with the stand-in addon, for the whole test session."""
    if not MITMDUMP.exists():
        pytest.fail(f"{MITMDUMP} is missing: run `make standin` (make test does)")
    if not FROZEN_HTTP_CACHE.is_dir():
        pytest.fail(f"recorded FastF1 responses not found at {FROZEN_HTTP_CACHE}")
    folder = tmp_path_factory.mktemp("standin")
    port, ready = free_port(), folder / "ready"
    standin = StandIn(
        port,
        folder / "mitmproxy-ca-cert.pem",
        folder / "rules.json",
        folder / "requests.jsonl",
        folder / "overlay",
    )
    standin.reset()
    options = {
        "confdir": folder,
        "listen_host": "127.0.0.1",
        "listen_port": port,
        "upstream_cert": "false",  # never contact the real host for its certificate
        "connection_strategy": "lazy",
        "standin_responses": FROZEN_HTTP_CACHE,
        "standin_rules": standin.rules_file,
        "standin_log": standin.log_file,
        "standin_ready": ready,
        "standin_overlay": standin.overlay,
    }
    args = [str(MITMDUMP), "-q", "-s", str(ADDON)]
    for name, value in options.items():
        args += ["--set", f"{name}={value}"]
    with open(folder / "mitmdump.out", "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not (ready.exists() and standin.ca_cert.exists()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the stand-in did not start: {(folder / 'mitmdump.out').read_text()}")
        time.sleep(0.1)
    yield standin
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def standin(standin_proxy, monkeypatch) -> StandIn:
    """The stand-in with no injection rules and an empty log, used by this process's requests."""
    standin_proxy.reset()
    for name, value in standin_proxy.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.delenv("FASTF1_OFFLINE", raising=False)
    yield standin_proxy
    standin_proxy.reset()
