"""A batch of triples grouped by predicate, the form the generated joins read.

Shared by the fixpoint (``_engine``) and its incremental maintenance (``_dred``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["NO_DELTA", "Delta", "add_fact", "discard_fact", "group"]

Delta = dict[int, set[tuple[int, int]]]
"""Triples grouped by predicate: ``{p: {(s, o), ...}}``, as the generated joins expect."""

NO_DELTA: Delta = {}
"""Passed as a join's semi-naive exclusion when it has none."""


def group(facts: Iterable[Any]) -> Delta:
    """Triples grouped by predicate, as the generated delta joins expect (sets: a delta join
    also tests membership, to skip delta facts at the atoms before its seed)."""
    d: Delta = {}
    for f in facts:
        add_fact(d, f)
    return d


def add_fact(d: Delta, f: Any) -> None:
    """Put fact ``f`` into ``d`` if it is a triple (other facts are proposals)."""
    if len(f) == 3:
        pairs = d.get(f[1])
        if pairs is None:
            d[f[1]] = {(f[0], f[2])}
        else:
            pairs.add((f[0], f[2]))


def discard_fact(d: Delta, f: Any) -> None:
    """Take triple ``f`` out of ``d`` (it is there), dropping an emptied predicate."""
    if len(f) == 3:
        pairs = d[f[1]]
        pairs.discard((f[0], f[2]))
        if not pairs:
            del d[f[1]]
