"""A provenance log with two policy decisions, an approval and three step executions;
:func:`add_ruleless_steps` appends two steps that no rule proposed.

Imported by the provenance tests (``from provlog import build_log``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rdflib import URIRef

from engine.provenance import (
    ApprovalRecord,
    PolicyDecisionRecord,
    ProvenanceRecorder,
    Rationale,
    Record,
    RuleRef,
    StepExecutionRecord,
    Violation,
)
from engine.store import CommitMeta, GraphStore
from engine.vocab import EX, OPS, RUN

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@dataclass
class Log:
    store: GraphStore
    records: list[Record]


def _step(n: int, action: URIRef, target: URIRef, service: URIRef, status: str,
          rule: RuleRef, approver: URIRef | None, decision: URIRef | None) -> StepExecutionRecord:
    t = T0 + timedelta(hours=n)
    return StepExecutionRecord(
        step=RUN[f"step/{n}"], plan=RUN["plan/a"], action=action, target=target,
        target_services=(service,), agent=RUN["agent/restart"], status=status, detail=f"step {n}",
        started=t, ended=t + timedelta(seconds=2), idempotency_key=f"key-{n}",
        why=Rationale(informed_by=(EX["alert-1"], RUN["goal/g1"]), rules=(rule,),
                      decision=decision, shape_set_version="shapes-v1", approver=approver),
    )


def build_log(store: GraphStore) -> Log:
    rec = ProvenanceRecorder(store)
    made: list[Record] = []

    def keep(r: Record) -> Record:
        store.commit(r.delta, CommitMeta(author="test", message=f"prov {r.seq}"))
        made.append(r)
        return r

    blocked = PolicyDecisionRecord(
        plan=RUN["plan/b"], verdict="blocked", started=T0, ended=T0, shape_set_version="shapes-v1",
        violations=(Violation(shape=EX.FreezeShape, focus=EX.payments, message="frozen"),
                    Violation(shape=EX.TierShape, severity="Warning", message="tier 1")),
        why=Rationale(informed_by=(EX["alert-2"],)))
    keep(rec.policy_decision(blocked))
    allowed = keep(rec.policy_decision(blocked.model_copy(update={
        "plan": RUN["plan/a"], "verdict": "allowed", "violations": ()})))
    keep(rec.approval(ApprovalRecord(plan=RUN["plan/a"], approver=EX.alice, decision="approved",
                                     at=T0)))
    r1, r2 = RuleRef(id="restart-crashed", version="2"), RuleRef(id="rollback-bad-deploy", version="1")
    keep(rec.step_execution(_step(1, OPS.Restart, EX["checkout-2"], EX.checkout, "succeeded", r1,
                                  EX.alice, allowed.iri)))
    keep(rec.step_execution(_step(2, OPS.Restart, EX["checkout-1"], EX.checkout, "failed", r1,
                                  None, allowed.iri)))
    keep(rec.step_execution(_step(3, OPS.Rollback, EX.deploy, EX.payments, "succeeded", r2,
                                  EX.bob, allowed.iri)))
    return Log(store, made)


def add_ruleless_steps(log: Log) -> None:
    """Append two steps no rule proposed: an approved failover taken from a runbook
    (``run:step/runbook``) and a page citing nothing at all (``run:step/page``)."""
    rec, decision = ProvenanceRecorder(log.store), log.records[1].iri
    t = T0 + timedelta(hours=5)
    failover = StepExecutionRecord(
        step=RUN["step/runbook"], plan=RUN["plan/r"], action=OPS.Failover, target=EX["orders-db"],
        target_services=(EX["orders-db"],), agent=RUN["agent/scale"], status="succeeded",
        started=t, ended=t + timedelta(seconds=2), idempotency_key="key-runbook",
        why=Rationale(informed_by=(EX["alert-3"],), decision=decision,
                      shape_set_version="shapes-v1", approver=EX.chen))
    page = failover.model_copy(update={
        "step": RUN["step/page"], "action": OPS.Page, "target": EX.sofia, "target_services": (),
        "agent": RUN["agent/notify"], "idempotency_key": "key-page", "why": Rationale(),
        "started": t + timedelta(hours=1), "ended": t + timedelta(hours=1, seconds=1)})
    for step in (failover, page):
        r = rec.step_execution(step)
        log.store.commit(r.delta, CommitMeta(author="test", message=f"prov {r.seq}"))
        log.records.append(r)
