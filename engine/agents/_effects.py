"""What each action does inside the digital twin, as pure functions over its graph.

Each effect reads the twin's graph and returns :class:`Writes` (functional
sets, plain adds, and writes scheduled for later) or an error. The twin
applies them and turns them into a :class:`Delta`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from engine.agents._model import ActionRequest
from engine.terms import Triple, curie
from engine.vocab import OPS, RUN

__all__ = ["EFFECTS", "EffectContext", "Scheduled", "Writes"]

_UNHEALTHY = ("crashed", "degraded", "unknown")


@dataclass
class Writes:
    """Changes an effect wants: ``sets`` replace a property's values, ``adds`` add triples,
    ``removes`` remove them."""

    detail: str = ""
    sets: list[Triple] = field(default_factory=list)
    adds: list[Triple] = field(default_factory=list)
    removes: list[Triple] = field(default_factory=list)
    later: list[Scheduled] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class Scheduled:
    """Writes that take effect at simulated time ``at``."""

    at: datetime
    what: str
    writes: Writes


@dataclass(frozen=True)
class EffectContext:
    graph: Graph
    req: ActionRequest
    now: datetime
    config: object
    partial: bool = False

    def cfg(self, name: str) -> float:
        return float(getattr(self.config, name))

    def mint(self, kind: str, hint: str = "") -> URIRef:
        """A deterministic new IRI for this request (stable across replays)."""
        digest = hashlib.sha256(self.req.idempotency_key.encode()).hexdigest()[:10]
        return RUN[f"{kind}/{hint}{'-' if hint else ''}{digest}"]


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1] or "x"


def _is_a(g: Graph, s: URIRef, *classes: URIRef) -> bool:
    return any((s, RDF.type, c) in g for c in classes)


def _instances(g: Graph, service: URIRef) -> list[URIRef]:
    return sorted(i for i in g.subjects(OPS.instanceOf, service) if isinstance(i, URIRef))


def _health(g: Graph, instance: URIRef) -> str:
    v = g.value(instance, OPS.health)
    return str(v) if v is not None else "unknown"


def _healed(ctx: EffectContext) -> Literal:
    return Literal("degraded" if ctx.partial else "healthy")


# -- restart -----------------------------------------------------------------
def restart(ctx: EffectContext) -> Writes:
    g, target = ctx.graph, ctx.req.target
    if g.value(target, OPS.instanceOf) is not None:
        chosen = [target]
    elif _is_a(g, target, OPS.Service, OPS.DatabaseService):
        every = _instances(g, target)
        chosen = [i for i in every if _health(g, i) in _UNHEALTHY] or every
    else:
        return Writes(error=f"cannot restart {curie(target)}: it is neither an instance nor a service")
    if not chosen:
        return Writes(error=f"cannot restart {curie(target)}: the service has no instances")
    w = Writes(detail=f"restarted {', '.join(curie(i) for i in chosen)}")
    heal = Writes()
    for i in chosen:
        count = g.value(i, OPS.restartCount)
        w.sets.append((i, OPS.restartCount, Literal(int(float(str(count or 0))) + 1)))
        w.sets.append((i, OPS.health, Literal("unknown")))
        heal.sets.append((i, OPS.health, _healed(ctx)))
    at = ctx.now + timedelta(seconds=ctx.cfg("restart_delay_s"))
    w.later.append(Scheduled(at=at, what=f"restart of {curie(target)} completes", writes=heal))
    return w


# -- rollback ----------------------------------------------------------------
def _change_for(g: Graph, target: URIRef) -> URIRef | None:
    if g.value(target, OPS.changes) is not None:
        return target
    candidates = [
        c for c in g.subjects(OPS.changes, target)
        if isinstance(c, URIRef) and str(g.value(c, OPS.status) or "") != "rolled_back"
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (str(g.value(c, OPS.changedAt) or ""), str(c)))


def rollback(ctx: EffectContext) -> Writes:
    g, target = ctx.graph, ctx.req.target
    change = _change_for(g, target)
    if change is None:
        return Writes(error=f"no change to roll back for {curie(target)}")
    if str(g.value(change, OPS.status) or "") == "rolled_back":
        return Writes(error=f"{curie(change)} is already rolled back")
    service = g.value(change, OPS.changes)
    w = Writes(detail=f"rolled back {curie(change)}")
    w.sets.append((change, OPS.status, Literal("rolled_back")))
    previous = g.value(change, OPS.previousVersion)
    if isinstance(service, URIRef):
        if isinstance(previous, Literal):
            w.sets.append((service, OPS.version, previous))
        for i in _instances(g, service):
            w.sets.append((i, OPS.health, _healed(ctx)))
    return w


# -- scale-out and failover ----------------------------------------------------
def _service_for(g: Graph, target: URIRef) -> URIRef | None:
    svc = g.value(target, OPS.instanceOf)
    if isinstance(svc, URIRef):
        return svc
    return target if _is_a(g, target, OPS.Service, OPS.DatabaseService) else None


def _pick_host(g: Graph, service: URIRef, avoid_failed: bool) -> URIRef | None:
    hosts = {h for h in g.subjects(RDF.type, OPS.Host) if isinstance(h, URIRef)}
    insts = _instances(g, service)
    hosts |= {h for i in insts for h in g.objects(i, OPS.runsOn) if isinstance(h, URIRef)}
    load = {h: 0 for h in hosts}
    bad: set[URIRef] = set()
    for i in insts:
        for h in g.objects(i, OPS.runsOn):
            if isinstance(h, URIRef):
                load[h] += 1
                if _health(g, i) in ("crashed", "degraded"):
                    bad.add(h)
    usable = sorted(h for h in hosts if not (avoid_failed and h in bad))
    return min(usable, key=lambda h: (load[h], str(h)), default=None)


def scale_out(ctx: EffectContext) -> Writes:
    g, req = ctx.graph, ctx.req
    service = _service_for(g, req.target)
    if service is None:
        return Writes(error=f"cannot scale {curie(req.target)}: it is not a service or instance")
    cap = g.value(service, OPS.maxInstances)
    if cap is not None and len(_instances(g, service)) >= float(str(cap)):
        return Writes(error=f"{curie(service)} is at ops:maxInstances {cap}; cannot add one")
    host = _pick_host(g, service, avoid_failed=req.action == OPS.Failover)
    if host is None:
        return Writes(error=f"no host is available for a new instance of {curie(service)}")
    inst = ctx.mint("instance", _local(service))
    w = Writes(detail=f"started {curie(inst)} of {curie(service)} on {curie(host)}")
    w.adds += [
        (inst, RDF.type, OPS.Instance), (inst, OPS.instanceOf, service),
        (inst, OPS.runsOn, host), (inst, OPS.health, _healed(ctx)),
    ]
    return w


def scale_in(ctx: EffectContext) -> Writes:
    """Stop the instance a scale-out started (parameter ``undoes``, which the executor sets
    from the scale-out's result when it compensates): never an instance the estate declared."""
    g, req = ctx.graph, ctx.req
    service = _service_for(g, req.target)
    named = req.param("undoes")
    inst = URIRef(named) if named else None
    if service is None or inst is None or inst not in _instances(g, service):
        return Writes(error=f"cannot scale {curie(req.target)} in: name the instance a scale-out "
                      f"started (parameter undoes, got {named or 'none'}), an instance of it")
    w = Writes(detail=f"stopped {curie(inst)} of {curie(service)}")
    w.removes += [t for t in g.triples((inst, None, None))]  # type: ignore[misc]
    return w


# -- clear disk ------------------------------------------------------------------
def clear_disk(ctx: EffectContext) -> Writes:
    g, target = ctx.graph, ctx.req.target
    host = g.value(target, OPS.runsOn) if g.value(target, OPS.runsOn) is not None else target
    if not isinstance(host, URIRef) or not (
        _is_a(g, host, OPS.Host) or g.value(host, OPS.diskUsedPercent) is not None
    ):
        return Writes(error=f"cannot clear disk on {curie(target)}: it is not a host")
    old = g.value(host, OPS.diskUsedPercent)
    used = float(str(old)) if old is not None else 100.0
    goal = min(used, ctx.cfg("clear_disk_to"))
    new = used - (used - goal) * ctx.cfg("partial_fraction") if ctx.partial else goal
    dt = old.datatype if isinstance(old, Literal) and old.datatype else XSD.decimal
    value = Literal(round(new)) if dt == XSD.integer else Literal(round(new, 1), datatype=dt)
    w = Writes(detail=f"disk on {curie(host)} from {used:g}% to {value}%")
    w.sets.append((host, OPS.diskUsedPercent, value))
    return w


# -- notifications -------------------------------------------------------------------
def notify(ctx: EffectContext) -> Writes:
    req = ctx.req
    channel = "page" if req.action == OPS.Page else "ticket"
    note = ctx.mint("notification", channel)
    w = Writes(detail=f"{channel} sent about {curie(req.target)}")
    w.adds += [
        (note, RDF.type, OPS.Notification), (note, OPS.channel, Literal(channel)),
        (note, OPS.notifies, req.target),
        (note, OPS.sentAt, Literal(ctx.now.isoformat(), datatype=XSD.dateTime)),
    ]
    if text := req.param("message"):
        w.adds.append((note, RDFS.comment, Literal(text)))
    return w


EFFECTS: dict[URIRef, Callable[[EffectContext], Writes]] = {
    OPS.Restart: restart,
    OPS.Rollback: rollback,
    OPS.ScaleOut: scale_out,
    OPS.ScaleIn: scale_in,
    OPS.Failover: scale_out,
    OPS.ClearDisk: clear_disk,
    OPS.Page: notify,
    OPS.OpenTicket: notify,
}
