"""Turn decisions and outcomes into PROV-O records, sealed into the hash chain.

The recorder never commits: each method returns a :class:`Record` whose
``delta`` (PROVENANCE graph only) the caller commits, in the order the
records were made. Records only add triples; the one thing a new record
replaces is the head pointer ``run:prov/head``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from engine.provenance._chain import HEAD, read_head, record_hash, record_iri, time_literal
from engine.provenance._model import (
    ApprovalRecord,
    PolicyDecisionRecord,
    Rationale,
    Record,
    StepExecutionRecord,
    WithdrawalRecord,
)
from engine.store import Delta, GraphStore
from engine.terms import Triple
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = ["PLANNER", "POLICY_GATE", "ProvenanceRecorder"]

POLICY_GATE = RUN["agent/policy-gate"]
"""The software agent credited with policy decisions."""
PLANNER = RUN["agent/planner"]
"""The software agent credited with the closed loop's own decisions (a plan withdrawn)."""

_SEVERITY = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}


class ProvenanceRecorder:
    """Makes hash-chained PROV-O records for one store.

    Args:
        store: where the chain lives; its head is read here, once, so a recorder in a
            new process continues the same chain.

    Share one recorder among everything that records into a store in one
    process (the gate, the approvals, the :class:`~engine.agents.Executor`): it
    remembers records made but not committed yet, so numbers never collide.

    It never catches up with records another process commits later: make it *before*
    reading the state a decision rests on, and commit each record with
    ``CommitMeta(expect_absent=claims(delta))``. Then a record made on a stale view (two
    people approving one plan at once) claims a number that is taken, and its commit is a
    :class:`~engine.errors.ConflictError`, not a second approval or a broken chain.
    """

    def __init__(self, store: GraphStore) -> None:
        self._last: tuple[int, str] = read_head(store)  # newest record made or read

    # -- public: one method per kind of record --------------------------------------
    def step_execution(self, rec: StepExecutionRecord) -> Record:
        """A step execution (``ops:StepExecution``), a refusal or a skipped replay."""
        seq, prev = self._next()
        r = record_iri(seq)
        body = _activity(r, OPS.StepExecution, rec.started, rec.ended)
        body += _association(r, rec.agent, rec.plan)
        body += [
            (r, OPS.executes, rec.step), (r, OPS.executedAction, rec.action),
            (r, OPS.actedOn, rec.target), (r, PROV.used, rec.target),
            (r, OPS.idempotencyKey, Literal(rec.idempotency_key)),
            (r, OPS.status, Literal(rec.status)),
        ]
        if rec.detail:
            body.append((r, RDFS.comment, Literal(rec.detail)))
        body += [(r, OPS.targetService, svc) for svc in rec.target_services]
        if rec.compensates is not None:
            body.append((r, PROV.wasInformedBy, rec.compensates))
        body += [(r, PROV.used, u) for u in rec.used]
        body += [(r, PROV.generated, g) for g in rec.generated]
        body += _rationale(r, rec.why)
        extra = [(rec.agent, RDF.type, PROV.SoftwareAgent), (rec.plan, RDF.type, PROV.Plan)]
        return self._seal(seq, prev, body, extra)

    def policy_decision(
        self, rec: PolicyDecisionRecord,
        attach: Callable[[URIRef], Iterable[Triple]] | None = None,
    ) -> Record:
        """A verdict of the policy gate (``ops:PolicyDecision``) with its validation results.

        ``attach(r)`` may add more triples about the record ``r`` and its ``r#...``
        sub-nodes (e.g. the judged delta, so the decision can be replayed); they are
        sealed into the record's hash with the rest.
        """
        seq, prev = self._next()
        r = record_iri(seq)
        body = _activity(r, OPS.PolicyDecision, rec.started, rec.ended)
        body += _association(r, POLICY_GATE, rec.plan)
        body += [(r, OPS.status, Literal(rec.verdict)),
                 (r, OPS.shapeSetVersion, Literal(rec.shape_set_version))]
        if rec.plan is not None:
            body.append((r, PROV.used, rec.plan))
        body += [(r, RDFS.comment, Literal(text)) for text in rec.reasons]
        if rec.report is not None:
            body.append((r, PROV.used, rec.report))
        body += _results(r, rec)
        body += _rationale(r, rec.why.model_copy(update={"shape_set_version": None}))
        if attach is not None:
            body += attach(r)
        extra: list[Triple] = [(POLICY_GATE, RDF.type, PROV.SoftwareAgent)]
        if rec.plan is not None:
            extra.append((rec.plan, RDF.type, PROV.Plan))
        return self._seal(seq, prev, body, extra)

    def approval(self, rec: ApprovalRecord) -> Record:
        """A person approving or rejecting a plan; generates an ``ops:Approval`` entity."""
        seq, prev = self._next()
        r = record_iri(seq)
        body = _activity(r, None, rec.at, rec.at)
        body += _association(r, rec.approver, rec.plan)
        approval = URIRef(f"{r}#approval")
        body += [
            (r, PROV.used, rec.plan), (r, OPS.status, Literal(rec.decision)),
            (r, PROV.generated, approval), (approval, RDF.type, OPS.Approval),
            (approval, OPS.approvedBy, rec.approver), (approval, OPS.status, Literal(rec.decision)),
            (approval, OPS.emergency, Literal(rec.emergency)),
        ]
        if rec.reason:
            body.append((r, RDFS.comment, Literal(rec.reason)))
        if rec.operator:
            body.append((r, OPS.enteredBy, Literal(rec.operator)))
        extra = [(rec.approver, RDF.type, PROV.Person), (rec.plan, RDF.type, PROV.Plan)]
        return self._seal(seq, prev, body, extra)

    def withdrawal(self, rec: WithdrawalRecord) -> Record:
        """The loop withdrawing a plan before it ran (``ops:PlanWithdrawal``): it used the
        plan and invalidated it, influenced by the goal that was met (and the approval, if a
        person had approved the plan). Not associated with the plan as one the loop followed:
        nothing of it ran."""
        seq, prev = self._next()
        r = record_iri(seq)
        body = _activity(r, OPS.PlanWithdrawal, rec.at, rec.at)
        body += _association(r, PLANNER, None)
        body += [(r, PROV.used, rec.plan), (r, PROV.invalidated, rec.plan),
                 (r, PROV.wasInfluencedBy, rec.goal), (r, OPS.status, Literal("withdrawn")),
                 (r, RDFS.comment, Literal(rec.reason))]
        body += _rationale(r, Rationale(approver=rec.approver))
        extra = [(PLANNER, RDF.type, PROV.SoftwareAgent), (rec.plan, RDF.type, PROV.Plan)]
        return self._seal(seq, prev, body, extra)

    # -- the chain ------------------------------------------------------------------
    def _next(self) -> tuple[int, str]:
        """The next sequence number and the hash to link to."""
        seq, h = self._last
        return seq + 1, h

    def _seal(
        self, seq: int, prev: str, body: list[Triple], extra: Sequence[Triple],
    ) -> Record:
        r = record_iri(seq)
        content = list(dict.fromkeys(
            [*body, (r, OPS.recordSeq, Literal(seq)), (r, OPS.previousHash, Literal(prev))]
        ))
        h = record_hash(content)
        adds = [*content, *extra, (r, OPS.recordHash, Literal(h)), (HEAD, OPS.recordSeq, Literal(seq))]
        removes: list[Triple] = [(HEAD, OPS.recordSeq, Literal(seq - 1))] if seq > 1 else []
        self._last = (seq, h)
        delta = Delta.of(adds, removes, GraphName.PROVENANCE)
        return Record(iri=r, seq=seq, hash=h, previous=prev, delta=delta)


def _activity(
    r: URIRef, kind: URIRef | None, started: datetime, ended: datetime,
) -> list[Triple]:
    out: list[Triple] = [(r, RDF.type, PROV.Activity)]
    if kind is not None:
        out.append((r, RDF.type, kind))
    out.append((r, PROV.startedAtTime, time_literal(started)))
    out.append((r, PROV.endedAtTime, time_literal(ended)))
    return out


def _association(r: URIRef, agent: URIRef, plan: URIRef | None) -> list[Triple]:
    assoc = URIRef(f"{r}#association")
    out: list[Triple] = [
        (r, PROV.wasAssociatedWith, agent), (r, PROV.qualifiedAssociation, assoc),
        (assoc, RDF.type, PROV.Association), (assoc, PROV.agent, agent),
    ]
    if plan is not None:
        out.append((assoc, PROV.hadPlan, plan))
    return out


def _rationale(r: URIRef, why: Rationale) -> list[Triple]:
    out: list[Triple] = [(r, PROV.wasInfluencedBy, i) for i in why.informed_by]
    for n, rule in enumerate(why.rules):
        ref = URIRef(f"{r}#rule-{n}")
        out += [(r, OPS.proposedBy, ref), (ref, RDF.type, PROV.Entity),
                (ref, OPS.ruleId, Literal(rule.id)), (ref, OPS.ruleVersion, Literal(rule.version))]
    if why.decision is not None:
        out.append((r, PROV.wasInformedBy, why.decision))
    if why.shape_set_version is not None:
        out.append((r, OPS.shapeSetVersion, Literal(why.shape_set_version)))
    if why.validation_report is not None:
        out.append((r, PROV.used, why.validation_report))
    if why.approver is not None:
        approval = URIRef(f"{r}#approval")
        out += [(r, PROV.wasInfluencedBy, approval), (approval, RDF.type, OPS.Approval),
                (approval, OPS.approvedBy, why.approver),
                (approval, OPS.emergency, Literal(why.emergency))]
    return out


def _results(r: URIRef, rec: PolicyDecisionRecord) -> list[Triple]:
    if not rec.violations:
        return []
    report = URIRef(f"{r}#report")
    out: list[Triple] = [
        (r, PROV.generated, report), (report, RDF.type, SH.ValidationReport),
        (report, SH.conforms, Literal(not any(v.severity == "Violation" for v in rec.violations))),
    ]
    for n, v in enumerate(rec.violations):
        res = URIRef(f"{r}#result-{n}")
        out += [(report, SH.result, res), (res, RDF.type, SH.ValidationResult),
                (res, SH.sourceShape, v.shape), (res, SH.resultSeverity, _SEVERITY[v.severity])]
        if v.focus is not None:
            out.append((res, SH.focusNode, v.focus))
        if v.message:
            out.append((res, SH.resultMessage, Literal(v.message)))
        if v.severity == "Violation" and rec.verdict == "blocked":
            out.append((r, OPS.blockedBy, v.shape))
    return out
