"""Sanity checks on what FastF1 gave for a session: oddities are flagged, not silently loaded."""

from __future__ import annotations

from flows.datasets import SESSION_DATASETS, Frames


def sanity_flags(frames: Frames) -> dict[str, str]:
    """Dataset -> the first finding of its checks (see ``Dataset.checks``); empty when all is
    plausible."""
    flags: dict[str, str] = {}
    for dataset in SESSION_DATASETS:
        finding = next(filter(None, (check(frames) for check in dataset.checks)), None)
        if finding:
            flags[dataset.name] = finding
    return flags
