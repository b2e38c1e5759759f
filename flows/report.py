"""What a run did, per session and in total, for the console and the caller."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from flows.extract.schedule import SessionRef
from flows.load.manifest import FAILED, LOADED, ManifestEntry

SKIPPED, NOT_YET_HELD, UNAVAILABLE_SESSION = "skipped", "not yet held", "unavailable"


@dataclass
class SessionOutcome:
    ref: SessionRef
    status: str  # loaded | unavailable | failed | skipped | not yet held
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


@dataclass
class RunSummary:
    season: int
    outcomes: list[SessionOutcome]
    staged_built: bool = False

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
            f"{c[FAILED]} failed, {c[NOT_YET_HELD]} not yet held, {len(self.flagged)} flagged; "
            f"staged {'built' if self.staged_built else 'NOT built'}"
        )

    def print(self, console: Console | None = None) -> None:
        console = console or Console(stderr=True)
        table = Table(title=f"Backfill {self.season}: datasets", title_justify="left")
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
        console.print(table)
        for outcome in self.flagged:
            for flag in outcome.flags:
                console.print(f"[yellow]flagged[/yellow] {outcome.ref.label}: {flag}")
        for outcome in self.failed:
            console.print(f"[red]failed[/red] {outcome.ref.label}: {outcome.detail}")
        console.print(self.line())
