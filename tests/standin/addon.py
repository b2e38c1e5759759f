"""A mitmproxy addon that stands in for F1's hosts, answering from recorded responses.

Run as ``mitmdump -s addon.py --set standin_responses=DIR --set standin_rules=FILE
--set standin_log=FILE --set standin_overlay=DIR`` (tests/standin/plugin.py does this). It never
contacts a real host: every request is answered here, as the real hosts answer it.

A file the test put in the overlay folder, at ``<host>/<path>``, is answered first, as the host
would serve it (200; a live-timing object serves both live-timing hosts). It is read on each
request, so a test adds objects a recording lacks (e.g. synthetic telemetry streams) without
touching the recordings.

- ``livetiming.formula1.com``: the recorded object, else 403 with S3's ``AccessDenied`` body;
- ``livetiming-mirror.fastf1.dev``: the same objects (same paths), else 404;
- every other host (Jolpica, FastF1's schedule files, MultiViewer, ...): the recording, or 404.

The rules file (JSON, re-read whenever it changes; counters restart then) injects failures:
``rate_limit`` {"calls": N, "window": s, "retry_after": s}: 429 past N calls per host in a
sliding window; ``error_every`` N (``error_status``, default 503): every Nth request fails;
``reset_every`` N: every Nth request has its connection dropped; ``held_back``: path prefixes
that answer as absent (a session F1 has not published yet). Every request is logged as one JSON
line: time, host, path, status, injected (null or what was injected).

Only mitmproxy and the standard library are imported: this runs in its own environment.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

from mitmproxy import ctx, http

LIVETIMING = "livetiming.formula1.com"
MIRROR = "livetiming-mirror.fastf1.dev"
_DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "date"}
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><RequestId>STANDIN</RequestId>"
    b"<HostId>standin</HostId></Error>"
)


def load_recordings(folder: Path) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """Recorded responses (requests-cache filesystem JSON) keyed by host + path + query."""
    recordings = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_bytes())
        url = urlsplit(record["request"]["url"])
        if record.get("_content") is not None:
            body = base64.b64decode(record["_content"])
        elif isinstance(record.get("_decoded_content"), str):
            body = record["_decoded_content"].encode(record.get("encoding") or "utf-8")
        else:
            body = json.dumps(record.get("_decoded_content")).encode()
        headers = {
            k: v for k, v in record.get("headers", {}).items() if k.lower() not in _DROPPED_HEADERS
        }
        recordings[_key(url.hostname, url.path, url.query)] = (
            record["status_code"],
            headers,
            body,
        )
    return recordings


def _key(host: str | None, path: str, query: str) -> str:
    return f"{host}{path}" + (f"?{query}" if query else "")


class Rules:
    """The injection rules of the current test, re-read when their file changes."""

    def __init__(self, path: Path | None):
        self.path = path
        self.stamp: tuple | None = None
        self.rules: dict = {}
        self.count = 0
        self.calls: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def refresh(self) -> None:
        try:
            stat = self.path.stat() if self.path else None
        except FileNotFoundError:
            stat = None
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat else None
        if stamp == self.stamp:
            return
        self.stamp = stamp
        self.rules = json.loads(self.path.read_text() or "{}") if stat else {}
        self.count = 0
        self.calls.clear()

    def injection(self, host: str, path: str) -> tuple[str, int, dict, bytes] | None:
        """What to inject for this request (kind, status, headers, body), if anything."""
        self.count += 1
        if any(path.startswith(prefix) for prefix in self.rules.get("held_back", [])):
            return ("held_back", 0, {}, b"")
        if (every := self.rules.get("reset_every")) and self.count % every == 0:
            return ("reset", 0, {}, b"")
        if (every := self.rules.get("error_every")) and self.count % every == 0:
            status = self.rules.get("error_status", 503)
            return ("error", status, {"Content-Type": "text/plain"}, b"Service Unavailable")
        if limit := self.rules.get("rate_limit"):
            now, calls = time.time(), self.calls[host]
            while calls and calls[0] <= now - limit["window"]:
                calls.popleft()
            if len(calls) >= limit["calls"]:
                retry_after = str(limit.get("retry_after", int(limit["window"])))
                headers = {"Retry-After": retry_after, "Content-Type": "text/plain"}
                return ("rate_limit", 429, headers, b"Too Many Requests")
            calls.append(now)
        return None


class StandIn:
    """Answers every request from the recordings; nothing reaches the internet."""

    def __init__(self):
        self.recordings: dict = {}
        self.rules = Rules(None)
        self.log = None
        self.overlay: Path | None = None

    def load(self, loader):
        loader.add_option("standin_responses", str, "", "folder of recorded responses")
        loader.add_option("standin_rules", str, "", "JSON file of injection rules")
        loader.add_option("standin_log", str, "", "request log (JSON lines)")
        loader.add_option("standin_ready", str, "", "file written once the proxy listens")
        loader.add_option("standin_overlay", str, "", "folder of extra objects, <host>/<path>")

    def configure(self, updated):
        if "standin_responses" in updated and ctx.options.standin_responses:
            self.recordings = load_recordings(Path(ctx.options.standin_responses))
        if "standin_rules" in updated and ctx.options.standin_rules:
            self.rules = Rules(Path(ctx.options.standin_rules))
        if "standin_log" in updated and ctx.options.standin_log:
            self.log = open(ctx.options.standin_log, "a", buffering=1)  # noqa: SIM115
        if "standin_overlay" in updated and ctx.options.standin_overlay:
            self.overlay = Path(ctx.options.standin_overlay).resolve()

    def running(self):
        if ctx.options.standin_ready:
            Path(ctx.options.standin_ready).write_text(str(os.getpid()))

    def request(self, flow: http.HTTPFlow) -> None:
        host, path = flow.request.pretty_host, flow.request.path
        url = urlsplit(path)
        self.rules.refresh()
        injected = self.rules.injection(host, url.path)
        kind = injected[0] if injected else None
        if kind == "reset":
            flow.kill()
            self._log(host, path, 0, kind)
            return
        if injected and kind != "held_back":
            status, headers, body = injected[1:]
        else:
            status, headers, body = self.answer(host, url.path, url.query, absent=bool(kind))
        headers = {**headers, "Date": formatdate(usegmt=True)}
        flow.response = http.Response.make(status, body, headers)
        self._log(host, path, status, kind)

    def answer(self, host: str, path: str, query: str, absent: bool) -> tuple[int, dict, bytes]:
        """The recorded response, or what the host answers for an object it does not have."""
        lookup = LIVETIMING if host == MIRROR else host
        overlaid = None if absent else self.overlaid(lookup, path)
        if overlaid is not None:
            return 200, {"Content-Type": "application/octet-stream"}, overlaid
        recorded = None if absent else self.recordings.get(_key(lookup, path, query))
        if recorded is not None:
            return recorded
        if host == LIVETIMING:
            return 403, {"Content-Type": "application/xml"}, ACCESS_DENIED
        return 404, {"Content-Type": "text/plain"}, b"Not Found"

    def overlaid(self, host: str, path: str) -> bytes | None:
        """The test's own object at this host and path, if it put one in the overlay."""
        if self.overlay is None:
            return None
        file = (self.overlay / host / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.overlay) or not file.is_file():
            return None
        return file.read_bytes()

    def _log(self, host: str, path: str, status: int, injected: str | None) -> None:
        if self.log:
            entry = {"time": time.time(), "host": host, "path": path}
            self.log.write(json.dumps({**entry, "status": status, "injected": injected}) + "\n")


addons = [StandIn()]
