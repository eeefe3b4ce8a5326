"""The firing alerts about each entity, kept in memory by the loop.

A plan's triggers are the firing alerts about anything in its goal's scope
(:func:`engine.planning._goals.triggers_of` reads them from the store). During a
storm that read returns every firing alert once per plan; the loop already sees
every asserted change it commits, so it keeps the answer up to date instead:
read from the store once when the loop starts, then folded forward commit by commit.
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
# is it ops:about (else ops:status)? A dict probe hashes first: no rdflib __eq__ per triple
_READ: dict[object, bool] = {_ABOUT: True, _STATUS: False}


class TriggerIndex:
    """``ops:status "firing"`` and ``ops:about`` of the asserted graph, read from the store
    when the loop starts (a few thousand alerts at 100k triples, tens of thousands at 1M;
    start-up already reads the whole world for the rule engine). Read on first use instead,
    a storm's first plans read back the 10,000 alerts the storm had just committed."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.about: dict[URIRef, set[URIRef]] = {}  # entity -> alerts
        for a, _, e in triples(store, (None, _ABOUT, None)):
            if isinstance(a, URIRef):
                self.about.setdefault(e, set()).add(a)  # type: ignore[arg-type]
        self.firing = {a for a, _, _ in triples(store, (None, _STATUS, _FIRING))
                       if isinstance(a, URIRef)}

    def apply(self, adds: Iterable[Triple], removes: Iterable[Triple]) -> None:
        """Fold in one committed change's asserted triples."""
        about = self.about
        read = _READ
        for s, p, o in removes:
            is_about = read.get(p)
            if is_about is None:
                continue
            if is_about and o in about:
                about[o].discard(s)  # type: ignore[index]
            elif not is_about and o == _FIRING:
                self.firing.discard(s)
        for s, p, o in adds:
            is_about = read.get(p)
            if is_about is None:
                continue
            if is_about and isinstance(s, URIRef):
                about.setdefault(o, set()).add(s)  # type: ignore[arg-type]
            elif not is_about and o == _FIRING and isinstance(s, URIRef):
                self.firing.add(s)

    def of(self, scope: Iterable[URIRef]) -> list[URIRef]:
        """Firing alerts about anything in ``scope``, in IRI order (as ``triggers_of``)."""
        out: set[URIRef] = set()
        for e in scope:
            alerts = self.about.get(e)
            if alerts:
                out |= alerts & self.firing
        return sorted(out, key=str)
