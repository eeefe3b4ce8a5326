"""The firing alerts about each entity, kept in memory by the loop.

A plan's triggers are the firing alerts about anything in its goal's scope
(:func:`engine.planning._goals.triggers_of` reads them from the store). During a
storm that read returns every firing alert once per plan; the loop already sees
every asserted change it commits, so it keeps the answer up to date instead:
read once from the store on first use, then folded forward commit by commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Literal, URIRef

from engine.store import GraphStore, triples
from engine.terms import Triple
from engine.vocab import OPS

__all__ = ["TriggerIndex"]

_FIRING = Literal("firing")
_ABOUT, _STATUS = OPS.about, OPS.status


class TriggerIndex:
    """``ops:about`` and ``ops:status "firing"`` of the asserted graph, indexed by entity."""

    def __init__(self, store: GraphStore) -> None:
        self.about: dict[URIRef, set[URIRef]] = {}
        self.firing: set[URIRef] = set()
        for a, _, e in triples(store, (None, OPS.about, None)):
            if isinstance(a, URIRef) and isinstance(e, URIRef):
                self.about.setdefault(e, set()).add(a)
        self.firing = {a for a, _, _ in triples(store, (None, OPS.status, _FIRING))
                       if isinstance(a, URIRef)}

    def apply(self, adds: Iterable[Triple], removes: Iterable[Triple]) -> None:
        """Fold in one commit's asserted changes (removes first, as a commit applies them)."""
        for s, p, o in removes:
            if p == _ABOUT and isinstance(o, URIRef):
                self.about.get(o, set()).discard(s)
            elif p == _STATUS and o == _FIRING:
                self.firing.discard(s)
        for s, p, o in adds:
            if p == _ABOUT and isinstance(s, URIRef) and isinstance(o, URIRef):
                self.about.setdefault(o, set()).add(s)
            elif p == _STATUS and o == _FIRING and isinstance(s, URIRef):
                self.firing.add(s)

    def of(self, scope: Iterable[URIRef]) -> list[URIRef]:
        """Firing alerts about anything in ``scope``, in IRI order (as ``triggers_of``)."""
        out: set[URIRef] = set()
        for e in scope:
            out |= self.about.get(e, set()) & self.firing
        return sorted(out, key=str)
