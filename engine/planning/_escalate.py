"""Who to page: the on-call person of the team that owns the entity, now."""

from __future__ import annotations

from datetime import datetime

from rdflib import Literal, URIRef

from engine.store import GraphStore, triples
from engine.terms import shorten
from engine.vocab import OPS

__all__ = ["on_call_owner", "owner_team", "who_to_ask"]


def owner_team(store: GraphStore, entity: URIRef) -> URIRef | None:
    """The team owning ``entity``, looking through instance → service and change → service."""
    for e in _owners_path(store, entity):
        for _, _, team in triples(store, (e, OPS.ownedBy, None)):
            if isinstance(team, URIRef):
                return team
    return None


def _owners_path(store: GraphStore, entity: URIRef) -> list[URIRef]:
    out = [entity]
    for p in (OPS.instanceOf, OPS.changes):
        out += [o for _, _, o in triples(store, (entity, p, None)) if isinstance(o, URIRef)]
    for inst, _, _ in triples(store, (None, OPS.runsOn, entity)):  # a host: its services
        out += [o for _, _, o in triples(store, (inst, OPS.instanceOf, None))
                if isinstance(o, URIRef)]
    return out


def on_call_owner(store: GraphStore, entity: URIRef, now: datetime) -> URIRef | None:
    """The person on call at ``now`` for the team owning ``entity`` (None if no shift covers it)."""
    team = owner_team(store, entity)
    if team is None:
        return None
    for shift, _, _ in sorted(triples(store, (None, OPS.onCallFor, team)), key=lambda t: str(t[0])):
        if _covers(store, shift, now):
            for _, _, person in triples(store, (shift, OPS.onCallPerson, None)):
                if isinstance(person, URIRef):
                    return person
    return None


def _covers(store: GraphStore, shift: object, now: datetime) -> bool:
    def when(p: URIRef) -> datetime | None:
        for _, _, o in triples(store, (shift, p, None)):  # type: ignore[arg-type]
            if isinstance(o, Literal) and isinstance(o.toPython(), datetime):
                return o.toPython()  # type: ignore[no-any-return]
        return None

    start, end = when(OPS.startsAt), when(OPS.endsAt)
    return (start is None or start <= now) and (end is None or now < end)


def who_to_ask(store: GraphStore, entity: URIRef, now: datetime) -> str:
    """For a refused approval: the team owning ``entity``, its people and who is on call now
    (facts of the world the approver can act on; the policy decides whose approval counts)."""
    team = owner_team(store, entity)
    if team is None:
        return "no team owns it in the world (ops:ownedBy)"
    people = sorted(str(s) for s, _, _ in triples(store, (None, OPS.memberOf, team)))
    on_call = on_call_owner(store, entity, now)
    return (f"{shorten(team)} owns it: {', '.join(shorten(p) for p in people) or 'no members'}"
            f"; on call now: {shorten(on_call) if on_call is not None else 'nobody'}")
