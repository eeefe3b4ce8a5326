"""A batch of triples grouped by predicate, the form the generated joins read.

Shared by the fixpoint (``_engine``) and its incremental maintenance (``_dred``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["NO_DELTA", "Delta", "group"]

Delta = dict[int, set[tuple[int, int]]]
"""Triples grouped by predicate: ``{p: {(s, o), ...}}``, as the generated joins expect."""

NO_DELTA: Delta = {}
"""Passed as a join's semi-naive exclusion when it has none."""


def group(facts: Iterable[Any]) -> Delta:
    """Triples grouped by predicate, as the generated delta joins expect (sets: a delta join
    also tests membership, to skip delta facts at the atoms before its seed)."""
    d: Delta = {}
    for f in facts:
        if len(f) == 3:
            pairs = d.get(f[1])
            if pairs is None:
                d[f[1]] = {(f[0], f[2])}
            else:
                pairs.add((f[0], f[2]))
    return d
