"""What the provenance graph says a plan's steps already did.

The executor records every attempt of a step (``ops:executes`` the step, an
``ops:idempotencyKey`` ending ``#try<N>``, an ``ops:status``) in the same store, by any
process. A plan resumed after a crash reads it here: which attempt comes next, whether one
already succeeded, and whether the plan acted at all.
"""

from __future__ import annotations

from datetime import datetime

from rdflib import Literal, URIRef

from engine.planning._model import Plan
from engine.store import GraphStore, triples
from engine.vocab import OPS, PROV, GraphName

__all__ = ["acted", "attempts", "executed", "handled", "latest_time", "page_key", "paged"]

_PROV = GraphName.PROVENANCE
_SUCCEEDED = Literal("succeeded")


def attempts(store: GraphStore, step: URIRef) -> tuple[int, bool]:
    """The next attempt number of ``step`` (one past the highest on record, 0 if none) and
    whether any recorded attempt succeeded."""
    nxt, ok = 0, False
    for r, _, _ in triples(store, (None, OPS.executes, step), graph=_PROV):
        for _, _, key in triples(store, (r, OPS.idempotencyKey, None), graph=_PROV):
            tail = str(key).rpartition("#try")[2]
            if tail.isdigit():
                nxt = max(nxt, int(tail) + 1)
        ok = ok or any(True for _ in triples(store, (r, OPS.status, _SUCCEEDED), graph=_PROV))
    return nxt, ok


def acted(store: GraphStore, plan: Plan) -> bool:
    """Whether any step of ``plan`` has a succeeded execution on record."""
    return any(attempts(store, s.iri)[1] for s in plan.steps)


def paged(store: GraphStore, plan: Plan) -> bool:
    """Whether the on-call owner was paged when ``plan`` was escalated: the page's execution
    record (``ops:executes`` the plan's ``#page`` step, committed with the escalation) is on
    record. A blocked plan without one was stopped before its page went out."""
    return executed(store, URIRef(f"{plan.iri}#page"))


def page_key(store: GraphStore, plan: Plan) -> str:
    """The idempotency key of ``plan``'s next escalation page: ``page`` for its first,
    ``page-N`` for its N-th (an emergency approval re-opened it and the gate blocked it
    again: QA pass 11 #3, the second page reused the first's key and was never sent). A
    replayed escalation whose commit never landed finds the same key (its page record went
    with that commit)."""
    key, n = "page", 1
    while executed(store, URIRef(f"{plan.iri}#{key}")):
        n += 1
        key = f"page-{n}"
    return key


def executed(store: GraphStore, step: URIRef) -> bool:
    """Whether an execution record of ``step`` (a plan's step or page IRI) is on record."""
    return any(True for _ in triples(store, (None, OPS.executes, step), graph=_PROV))


def handled(store: GraphStore, plan: Plan) -> tuple[datetime | None, datetime | None]:
    """When ``plan``'s last action ended (the fix took effect; pages left out), and when
    anything done under it last ended (a page included), from the provenance records
    associated with it. ``None`` where there is none."""
    fixed: datetime | None = None
    last: datetime | None = None
    for assoc, _, _ in triples(store, (None, PROV.hadPlan, plan.iri), graph=_PROV):
        for r, _, _ in triples(store, (None, PROV.qualifiedAssociation, assoc), graph=_PROV):
            ended = latest_time(store, r, PROV.endedAtTime) if isinstance(r, URIRef) else None
            if ended is None:
                continue
            last = max(last or ended, ended)
            if not any(True for _ in triples(store, (r, OPS.executedAction, OPS.Page), graph=_PROV)):
                fixed = max(fixed or ended, ended)
    return fixed, last


def latest_time(store: GraphStore, node: URIRef, prop: URIRef, graph: GraphName = _PROV
                ) -> datetime | None:
    """The latest ``xsd:dateTime`` value of ``node``'s ``prop`` in ``graph``, if any."""
    times = [v for _, _, t in triples(store, (node, prop, None), graph=graph)
             if isinstance(t, Literal) and isinstance(v := t.toPython(), datetime)]
    return max(times, default=None)
