"""What the incremental-equals-recompute tests compare between two reasoners."""

from __future__ import annotations

from engine.inference import Reasoner
from engine.terms import Triple


def snapshot(r: Reasoner) -> tuple[frozenset[Triple], frozenset[str]]:
    """The inferred triples and the ids of the proposals on the agenda."""
    res = r.result()
    return res.inferred, frozenset(p.id for p in res.proposals)
