"""Where goals come from: incidents the rules opened, goals the CLI added, and
proposals no goal covers yet.

Goal IRIs are deterministic (kind + target), so asking twice for the same thing
is one goal.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from rdflib import RDF, RDFS, Literal, URIRef

from engine.errors import PlanningError
from engine.planning._builder import ProposalLike, goal_scope
from engine.planning._model import Goal, GoalKind, goal_iri
from engine.store import GraphStore, triples
from engine.terms import curie
from engine.vocab import OPS, GraphName

__all__ = ["discover_goals", "make_goal", "open_incidents", "triggers_of"]


def make_goal(store: GraphStore, target: URIRef, *, source: str = "cli") -> Goal:
    """The goal for ``target``: an incident is resolved; anything else is back within SLO."""
    is_incident = any(
        True for _ in store.quads((target, RDF.type, OPS.Incident))
    )
    if not is_incident and not any(True for _ in store.quads((target, None, None))):
        raise PlanningError(
            f"{target} is not in the world: name a service, instance, host or incident "
            "that 'tier1 show' knows"
        )
    if source == "cli" and not is_incident:  # a person's request; the loop's own goals
        _check_healable(store, target)  # come from incidents and proposals' targets
    kind = GoalKind.INCIDENT_RESOLVED if is_incident else GoalKind.WITHIN_SLO
    entity = target
    if is_incident:
        entity = next((URIRef(s) for _, _, s, _ in store.quads((target, OPS.affects, None))), target)
    return Goal(iri=goal_iri(kind, target), kind=kind, target=target, entity=entity, source=source)


HEALABLE = frozenset({OPS.Service, OPS.DatabaseService, OPS.Instance, OPS.Host})
"""The classes a within-SLO goal may name, with their subclasses in ``ontology/ops.ttl`` (a
unit test keeps them equal)."""


def _check_healable(store: GraphStore, target: URIRef) -> None:
    """A within-SLO goal is for a service, an instance or a host (or a member of a subclass,
    the ontology's or the world's own): a team or a runbook has no SLO to return to."""
    types = {o for _, _, o in triples(store, (target, RDF.type, None))}
    seen, todo = set(types), list(types)
    while todo:
        for _, _, sup in triples(store, (todo.pop(), RDFS.subClassOf, None)):
            if sup not in seen:
                seen.add(sup)
                todo.append(sup)
    if not seen & HEALABLE:
        kinds = ", ".join(sorted(curie(t) for t in types)) or "untyped"
        raise PlanningError(
            f"{curie(target)} is {kinds}, not a service, instance, host or incident: a goal "
            "asks for something the loop can heal; name one of those"
        )


def open_incidents(store: GraphStore) -> list[URIRef]:
    """Incidents (asserted or inferred) not marked resolved, in IRI order."""
    out = set()
    for s, _, _, _ in store.quads((None, RDF.type, OPS.Incident),
                                  graphs=(GraphName.ASSERTED, GraphName.INFERRED)):
        if isinstance(s, URIRef) and (s, OPS.status, Literal("resolved")) not in _status(store, s):
            out.add(s)
    return sorted(out, key=str)


def _status(store: GraphStore, s: URIRef) -> set[tuple[URIRef, URIRef, Literal]]:
    return {(s, OPS.status, o) for _, _, o, _ in store.quads((s, OPS.status, None))
            if isinstance(o, Literal)}


def discover_goals(
    store: GraphStore, proposals: Sequence[ProposalLike], known: dict[URIRef, Goal],
    scopes: dict[URIRef, frozenset[URIRef]], done: Collection[URIRef] = (),
) -> list[Goal]:
    """New goals: one per open incident, and one per proposal target no goal covers.

    ``known`` are the goals already asserted; ``scopes`` caches each goal's scope
    (filled in here for the new ones). ``done``: met goals whose problem is over, so that
    their scope no longer covers a proposal (a crash after the fix is a new problem; see
    ``Loop.done_goals``), unless an incident goal's incident is open again (it reopens).
    """
    new: dict[URIRef, Goal] = {}
    incidents = open_incidents(store)
    for inc in incidents:
        g = make_goal(store, inc, source="rule")
        if g.iri not in known and g.iri not in new:
            new[g.iri] = g
            scopes[g.iri] = goal_scope(store, g)
    covered: set[URIRef] = set()
    for iri in [*known, *new]:
        if iri not in scopes:
            scopes[iri] = goal_scope(store, known[iri])
        if iri not in done or known[iri].target in incidents:
            covered |= scopes[iri]
    for p in sorted(proposals, key=lambda p: (-p.salience, str(p.target))):
        if p.target in covered:
            continue
        g = make_goal(store, _service_of(store, p.target), source="proposal")
        if g.iri not in known and g.iri not in new:
            new[g.iri] = g
            scopes[g.iri] = goal_scope(store, g)
            covered |= scopes[g.iri]
    return list(new.values())


def _service_of(store: GraphStore, target: URIRef) -> URIRef:
    for p in (OPS.instanceOf, OPS.changes):
        for _, _, o in triples(store, (target, p, None)):
            return URIRef(o)
    return target


def triggers_of(store: GraphStore, scope: Iterable[URIRef]) -> list[URIRef]:
    """Firing alerts about anything in ``scope``: the triggers a plan answers."""
    firing = {a for a, _, _ in triples(store, (None, OPS.status, Literal("firing")))}
    out = {a for e in scope for a, _, _ in triples(store, (None, OPS.about, e))
           if a in firing and isinstance(a, URIRef)}
    return sorted(out, key=str)
