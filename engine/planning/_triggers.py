"""The firing alerts about each entity, kept in memory by the loop.

A plan's triggers are the firing alerts about anything in its goal's scope
(:func:`engine.planning._goals.triggers_of` reads them from the store). During a
storm that read returns every firing alert once per plan; the loop already sees
every asserted change it commits, so it keeps the answer up to date instead:
read from the store once when the loop starts, then folded forward commit by commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, Literal, URIRef

from engine.store import GraphStore, triples
from engine.terms import Triple
from engine.vocab import OPS

__all__ = ["TriggerIndex"]

_FIRING = Literal("firing")
_ABOUT, _STATUS, _FINGERPRINT = OPS.about, OPS.status, OPS.fingerprint
_KINDS = frozenset({OPS.Alert, OPS.DuplicateAlert})
# which index a predicate feeds: a dict probe hashes first, no rdflib __eq__ per triple
_READ: dict[object, int] = {_ABOUT: 0, _STATUS: 1, _FINGERPRINT: 2, RDF.type: 3}


class TriggerIndex:
    """``ops:status "firing"``, ``ops:about``, ``ops:fingerprint`` and the alerts (and
    duplicate alerts) of the asserted graph,
    read from the store when the loop starts (a few thousand alerts at 100k triples, tens of
    thousands at 1M; start-up already reads the whole world for the rule engine). Read on
    first use instead, a storm's first plans read back the 10,000 alerts the storm had just
    committed."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.about: dict[object, set[URIRef]] = {}  # entity -> alerts
        self.fingerprint: dict[object, set[URIRef]] = {}  # fingerprint's text -> alerts
        for a, _, o in triples(store, (None, _ABOUT, None)):
            if isinstance(a, URIRef):
                self.about.setdefault(o, set()).add(a)
        for a, _, o in triples(store, (None, _FINGERPRINT, None)):
            if isinstance(a, URIRef):
                self.fingerprint.setdefault(str(o), set()).add(a)  # by its text
        self.alerts = {a for kind in _KINDS for a, _, _ in triples(store, (None, RDF.type, kind))
                       if isinstance(a, URIRef)}
        """Every ``ops:Alert`` and ``ops:DuplicateAlert``: the ids that may fire again."""
        self.firing = {a for a, _, _ in triples(store, (None, _STATUS, _FIRING))
                       if isinstance(a, URIRef)}

    def apply(self, adds: Iterable[Triple], removes: Iterable[Triple]) -> None:
        """Fold in one committed change's asserted triples."""
        none: dict[object, set[URIRef]] = {}  # ops:status has a set of its own
        indexes = (self.about, none, self.fingerprint)
        read = _READ
        for s, p, o in removes:
            kind = read.get(p)
            if kind is None:
                continue
            if kind == 1:
                if o == _FIRING:
                    self.firing.discard(s)
                continue
            if kind == 3:
                if o in _KINDS:
                    self.alerts.discard(s)
                continue
            key = o if kind == 0 else str(o)
            if key in indexes[kind]:
                indexes[kind][key].discard(s)
        for s, p, o in adds:
            kind = read.get(p)
            if kind is None or not isinstance(s, URIRef):
                continue
            if kind == 1:
                if o == _FIRING:
                    self.firing.add(s)
            elif kind == 3:
                if o in _KINDS:
                    self.alerts.add(s)
            else:
                indexes[kind].setdefault(o if kind == 0 else str(o), set()).add(s)

    def firing_with(self, fingerprint: str) -> set[URIRef]:
        """Firing alerts with ``fingerprint`` (its text: ``"S"`` and ``"S"^^xsd:string``
        are one)."""
        alerts = self.fingerprint.get(fingerprint)
        return alerts & self.firing if alerts else set()

    def of(self, scope: Iterable[URIRef]) -> list[URIRef]:
        """Firing alerts about anything in ``scope``, in IRI order (as ``triggers_of``)."""
        out: set[URIRef] = set()
        for e in scope:
            alerts = self.about.get(e)
            if alerts:
                out |= alerts & self.firing
        return sorted(out, key=str)
