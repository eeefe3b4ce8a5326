"""Entity locks: two active plans never act on the same thing.

A plan locks the entities it mutates (its step targets) plus their immediate
neighbourhood in the estate (``dependsOn``, ``instanceOf``, ``runsOn``,
``changes`` in either direction). Two plans conflict when one *mutates*
something the other has locked; two plans that merely share a neighbour do
not. Locks are a function of the active plans, so the table can be rebuilt
from the store by any later CLI call.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict
from rdflib import URIRef

from engine.planning._model import Plan
from engine.store import GraphStore, triples
from engine.vocab import OPS, GraphName

__all__ = ["LockConflict", "LockTable", "neighbourhood"]

_STRUCTURE = (OPS.dependsOn, OPS.instanceOf, OPS.runsOn, OPS.changes)


def neighbourhood(store: GraphStore, entities: Iterable[URIRef]) -> frozenset[URIRef]:
    """``entities`` plus everything one structural edge away from them."""
    out: set[URIRef] = set()
    for e in entities:
        out.add(e)
        for p in _STRUCTURE:
            for _, _, o in triples(store, (e, p, None), graph=GraphName.ASSERTED):
                if isinstance(o, URIRef):
                    out.add(o)
            for s, _, _ in triples(store, (None, p, e), graph=GraphName.ASSERTED):
                if isinstance(s, URIRef):
                    out.add(s)
    return frozenset(out)


class LockConflict(BaseModel):
    """Why a plan cannot take its locks: ``holder`` already locks ``entities``."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    holder: URIRef
    entities: tuple[URIRef, ...]

    def reason(self) -> str:
        names = ", ".join(sorted(str(e) for e in self.entities))
        return f"locked by plan {self.holder} on {names}"


class LockTable:
    """Locks held by active plans: plan IRI → (mutated, locked) entity sets."""

    def __init__(self) -> None:
        self._held: dict[URIRef, tuple[frozenset[URIRef], frozenset[URIRef]]] = {}

    def conflict(self, plan: Plan, locks: frozenset[URIRef]) -> LockConflict | None:
        """The first holder ``plan`` conflicts with, or ``None``."""
        mutated = plan.mutated()
        for holder, (h_mut, h_locks) in sorted(self._held.items()):
            if holder == plan.iri:
                continue
            clash = (mutated & h_locks) | (h_mut & locks)
            if clash:
                return LockConflict(holder=holder, entities=tuple(sorted(clash)))
        return None

    def acquire(self, plan: Plan, locks: frozenset[URIRef]) -> LockConflict | None:
        """Take ``locks`` for ``plan`` unless another plan conflicts (then nothing is taken)."""
        clash = self.conflict(plan, locks)
        if clash is None:
            self._held[plan.iri] = (plan.mutated(), locks)
        return clash

    def release(self, plan: URIRef) -> None:
        self._held.pop(plan, None)

    def holders(self) -> list[URIRef]:
        return sorted(self._held)

    def held_by(self, plan: URIRef) -> frozenset[URIRef]:
        return self._held.get(plan, (frozenset(), frozenset()))[1]
