"""The run report as Prefect artifacts: a table per session and a markdown availability matrix."""

from __future__ import annotations

import logging

from flows.datasets import SESSION_DATASETS
from flows.extract.schedule import slugify
from flows.operator.report import RunSummary

log = logging.getLogger(__name__)

SYMBOLS = {"loaded": "✅", "unavailable": "⚪", "failed": "❌", "unpublished": "🚫"}
LEGEND = (
    "✅ loaded · ⚪ unavailable · ❌ failed · 🚫 unpublished (no longer polled) · "
    "⏭ skipped (already complete) · 🕒 not yet held"
)


def report_rows(summary: RunSummary) -> list[dict]:
    """One row per session: status, rows, seconds and each dataset's status."""
    rows = []
    for outcome in summary.outcomes:
        datasets = {e.dataset: e.status for e in outcome.entries}
        rows.append(
            {
                "session_id": outcome.ref.session_id,
                "event": outcome.ref.event_name,
                "session": outcome.ref.session_name,
                "status": outcome.status,
                "rows": outcome.rows,
                "seconds": round(outcome.seconds, 2),
                **{d.name: datasets.get(d.name, "") for d in SESSION_DATASETS},
                "detail": outcome.detail or "; ".join(outcome.flags),
            }
        )
    return rows


def availability_markdown(summary: RunSummary, flow_name: str) -> str:
    """Events x sessions x datasets, one line per session."""
    names = [d.name for d in SESSION_DATASETS]
    lines = [
        f"# {flow_name} {summary.season}",
        "",
        summary.line(),
        "",
        LEGEND,
        "",
        "| event | session | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for outcome in summary.outcomes:
        statuses = {e.dataset: SYMBOLS.get(e.status, "") for e in outcome.entries}
        whole = {"skipped": "⏭", "not yet held": "🕒", "unpublished": "🚫"}.get(outcome.status)
        cells = [whole or statuses.get(name, "") for name in names]
        lines.append(
            f"| {outcome.ref.event_name} | {outcome.ref.session_type} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def artifact_key(flow_name: str, season: int, run_name: str, run_id: str) -> str:
    """One key per flow run (keys hold lowercase letters, digits and dashes): no run's report
    overwrites another's, e.g. `sync-2026-clever-fox-3fa85f64`."""
    return slugify(f"{flow_name}-{season}-{run_name}-{run_id[:8]}")


def publish_report(summary: RunSummary, flow_name: str) -> None:
    """Attach the report to the flow run (no-op outside one)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None:
        return
    key = artifact_key(flow_name, summary.season, context.flow_run.name, str(context.flow_run.id))
    try:
        create_table_artifact(
            table=report_rows(summary), key=f"{key}-sessions", description=summary.line()
        )
        create_markdown_artifact(
            markdown=availability_markdown(summary, flow_name),
            key=f"{key}-availability",
            description="availability matrix",
        )
        if summary.network.calls:
            create_markdown_artifact(
                markdown=summary.network.markdown(f"{flow_name} {summary.season}"),
                key=f"{key}-network",
                description=summary.network.line(),
            )
    except Exception:  # the report is a nicety; the data is loaded either way
        log.warning("could not publish the run report as Prefect artifacts", exc_info=True)
