"""SessionExtract: what FastF1 gave for one session, and what to record about each dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import fastf1
import polars as pl

from flows.datasets import BY_NAME, GENERAL_WARNINGS, SESSION_DATASETS
from flows.extract.checks import sanity_flags
from flows.extract.publication import NOT_PUBLISHED
from flows.extract.schedule import SessionRef
from flows.session_types import is_practice


@dataclass
class SessionExtract:
    """What FastF1 gave for one session: a frame per available dataset, None otherwise."""

    ref: SessionRef
    frames: dict[str, pl.DataFrame | None]
    warnings: list[str] = field(default_factory=list)
    fastf1_version: str = fastf1.__version__
    published: bool = True  # False: the probe found no live timing, nothing else was asked for
    given_up: bool = False  # still incomplete UNPUBLISHED_AFTER_DAYS after its end: not polled

    @property
    def complete(self) -> bool:
        """Results are final: classified positions are present (practice has none: its results
        are the driver list). Until then, later runs try the session again."""
        results = self.frames.get("results")
        if results is None:
            return False
        return (
            is_practice(self.ref.session_type) or results["position"].null_count() < results.height
        )

    @cached_property
    def flags(self) -> dict[str, str]:
        """Sanity-check findings per dataset (see ``Dataset.checks``), found once."""
        return sanity_flags(self.frames)

    def detail(self, dataset: str) -> str | None:
        """A dataset's check finding, then FastF1's warnings about it; warnings that concern
        no dataset in particular are kept with GENERAL_WARNINGS (the results)."""
        if not self.published:
            return NOT_PUBLISHED
        notes = [self.flags[dataset]] if dataset in self.flags else []
        notes += [w for w in self.warnings if concerns(w, dataset)]
        if dataset == GENERAL_WARNINGS:
            notes += [
                w for w in self.warnings if not any(concerns(w, d.name) for d in SESSION_DATASETS)
            ]
        return "; ".join(dict.fromkeys(notes)) or None


def concerns(warning: str, dataset: str) -> bool:
    """Whether a warning names the dataset (its name or one of its ``warning_words``)."""
    return any(word in warning.lower() for word in (dataset, *BY_NAME[dataset].warning_words))
