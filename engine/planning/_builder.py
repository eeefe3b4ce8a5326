"""Build a plan for a goal from the rule engine's proposals.

A goal covers an entity and its close estate (its instances, their hosts, the
changes made to it). The plan takes every proposal whose target is covered,
drops repeats of the same (action, target), orders them by salience (highest
first, ties by action then target so the order is stable), and gives each step
its preconditions and expected effects from :data:`EFFECTS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, Literal, URIRef

from engine.planning._model import Goal, Plan, PlanStep, plan_iri
from engine.store import GraphStore, triples
from engine.terms import Triple
from engine.vocab import OPS, RUN, GraphName

__all__ = [
    "EFFECTS", "Alternative", "ProposalLike", "agent_for", "build_plan", "compensation_for", "effects",
    "goal_scope", "plan_key",
    "relevant", "runbook_alternatives", "unassigned_plan",
]


class ProposalLike(Protocol):
    """What the planner reads from an ``engine.inference.Proposal``."""

    @property
    def id(self) -> str: ...
    @property
    def rule_id(self) -> str: ...
    @property
    def rule_version(self) -> str: ...
    @property
    def action(self) -> URIRef: ...
    @property
    def target(self) -> URIRef: ...
    @property
    def params(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def salience(self) -> int: ...


_HEALTHY = Literal("healthy")

EFFECTS: dict[URIRef, tuple[tuple[tuple[URIRef, Literal], ...], tuple[tuple[URIRef, Literal], ...]]] = {
    # action: ((precondition p, o) on the target, (expected p, o) on the target)
    OPS.Restart: (((OPS.health, Literal("crashed")),), ((OPS.health, _HEALTHY),)),
    OPS.ScaleOut: ((), ()),
    OPS.Failover: ((), ()),
    OPS.Rollback: ((), ()),  # the target is the service; the change it rolls back is a param
    OPS.ClearDisk: ((), ()),
}
"""What must hold before, and what should hold after, each action on its target.

Beyond these triples, a proposed step runs only while inference still proposes
it, and its effect counts as done only once inference no longer proposes the
same (action, target): the problem that caused it is gone.
"""


def plan_key(goal: Goal) -> str:
    """The dedup identity of a plan: the goal and the entity it heals."""
    return f"{goal.iri}|{goal.entity}"


def goal_scope(store: GraphStore, goal: Goal) -> frozenset[URIRef]:
    """The entities whose problems a goal's plan may fix."""
    seeds = {goal.entity, goal.target}
    for _, _, svc in triples(store, (goal.entity, OPS.instanceOf, None)):
        seeds.add(URIRef(svc))
    scope = set(seeds)
    for svc in seeds:
        for inst, _, _ in triples(store, (None, OPS.instanceOf, svc)):
            scope.add(URIRef(inst))
            scope |= {URIRef(h) for _, _, h in triples(store, (inst, OPS.runsOn, None))}
        scope |= {URIRef(c) for c, _, _ in triples(store, (None, OPS.changes, svc))}
    return frozenset(scope)


def relevant(proposals: Iterable[ProposalLike], scope: frozenset[URIRef]) -> list[ProposalLike]:
    """Proposals whose target is in ``scope``, best first, one per (action, target)."""
    best: dict[tuple[URIRef, URIRef], ProposalLike] = {}
    for p in proposals:
        if p.target not in scope:
            continue
        sig = (p.action, p.target)
        if sig not in best or p.salience > best[sig].salience:
            best[sig] = p
    return sorted(best.values(), key=lambda p: (-p.salience, str(p.action), str(p.target)))


def build_plan(
    store: GraphStore, goal: Goal, proposals: Sequence[ProposalLike], *,
    attempt: int = 0, exclude: frozenset[tuple[URIRef, URIRef]] = frozenset(),
    now: datetime | None = None,
) -> Plan | None:
    """A plan for ``goal``, or ``None`` when nothing can be done.

    Steps are taken, in this order of preference, from: proposals in the goal's
    scope that automation (a software agent in scope) may perform; the actions of
    runbooks written for the goal's entity that automation may perform; proposals
    only a person in scope may perform (the plan then names that person).
    ``exclude`` holds (action, target) pairs that already failed: a re-plan must
    try something else. A runbook's actions stand for proposed fixes on the entity it is
    written for (the goal's) or its instances only: with none (an alert alone, or a fix on a
    host in the scope), there is no runbook step (QA pass 10 #1: a bare alert rolled back a
    nine-day-old deploy; QA pass 11 #4: so did a full disk's failed clean-up).
    """
    seen = relevant(proposals, goal_scope(store, goal))
    proposed = [p for p in seen if (p.action, p.target) not in exclude]
    ours = [p for p in seen if _on_entity(store, p.target, goal.entity)]
    documented = [p for p in runbook_alternatives(store, goal)
                  if (p.action, p.target) not in exclude] if ours else []
    auto = _automated(store, proposed)
    docs = [] if auto else _automated(store, documented)
    chosen = auto or docs or [p for p in proposed if agent_for(store, p.action, p.target)]
    if not chosen:
        return None
    plan = _plan(store, goal, chosen, attempt, now)
    if docs:  # a runbook's actions stand for the proposed fixes automation may not perform
        stands = tuple(sorted({p.target for p in ours}))  # a re-plan's failed ones too
        steps = tuple(s.model_copy(update={"stands_for": stands}) for s in plan.steps)
        plan = plan.model_copy(update={"steps": steps})
    return plan


def _on_entity(store: GraphStore, target: URIRef, entity: URIRef) -> bool:
    """Whether ``target`` is ``entity`` or one of its instances."""
    return target == entity or any(True for _ in triples(store, (target, OPS.instanceOf, entity)))


def unassigned_plan(store: GraphStore, goal: Goal, proposals: Sequence[ProposalLike], *,
                    attempt: int = 0, now: datetime | None = None) -> Plan | None:
    """The fixes rules propose on ``goal``'s scope, as a plan nobody performs: what the loop
    escalates when :func:`build_plan` finds no agent or person in scope for any of them (a
    crash of a service no bot covers), so that a person is told. ``None``: nothing proposed."""
    proposed = relevant(proposals, goal_scope(store, goal))
    return _plan(store, goal, proposed, attempt, now) if proposed else None


def _plan(store: GraphStore, goal: Goal, chosen: Sequence[ProposalLike], attempt: int,
          now: datetime | None) -> Plan:
    key = plan_key(goal)
    iri = plan_iri(key, attempt)
    steps = tuple(_step(store, iri, i, p) for i, p in enumerate(chosen, start=1))
    return Plan(iri=iri, key=key, goal=goal.iri, entity=goal.entity, steps=steps, attempt=attempt,
                created=now)


def _automated(store: GraphStore, props: list[ProposalLike]) -> list[ProposalLike]:
    return [p for p in props if _is_software(store, agent_for(store, p.action, p.target))]


def _is_software(store: GraphStore, agent: URIRef | None) -> bool:
    return agent is not None and any(
        True for _ in triples(store, (agent, RDF.type, OPS.SoftwareAgent)))


class Alternative(BaseModel):
    """A step no rule proposed, taken from a runbook written for the goal's entity."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    rule_id: str = ""
    rule_version: str = ""
    action: URIRef
    target: URIRef
    params: tuple[tuple[str, str], ...] = ()
    salience: int = 0


_NOT_REMEDIES = (OPS.Page, OPS.OpenTicket)


def runbook_alternatives(store: GraphStore, goal: Goal) -> list[ProposalLike]:
    """When every proposed fix failed: the actions a runbook for the goal's entity covers
    (``?rb ops:appliesTo entity; ops:forActionType ?a``), in runbook order."""
    out: list[ProposalLike] = []
    for rb, _, _ in sorted(triples(store, (None, OPS.appliesTo, goal.entity)), key=lambda t: str(t[0])):
        for _, _, action in triples(store, (rb, OPS.forActionType, None)):
            if isinstance(action, URIRef) and action not in _NOT_REMEDIES:
                out.append(Alternative(id=f"runbook:{rb}", action=action, target=goal.entity))
    return out


def _step(store: GraphStore, plan: URIRef, order: int, p: ProposalLike) -> PlanStep:
    digest = hashlib.sha256(f"{plan}|{order}|{p.action}|{p.target}".encode()).hexdigest()[:16]
    pre, post = effects(p.action, p.target)
    runbook = runbook_for(store, p.action, p.target)
    return PlanStep(
        iri=RUN[f"step/{digest}"], order=order, action=p.action, target=p.target,
        params=p.params, runbook=runbook, agent=agent_for(store, p.action, p.target),
        compensation=compensation_for(store, runbook),
        preconditions=pre, expects=post, proposal=p.id, rule_id=p.rule_id,
        rule_version=p.rule_version, salience=p.salience,
    )


def effects(action: URIRef, target: URIRef) -> tuple[tuple[Triple, ...], tuple[Triple, ...]]:
    """(preconditions, expected effects) of ``action`` on ``target`` as triples."""
    pre, post = EFFECTS.get(action, ((), ()))
    return (tuple((target, p, o) for p, o in pre), tuple((target, p, o) for p, o in post))


def services_of(store: GraphStore, target: URIRef) -> set[URIRef]:
    """The services a step on ``target`` touches: itself, its service, or a host's services."""
    out = {target}
    for p in (OPS.instanceOf, OPS.changes):
        out |= {URIRef(s) for _, _, s in triples(store, (target, p, None))}
    for inst, _, _ in triples(store, (None, OPS.runsOn, target)):
        out |= {URIRef(s) for _, _, s in triples(store, (inst, OPS.instanceOf, None))}
    return out


def agent_for(store: GraphStore, action: URIRef, target: URIRef) -> URIRef | None:
    """Who performs the step: a software agent whose scope (``ops:canPerform`` and
    ``ops:scopeService``) covers it, else a person whose scope does, else nobody."""
    found: dict[bool, list[URIRef]] = {True: [], False: []}
    for svc in services_of(store, target):
        for a, _, _ in triples(store, (None, OPS.scopeService, svc)):
            if isinstance(a, URIRef) and any(True for _ in triples(store, (a, OPS.canPerform, action))):
                software = any(True for _ in triples(store, (a, RDF.type, OPS.SoftwareAgent)))
                found[software].append(a)
    return min(found[True] or found[False], key=str, default=None)


def compensation_for(store: GraphStore, runbook: URIRef | None) -> URIRef | None:
    """The action that undoes the runbook's action if a later step fails (``ops:compensatedBy``
    on the runbook), if it declares one."""
    if runbook is None:
        return None
    return min((URIRef(a) for _, _, a in triples(store, (runbook, OPS.compensatedBy, None))
                if isinstance(a, URIRef)), key=str, default=None)


def runbook_for(store: GraphStore, action: URIRef, target: URIRef) -> URIRef | None:
    """The runbook for ``action``: one written for the target's service if there is one,
    else a generic one (no ``ops:appliesTo``)."""
    services = services_of(store, target)
    specific, generic = [], []
    for rb, _, _ in triples(store, (None, OPS.forActionType, action), graph=GraphName.ASSERTED):
        applies = {o for _, _, o in triples(store, (rb, OPS.appliesTo, None))}
        if applies & services:
            specific.append(URIRef(rb))
        elif not applies:
            generic.append(URIRef(rb))
    return min(specific or generic, key=str, default=None)
