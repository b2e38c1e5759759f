"""What a run did, per session and in total, for the console and the caller."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from flows.extract.network import NetworkStats
from flows.extract.schedule import SessionRef
from flows.load.manifest import FAILED, LOADED, UNPUBLISHED, ManifestEntry
from flows.operator.logs import console as shared_console
from flows.session_types import CODES

SKIPPED, NOT_YET_HELD, UNAVAILABLE_SESSION = "skipped", "not yet held", "unavailable"
UNPUBLISHED_SESSION = UNPUBLISHED  # still without results long after it ended: not polled


@dataclass
class SessionOutcome:
    ref: SessionRef
    status: str  # loaded | unavailable | unpublished | failed | skipped | not yet held
    entries: list[ManifestEntry] = field(default_factory=list)
    seconds: float = 0.0
    detail: str | None = None

    @classmethod
    def from_entries(cls, ref: SessionRef, entries: list[ManifestEntry], seconds: float):
        statuses = {e.status for e in entries}
        if FAILED in statuses:
            status = FAILED
        elif LOADED in statuses:
            status = LOADED
        elif UNPUBLISHED in statuses:
            status = UNPUBLISHED_SESSION
        else:
            status = UNAVAILABLE_SESSION
        detail = next((e.detail for e in entries if e.status == FAILED), None)
        return cls(ref, status, entries, seconds, detail)

    @property
    def flags(self) -> list[str]:
        """Sanity-check findings recorded with this load (details starting with 'check:')."""
        return [
            f"{e.dataset}: {e.detail.split(';')[0]}"
            for e in self.entries
            if e.detail and e.detail.startswith("check:")
        ]

    @property
    def rows(self) -> int:
        return sum(e.row_count for e in self.entries)


def tally_line(outcomes: list[SessionOutcome], seconds: float) -> str:
    """'1 loaded, 104 unavailable; 459 rows in 18 s'."""
    counts = Counter(o.status for o in outcomes)
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"{tally}; {sum(o.rows for o in outcomes):,} rows in {seconds:.0f} s"


@dataclass
class RunSummary:
    season: int
    outcomes: list[SessionOutcome]
    staged_built: bool = False
    network: NetworkStats = field(default_factory=NetworkStats)
    stale_sources: list[str] = field(default_factory=list)  # dbt source freshness warnings

    @property
    def counts(self) -> Counter:
        return Counter(o.status for o in self.outcomes)

    @property
    def flagged(self) -> list[SessionOutcome]:
        return [o for o in self.outcomes if o.flags]

    @property
    def failed(self) -> list[SessionOutcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    def dataset_counts(self) -> dict[str, Counter]:
        """Per dataset: how many sessions loaded / unavailable / failed it, and rows loaded."""
        table: dict[str, Counter] = {}
        for outcome in self.outcomes:
            for entry in outcome.entries:
                counter = table.setdefault(entry.dataset, Counter())
                counter[entry.status] += 1
                counter["rows"] += entry.row_count
        return table

    def line(self) -> str:
        c = self.counts
        return (
            f"season {self.season}: {len(self.outcomes)} sessions - {c[LOADED]} loaded, "
            f"{c[SKIPPED]} skipped (already complete), {c[UNAVAILABLE_SESSION]} unavailable, "
            f"{c[FAILED]} failed, {c[NOT_YET_HELD]} not yet held, "
            f"{c[UNPUBLISHED_SESSION]} unpublished, {len(self.flagged)} flagged; "
            f"staged {'built' if self.staged_built else 'NOT built'}"
        )

    def as_dict(self) -> dict:
        """Machine-readable summary (the JSON line of LOG_FORMAT=json)."""
        return {
            "season": self.season,
            "sessions": len(self.outcomes),
            **{status.replace(" ", "_"): n for status, n in self.counts.items()},
            "flagged": len(self.flagged),
            "staged_built": self.staged_built,
            "datasets": {name: dict(counter) for name, counter in self.dataset_counts().items()},
            "failures": {o.ref.session_id: o.detail for o in self.failed},
            "network": self.network.as_dict(),
            "stale_sources": self.stale_sources,
        }

    def print(self, console: Console | None = None, as_json: bool = False) -> None:
        """The end-of-run report on stderr: tables (never wrapped), or one JSON object."""
        if as_json:
            print(json.dumps({"summary": self.as_dict()}), file=sys.stderr)
            return
        console = console or shared_console()
        console.print(self._sessions_table())
        console.print(self._datasets_table())
        for outcome in self.flagged:
            for flag in outcome.flags:
                console.print(f"[yellow]flagged[/yellow] {outcome.ref.label}: {flag}")
        for outcome in self.failed:
            console.print(f"[red]failed[/red] {outcome.ref.label}: {outcome.detail}")
        if self.network.calls:
            console.print(self.network.table())
        for line in self.stale_sources:
            console.print(f"[yellow]stale source[/yellow] {line}")
        console.print(self.line())

    def _sessions_table(self) -> Table:
        """Events x sessions: each cell the session's status and rows loaded."""
        types = [t for t in CODES if any(o.ref.session_type == t for o in self.outcomes)]
        table = Table(title=f"{self.season}: sessions (rows loaded)", title_justify="left")
        table.add_column("event")
        for session_type in types:
            table.add_column(session_type, justify="right")
        table.add_column("seconds", justify="right")
        events: dict[str, dict[str, SessionOutcome]] = {}
        for outcome in self.outcomes:
            events.setdefault(outcome.ref.event_name, {})[outcome.ref.session_type] = outcome
        for event, by_type in events.items():
            cells = [_cell(by_type.get(t)) for t in types]
            seconds = sum(o.seconds for o in by_type.values())
            table.add_row(event, *cells, f"{seconds:.1f}")
        return table

    def _datasets_table(self) -> Table:
        table = Table(title=f"{self.season}: datasets", title_justify="left")
        for column in ("dataset", "sessions loaded", "unavailable", "failed", "rows loaded"):
            table.add_column(column, justify="left" if column == "dataset" else "right")
        for dataset, counter in self.dataset_counts().items():
            table.add_row(
                dataset,
                str(counter[LOADED]),
                str(counter["unavailable"]),
                str(counter[FAILED]),
                f"{counter['rows']:,}",
            )
        return table


_CELL = {
    LOADED: "[green]{rows:,}[/green]",
    SKIPPED: "[blue]skipped[/blue]",
    UNAVAILABLE_SESSION: "[dim]-[/dim]",
    UNPUBLISHED_SESSION: "[dim]unpublished[/dim]",
    FAILED: "[red]failed[/red]",
    NOT_YET_HELD: "[dim]later[/dim]",
}


def _cell(outcome: SessionOutcome | None) -> str:
    if outcome is None:
        return ""
    return _CELL.get(outcome.status, outcome.status).format(rows=outcome.rows)
