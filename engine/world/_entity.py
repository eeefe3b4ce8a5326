"""Readable views of the world: one entity with its neighbours, and the estate summary."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, RDFS, Literal, URIRef

from engine.store import ALL_GRAPHS, GraphStore
from engine.terms import Node, curie
from engine.vocab import OPS, GraphName

__all__ = ["EntityView", "Link", "ServiceLine", "Summary", "entity_view", "summarize"]

_FROZEN = ConfigDict(frozen=True)
_SCHEMA_NS = (str(RDF), str(RDFS), "http://www.w3.org/2002/07/owl#")
"""Classes from these namespaces describe the ontology itself, not the estate."""


class Link(BaseModel):
    """One edge next to the entity, in CURIE form."""

    model_config = _FROZEN

    predicate: str
    node: str
    graph: str


class EntityView(BaseModel):
    model_config = _FROZEN

    iri: str
    curie: str
    label: str | None
    types: tuple[str, ...]
    outgoing: tuple[Link, ...]
    incoming: tuple[Link, ...]


def entity_view(store: GraphStore, iri: URIRef, at: int | None = None) -> EntityView:
    """The entity's types, properties and the edges pointing at it."""
    out = list(store.quads((iri, None, None), graphs=ALL_GRAPHS, at=at))
    inc = list(store.quads((None, None, iri), graphs=ALL_GRAPHS, at=at))
    types = sorted({curie(o) for _, p, o, _ in out if p == RDF.type})
    labels = [str(o) for _, p, o, _ in out if p == RDFS.label]
    outgoing = sorted(
        (Link(predicate=curie(p), node=curie(o), graph=g.value) for _, p, o, g in out if p != RDF.type),
        key=lambda lk: (lk.predicate, lk.node),
    )
    incoming = sorted(
        (Link(predicate=curie(p), node=curie(s), graph=g.value) for s, p, _, g in inc),
        key=lambda lk: (lk.predicate, lk.node),
    )
    return EntityView(
        iri=str(iri), curie=curie(iri), label=labels[0] if labels else None, types=tuple(types),
        outgoing=tuple(outgoing), incoming=tuple(incoming),
    )


class ServiceLine(BaseModel):
    model_config = _FROZEN

    service: str
    label: str | None
    depends_on: tuple[str, ...]
    healthy: int
    instances: int


class Summary(BaseModel):
    """What a user wants to see first: counts, tier-1 services, open incidents."""

    model_config = _FROZEN

    commit: int | None
    triples: dict[str, int]
    classes: dict[str, int]
    tier1: tuple[ServiceLine, ...]
    open_incidents: tuple[dict[str, str], ...]


def summarize(store: GraphStore, at: int | None = None) -> Summary:
    head = store.head()
    counts = {g.value: store.count(graphs=(g,), at=at) for g in GraphName}
    world = (GraphName.ASSERTED, GraphName.INFERRED)
    typed = {(s, o) for s, _, o, _ in store.quads((None, RDF.type, None), graphs=world, at=at)}
    classes = Counter(curie(o) for _, o in typed if not str(o).startswith(_SCHEMA_NS))
    return Summary(
        commit=at if at is not None else (head.seq if head else None),
        triples=counts,
        classes=dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        tier1=_tier1(store, at),
        open_incidents=_incidents(store, at),
    )


def _values(store: GraphStore, s: Node | None, p: Node, o: Node | None, at: int | None) -> list[Node]:
    world = (GraphName.ASSERTED, GraphName.INFERRED)
    return [q[2] if o is None else q[0] for q in store.quads((s, p, o), graphs=world, at=at)]


def _label(store: GraphStore, node: Node, at: int | None) -> str | None:
    labels = _values(store, node, RDFS.label, None, at)
    return str(labels[0]) if labels else None


def _tier1(store: GraphStore, at: int | None) -> tuple[ServiceLine, ...]:
    lines = []
    for svc in sorted(set(_values(store, None, OPS.tier, Literal(1), at)), key=str):
        instances = _values(store, None, OPS.instanceOf, svc, at)
        healthy = sum(
            1 for i in instances if Literal("healthy") in _values(store, i, OPS.health, None, at)
        )
        deps = sorted(curie(d) for d in set(_values(store, svc, OPS.dependsOn, None, at)))
        lines.append(ServiceLine(
            service=curie(svc), label=_label(store, svc, at), depends_on=tuple(deps),
            healthy=healthy, instances=len(instances),
        ))
    return tuple(lines)


def _incidents(store: GraphStore, at: int | None) -> tuple[dict[str, str], ...]:
    out = []
    for inc in sorted(set(_values(store, None, RDF.type, OPS.Incident, at)), key=str):
        if Literal("open") not in _values(store, inc, OPS.status, None, at):
            continue
        affects = ", ".join(sorted(curie(a) for a in _values(store, inc, OPS.affects, None, at)))
        opened = _values(store, inc, OPS.openedAt, None, at)
        out.append({
            "incident": curie(inc), "label": _label(store, inc, at) or "",
            "affects": affects, "opened_at": str(opened[0]) if opened else "",
        })
    return tuple(out)
