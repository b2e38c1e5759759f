"""The circuit_info dataset's check: a marker MultiViewer lists twice is flagged, not dropped
silently (the staged model keeps one row per kind, number and letter)."""

from __future__ import annotations

import polars as pl

from flows import datasets as ds
from flows.extract.checks import sanity_flags


def _markers(*keys: tuple[str, int, str]) -> pl.DataFrame:
    kinds, numbers, letters = zip(*keys, strict=True)
    return pl.DataFrame({"kind": kinds, "number": numbers, "letter": letters})


def test_a_marker_listed_twice_is_flagged():
    twice = _markers(
        ("corner", 4, ""), ("corner", 4, ""), ("corner", 4, "a"), ("marshal_light", 4, "")
    )
    frames = dict.fromkeys(ds.BY_NAME) | {"circuit_info": twice}

    assert sanity_flags(frames) == {
        "circuit_info": "check: markers listed twice, one of each is kept: ['corner 4']"
    }


def test_distinct_markers_and_no_circuit_info_are_not_flagged():
    distinct = _markers(("corner", 4, ""), ("corner", 4, "a"), ("marshal_sector", 4, ""))

    assert "circuit_info" not in sanity_flags(
        dict.fromkeys(ds.BY_NAME) | {"circuit_info": distinct}
    )
    assert "circuit_info" not in sanity_flags(dict.fromkeys(ds.BY_NAME))
