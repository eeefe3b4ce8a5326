"""Goals and plans as RDF in the asserted graph, and back.

A plan is what the policy gate validates (``ops:Plan ops:hasStep ops:PlanStep``,
``ops:actionType``, ``ops:target``, ``ops:hasApproval``), and it is also how its
state survives between CLI calls: ``tier1 approve`` reads the plan back from the
store. Re-plan attempts are encoded in the plan IRI (``…-N``); the triggers that
joined a plan are ``prov:wasDerivedFrom`` links; the reason for a state is an
``rdfs:comment``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import XSD

from engine.planning._model import TERMINAL, Goal, GoalKind, Plan, PlanState, PlanStep
from engine.store import Delta, GraphStore, triples
from engine.terms import Node, Triple
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = [
    "alerts_resolved",
    "approval_iri",
    "goal_triples",
    "load_goals",
    "load_plan",
    "load_plans",
    "plan_delta",
    "plan_triples",
]


def approval_iri(plan: URIRef) -> URIRef:
    return RUN[f"approval/{hashlib.sha256(str(plan).encode()).hexdigest()[:16]}"]


def goal_triples(goal: Goal) -> set[Triple]:
    g = goal.iri
    return {
        (g, RDF.type, OPS.Goal),
        (g, OPS.goalTarget, goal.target),
        (g, OPS.goalEntity, goal.entity),
        (g, OPS.status, Literal(goal.status)),
        (g, OPS.name, Literal(goal.kind.value)),
        (g, RDFS.comment, Literal(f"source: {goal.source}")),
    }


def plan_triples(plan: Plan, triggers: Iterable[URIRef] = ()) -> set[Triple]:
    """The RDF of ``plan`` (without its trigger links unless given)."""
    p = plan.iri
    out: set[Triple] = {
        (p, RDF.type, OPS.Plan),
        (p, RDF.type, PROV.Plan),
        (p, OPS.forGoal, plan.goal),
        (p, OPS.status, Literal(plan.state.value)),
        (p, OPS.fingerprint, Literal(plan.key)),
    }
    if plan.reason:
        out.add((p, RDFS.comment, Literal(plan.reason)))
    if plan.created is not None:
        out.add((p, PROV.generatedAtTime, Literal(plan.created)))
    if plan.runner and plan.state is PlanState.RUNNING:
        out.add((p, OPS.runBy, Literal(plan.runner)))
    for step in plan.steps:
        out.add((p, OPS.hasStep, step.iri))
        out |= _step_triples(step)
    if plan.approver is not None:
        a = approval_iri(p)
        out |= {
            (p, OPS.hasApproval, a),
            (p, OPS.approvedBy, plan.approver),
            (a, RDF.type, OPS.Approval),
            (a, OPS.approvedBy, plan.approver),
            (a, OPS.emergency, Literal(plan.emergency)),
        }
    out |= {(p, PROV.wasDerivedFrom, t) for t in triggers}
    return out


def _step_triples(step: PlanStep) -> set[Triple]:
    s = step.iri
    out: set[Triple] = {
        (s, RDF.type, OPS.PlanStep),
        (s, OPS.stepOrder, Literal(step.order, datatype=XSD.integer)),
        (s, OPS.actionType, step.action),
        (s, OPS.target, step.target),
        (s, OPS.salience, Literal(step.salience, datatype=XSD.integer)),
    }
    if step.runbook is not None:
        out.add((s, OPS.usesRunbook, step.runbook))
    if step.agent is not None:
        out.add((s, OPS.performedBy, step.agent))
    if step.compensation is not None:
        out.add((s, OPS.compensatedBy, step.compensation))
    out.update((s, OPS.standsFor, t) for t in step.stands_for)
    if step.rule_id:  # which rule proposed it, kept with the plan: a blocked step never runs,
        out.add((s, OPS.ruleId, Literal(step.rule_id)))  # so no execution record names it
        out.add((s, OPS.ruleVersion, Literal(step.rule_version)))
    return out


def plan_delta(old: Plan | None, new: Plan, triggers: Iterable[URIRef] = ()) -> Delta:
    """The asserted-graph change from ``old`` to ``new`` (trigger links only ever added)."""
    before = plan_triples(old) if old is not None else set()
    after = plan_triples(new, triggers)
    return Delta.of(adds=after - before, removes=before - plan_triples(new))


def _by_subject(store: GraphStore, subjects: Iterable[Node]) -> dict[Node, dict[Node, list[Node]]]:
    out: dict[Node, dict[Node, list[Node]]] = {}
    for s in subjects:
        props: dict[Node, list[Node]] = defaultdict(list)
        for _, p, o in triples(store, (s, None, None), graph=GraphName.ASSERTED):
            props[p].append(o)
        out[s] = props
    return out


def load_goals(store: GraphStore) -> list[Goal]:
    """Every goal asserted in the store, in IRI order."""
    subjects = sorted({s for s, _, _ in triples(store, (None, RDF.type, OPS.Goal))}, key=str)
    goals = []
    for s, props in _by_subject(store, subjects).items():
        if not isinstance(s, URIRef) or not props.get(OPS.goalTarget):
            continue
        target = props[OPS.goalTarget][0]
        kind = GoalKind(str(props.get(OPS.name, [GoalKind.WITHIN_SLO.value])[0]))
        entity = URIRef(props[OPS.goalEntity][0]) if props.get(OPS.goalEntity) else \
            _entity_of(store, kind, target)  # a goal set before ops:goalEntity was written
        comment = str(props.get(RDFS.comment, ["source: cli"])[0])
        goals.append(Goal(
            iri=s, kind=kind, target=URIRef(target), entity=entity,
            source=comment.removeprefix("source: "),
            status=str(props.get(OPS.status, ["open"])[0]),
        ))
    return goals


def _entity_of(store: GraphStore, kind: GoalKind, target: Node) -> URIRef:
    if kind is GoalKind.INCIDENT_RESOLVED:
        for graph in (GraphName.INFERRED, GraphName.ASSERTED):
            for _, _, svc in triples(store, (target, OPS.affects, None), graph=graph):
                return URIRef(svc)
    return URIRef(target)


def settled_steps(store: GraphStore, at: int | None = None) -> frozenset[URIRef]:
    """The steps of plans in a state they never leave (completed, blocked, rejected, ...):
    what was done or stopped, no longer an intention for policy to judge."""
    settled = {Literal(s.value) for s in TERMINAL}
    out: set[URIRef] = set()
    for plan, _, _ in triples(store, (None, RDF.type, OPS.Plan), at=at):
        if any(o in settled for _, _, o in triples(store, (plan, OPS.status, None), at=at)):
            out.update(URIRef(step) for _, _, step in triples(store, (plan, OPS.hasStep, None), at=at))
    return frozenset(out)


def load_plans(store: GraphStore) -> list[Plan]:
    """Every plan in the store, in IRI order."""
    subjects = sorted({s for s, _, _ in triples(store, (None, RDF.type, OPS.Plan))}, key=str)
    return [p for s in subjects if isinstance(s, URIRef) and (p := load_plan(store, s))]


def load_plan(store: GraphStore, iri: URIRef) -> Plan | None:
    """The plan ``iri`` as persisted, or ``None`` if the store has no such plan."""
    props = _by_subject(store, [iri])[iri]
    if OPS.Plan not in props.get(RDF.type, []):
        return None
    key = str(props[OPS.fingerprint][0])
    steps = [_load_step(store, URIRef(s)) for s in props.get(OPS.hasStep, [])]
    approver = props.get(OPS.approvedBy, [None])[0]
    appr = _by_subject(store, [approval_iri(iri)])[approval_iri(iri)]
    return Plan(
        iri=iri, key=key, goal=URIRef(props[OPS.forGoal][0]),
        entity=URIRef(key.rsplit("|", 1)[-1]),
        steps=tuple(sorted(steps, key=lambda s: s.order)),
        state=PlanState(str(props[OPS.status][0])),
        attempt=int(str(iri).rsplit("-", 1)[-1]),
        triggers=max(1, len(props.get(PROV.wasDerivedFrom, []))),
        reason=str(props.get(RDFS.comment, [""])[0]),
        approver=URIRef(approver) if approver is not None else None,
        emergency=bool(appr.get(OPS.emergency, [Literal(False)])[0].toPython()),
        created=_time(props.get(PROV.generatedAtTime)),
        runner=str(props.get(OPS.runBy, [""])[0]),
    )


def _time(values: list[Node] | None) -> datetime | None:
    v = values[0].toPython() if values and isinstance(values[0], Literal) else None
    return v if isinstance(v, datetime) else None


def _load_step(store: GraphStore, iri: URIRef) -> PlanStep:
    props = _by_subject(store, [iri])[iri]

    def one(p: URIRef) -> URIRef | None:
        v = props.get(p)
        return URIRef(v[0]) if v else None

    return PlanStep(
        iri=iri, order=int(str(props[OPS.stepOrder][0])),
        action=URIRef(props[OPS.actionType][0]), target=URIRef(props[OPS.target][0]),
        runbook=one(OPS.usesRunbook), agent=one(OPS.performedBy),
        compensation=one(OPS.compensatedBy),
        stands_for=tuple(sorted(URIRef(t) for t in props.get(OPS.standsFor, []))),
        salience=int(str(props.get(OPS.salience, ["0"])[0])),
        rule_id=str(props.get(OPS.ruleId, [""])[0]),
        rule_version=str(props.get(OPS.ruleVersion, [""])[0]),
    )


def alerts_resolved(alerts: Iterable[URIRef]) -> Delta:
    """``alerts`` no longer firing: resolved."""
    alerts = list(alerts)
    return Delta.of(adds=[(a, OPS.status, Literal("resolved")) for a in alerts],
                    removes=[(a, OPS.status, Literal("firing")) for a in alerts])
