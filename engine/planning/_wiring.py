"""Adapters from the real rooms to the loop's ports.

- :class:`RuleInference`: ``engine.inference.Reasoner``, updated incrementally.
- :class:`ShaclGate`: ``engine.policy.PolicyGate.what_if`` plus a PROV policy-decision record.
- :class:`TwinActuator`: ``engine.agents.Executor`` over the ``DigitalTwin``.
- :class:`ChainRecorder`: approvals into the hash-chained provenance log.

They share one :class:`ProvContext` so a step's record can cite the decision
that allowed it, the rules that proposed it and the approver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, URIRef

from engine.agents import ActionRequest, Outcome
from engine.inference import Reasoner
from engine.planning._builder import ProposalLike
from engine.planning._loop import LoopConfig, Ports, is_bookkeeping
from engine.planning._model import Plan, PlanStep
from engine.planning._ports import Decision, LoopEvent, Observation, StepResult, Verdict
from engine.planning._scenario import Scenario
from engine.policy import PolicyResult
from engine.provenance import (
    ApprovalRecord,
    PolicyDecisionRecord,
    ProvenanceRecorder,
    Rationale,
    Record,
    RuleRef,
    Violation,
    WithdrawalRecord,
)
from engine.store import CommitMeta, Delta, GraphStore, triples
from engine.terms import Triple, expand
from engine.vocab import OPS, GraphName

__all__ = [
    "ChainRecorder", "LoopSetup", "ProvContext", "RuleInference", "ShaclGate", "TwinActuator",
    "real_ports",
]


@dataclass
class ProvContext:
    """What records cite: per plan, the decision record, shape version and triggers."""

    recorder: ProvenanceRecorder
    operator: str = ""  # who runs this process's commands (--author): named on approvals
    decisions: dict[URIRef, tuple[URIRef, str]] = field(default_factory=dict)
    informed_by: dict[URIRef, tuple[URIRef, ...]] = field(default_factory=dict)


class RuleInference:
    """The rule engine, primed with the asserted world and updated incrementally after
    each commit (``Reasoner.update``: only what the change touches is re-derived)."""

    def __init__(self, reasoner: Reasoner, asserted: Sequence[Triple], now: datetime) -> None:
        self._r = reasoner
        result = reasoner.run(asserted, now=now)
        self._initial = frozenset(result.inferred)
        self._proposals: tuple[ProposalLike, ...] = tuple(result.proposals)  # type: ignore[arg-type]

    def initial(self) -> Delta:
        return Delta.of(self._initial, (), GraphName.INFERRED)

    def observe(self, adds: Sequence[Triple], removes: Sequence[Triple], now: datetime
                ) -> Observation:
        d = self._r.update(adds, removes, now=now)
        if d.agenda_touched:  # else the agenda (a scan of every derived fact) stands
            self._proposals = tuple(self._r.agenda())  # type: ignore[arg-type]
        return Observation(inferred=Delta.of(d.added, d.removed - d.added, GraphName.INFERRED),
                           proposals=self._proposals, derived=len(d.added))

    def proposals(self) -> Sequence[ProposalLike]:
        return self._proposals


class ShaclGate:
    """The SHACL what-if gate; every verdict becomes a PROV policy-decision record."""

    def __init__(self, gate: object, ctx: ProvContext) -> None:
        self._gate = gate
        self._ctx = ctx

    def check(self, store: GraphStore, plan: Plan, delta: Delta, now: datetime, *,
              record: bool = True) -> Verdict:
        report = self._gate.what_if(store, delta, now=now)  # type: ignore[attr-defined]
        version = str(report.shape_version.short) if hasattr(report.shape_version, "short") \
            else str(report.shape_version)
        if report.blocking:
            decision = Decision.BLOCK
        elif report.needs_approval:
            decision = Decision.NEEDS_APPROVAL
        else:
            decision = Decision.ALLOW
        weighed = [r for r in report.results if r.severity in ("Violation", "Warning")]
        verdict = Verdict(decision=decision, reasons=tuple(dict.fromkeys(r.message for r in weighed)),
                          shapes=tuple(dict.fromkeys(str(r.shape).strip("<>") for r in weighed)),
                          shape_version=version,
                          asks_approval=any(r.severity == "Warning" for r in weighed))
        if not record:
            return verdict
        rec = self._record(plan, verdict, weighed, now)
        return verdict.model_copy(update={"provenance": rec.delta})

    def _record(self, plan: Plan, verdict: Verdict, weighed: list[PolicyResult], now: datetime
                ) -> Record:
        """The PROV policy-decision record of ``verdict`` (the step records cite it)."""
        state = {"allow": "allowed", "needs_approval": "awaiting_approval",
                 "block": "blocked"}[verdict.decision.value]
        rec = self._ctx.recorder.policy_decision(PolicyDecisionRecord(
            plan=plan.iri, verdict=state, started=now, ended=now,
            shape_set_version=verdict.shape_version, reasons=verdict.reasons,
            violations=tuple(Violation(shape=_iri(r.shape) or URIRef("urn:tier1:shape"), focus=_iri(r.focus),
                                       severity=r.severity, message=r.message) for r in weighed),
            why=Rationale(informed_by=self._ctx.informed_by.get(plan.iri, ()),
                          approver=plan.approver, emergency=plan.emergency),
        ))
        self._ctx.decisions[plan.iri] = (rec.iri, verdict.shape_version)
        return rec


def _iri(text: str | None) -> URIRef | None:
    if not text or text.startswith("_:"):
        return None
    return URIRef(text.strip("<>"))


class ChainRecorder:
    """Records the human decisions (approve, reject) the loop sees, and its own withdrawals
    of plans whose goal was met before they ran."""

    def __init__(self, ctx: ProvContext) -> None:
        self._ctx = ctx

    def record(self, store: GraphStore, event: LoopEvent, extra: Delta) -> Delta:
        data = dict(event.data)
        if event.kind in ("plan", "replan") and event.plan is not None:
            cited = [data.get("goal", ""), *data.get("triggers", "").split()]
            self._ctx.informed_by[event.plan] = tuple(URIRef(c) for c in cited if c)
        if event.kind in ("approval", "rejected") and event.plan is not None:
            who = data.get("approver") or data.get("by")
            if who:
                rec = self._ctx.recorder.approval(ApprovalRecord(
                    plan=event.plan, approver=URIRef(who),
                    decision="approved" if event.kind == "approval" else "rejected",
                    at=event.at, emergency=data.get("emergency") == "true", reason=event.text,
                    operator=self._ctx.operator,
                ))
                return extra | rec.delta
        if event.kind == "withdrawn" and event.plan is not None:
            return extra | self._withdrawal(event.plan, event, data)
        return extra

    def _withdrawal(self, plan: URIRef, event: LoopEvent, data: dict[str, str]) -> Delta:
        """The loop withdrew ``plan`` before it ran (its goal was met): an
        ``ops:PlanWithdrawal`` record."""
        who = data.get("approver")
        return self._ctx.recorder.withdrawal(WithdrawalRecord(
            plan=plan, goal=URIRef(data["goal"]), at=event.at, reason=event.text,
            approver=URIRef(who) if who else None)).delta


_STATUS = {"succeeded": "succeeded", "failed": "failed", "timed_out": "timeout",
           "refused": "refused", "skipped_duplicate": "skipped"}


def _result(out: Outcome, *records: Delta) -> StepResult:
    """The loop's view of an executor ``Outcome``, with its record, for the loop to commit
    together with the outcome's effects."""
    prov = Delta()
    for r in records:
        prov = prov | r
    return StepResult(status=_STATUS.get(out.status, out.status), detail=out.detail,
                      agent=out.agent, started=out.started, ended=out.ended, effects=out.observed,
                      provenance=prov)


class TwinActuator:
    """Steps run through the agents' :class:`Executor` on the digital twin, on the sim clock."""

    def __init__(self, executor: object, twin: object, clock: object, ctx: ProvContext) -> None:
        self._ex = executor
        self._twin = twin
        self._clock = clock
        self._ctx = ctx

    def _why(self, plan: Plan, rules: tuple[RuleRef, ...] = ()) -> Rationale:
        decision, version = self._ctx.decisions.get(plan.iri, (None, None))
        return Rationale(informed_by=self._ctx.informed_by.get(plan.iri, (plan.goal,)),
                         rules=rules, decision=decision, shape_set_version=version,
                         approver=plan.approver, emergency=plan.emergency)

    def _run(self, req: ActionRequest, why: Rationale, now: datetime) -> StepResult:
        self._clock.set(now)  # type: ignore[attr-defined]
        out = self._ex.execute(req, why)  # type: ignore[attr-defined]
        return _result(out, *self._ex.take_records())  # type: ignore[attr-defined]

    def execute(self, plan: Plan, step: PlanStep, attempt: int, now: datetime) -> StepResult:
        rules = (RuleRef(id=step.rule_id, version=step.rule_version),) if step.rule_id else ()
        undo = None
        if step.compensation is not None:
            key = f"{step.iri}#try{attempt}#undo"
            undo = ActionRequest(step=URIRef(key), plan=plan.iri, action=step.compensation,
                                 target=step.target, idempotency_key=key)
        req = ActionRequest(step=step.iri, plan=plan.iri, action=step.action, target=step.target,
                            params=step.params, idempotency_key=f"{step.iri}#try{attempt}",
                            compensation=undo)
        return self._run(req, self._why(plan, rules), now)

    def compensate(self, plan: Plan, failed: PlanStep, now: datetime) -> tuple[StepResult, ...]:
        self._clock.set(now)  # type: ignore[attr-defined]
        outs = self._ex.compensate(plan.iri, self._why(plan),  # type: ignore[attr-defined]
                                   failed=failed.iri)
        records = self._ex.take_records()  # type: ignore[attr-defined]
        return tuple(_result(o, r) for o, r in zip(outs, records, strict=True))

    def sync(self, adds: Sequence[Triple], removes: Sequence[Triple]) -> None:
        """Observed state enters the twin too, so its simulation starts from what was seen.

        Alerts and their duplicates are signals about the estate, not state the twin
        simulates (no agent effect reads them): they stay out, which keeps a storm's 60,000
        alert triples out of rdflib.
        """
        g = self._twin.graph  # type: ignore[attr-defined]
        a_type, kinds = {RDF.type}, {OPS.Alert, OPS.DuplicateAlert}  # (a set probe hashes
        alerts = {s for s, p, o in adds if p in a_type and o in kinds}  # first: rdflib's
        subjects = {t[0] for t in (*adds, *removes)} - alerts  # __eq__ is Python, per triple)
        alerts |= {s for s in subjects if any((s, RDF.type, k) in g for k in kinds)}
        for t in removes:
            if t[0] not in alerts:
                g.remove(t)
        for t in adds:
            if t[0] not in alerts:
                g.add(t)

    def settle(self, now: datetime) -> Delta:
        self._clock.set(now)  # type: ignore[attr-defined]
        return self._twin.advance(now)  # type: ignore[attr-defined,no-any-return]

    def page(self, plan: Plan, person: URIRef | None, reason: str, now: datetime,
             key: str = "page") -> StepResult:
        params = (("message", reason),) + ((("person", str(person)),) if person else ())
        req = ActionRequest(step=URIRef(f"{plan.iri}#{key}"), plan=plan.iri, action=OPS.Page,
                            target=person or plan.entity, params=params,
                            idempotency_key=f"{plan.iri}#{key}")
        return self._run(req, self._why(plan), now)


class LoopSetup(BaseModel):
    """Where the rules and shapes come from, and the loop's bounds."""

    model_config = ConfigDict(frozen=True)

    rules: tuple[Path, ...]
    shapes: tuple[Path, ...]
    config: LoopConfig = LoopConfig()


def real_ports(store: GraphStore, scenario: Scenario | None, setup: LoopSetup,
               now: datetime) -> Ports:
    """Ports over the real rule engine, policy gate, agents, twin and provenance."""
    from engine.agents import DigitalTwin, Executor, FaultSpec, SimClock
    from engine.inference import Reasoner, load_rules
    from engine.policy import PolicyGate, load_shapes

    ctx = ProvContext(recorder=ProvenanceRecorder(store), operator=setup.config.author)
    asserted = [t for t in triples(store, graph=GraphName.ASSERTED) if not is_bookkeeping(t[0])]
    inference = RuleInference(Reasoner(load_rules(list(setup.rules))), asserted, now)
    missing = inference.initial().adds - set(store.quads(graphs=(GraphName.INFERRED,)))
    if missing:
        store.commit(inference.initial(), CommitMeta(
            author=setup.config.author, message="inference: initial", timestamp=now))
    clock = SimClock(now)
    faults = [FaultSpec(kind=f.kind, action=expand(f.action) if f.action else None,
                        target=expand(f.target) if f.target else None, times=f.times)
              for f in (scenario.faults if scenario else ())]
    twin = DigitalTwin.from_store(store, faults=faults, clock=clock)
    executor = Executor(store, twin, clock=clock, author=setup.config.author,
                        recorder=ctx.recorder,  # one recorder per process: one chain view
                        commit_records=False)  # the loop commits each with its effects
    return Ports(inference=inference, gate=ShaclGate(PolicyGate(load_shapes(list(setup.shapes))), ctx),
                 actuator=TwinActuator(executor, twin, clock, ctx), recorder=ChainRecorder(ctx))
