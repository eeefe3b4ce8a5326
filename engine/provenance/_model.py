"""Values the provenance room takes in (what to record) and gives out (records, reports)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from rdflib import URIRef

from engine.store import Delta

__all__ = [
    "ApprovalRecord",
    "ChainProblem",
    "ChainReport",
    "PolicyDecisionRecord",
    "Rationale",
    "Record",
    "RuleRef",
    "StepExecutionRecord",
    "Violation",
    "WithdrawalRecord",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class RuleRef(BaseModel):
    """A rule, by id and version, that proposed an action."""

    model_config = _FROZEN

    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.id}@{self.version}"


class Rationale(BaseModel):
    """Why an activity happened: everything it depended on, recorded with it.

    Args:
        informed_by: the alerts, incidents and goals that led to it (``prov:wasInfluencedBy``).
        rules: the rules (id and version) that proposed it.
        decision: the policy-decision activity that allowed it (``prov:wasInformedBy``).
        shape_set_version: the version of the SHACL shape set that judged it.
        validation_report: the validation report that allowed it (``prov:used``).
        approver: the person who approved it, if policy asked for approval.
        emergency: the approval was an emergency approval.
    """

    model_config = _FROZEN

    informed_by: tuple[URIRef, ...] = ()
    rules: tuple[RuleRef, ...] = ()
    decision: URIRef | None = None
    shape_set_version: str | None = None
    validation_report: URIRef | None = None
    approver: URIRef | None = None
    emergency: bool = False


class StepExecutionRecord(BaseModel):
    """One execution of a plan step (or a refusal, or a skipped replay) to record."""

    model_config = _FROZEN

    step: URIRef
    plan: URIRef
    action: URIRef
    target: URIRef
    target_services: tuple[URIRef, ...] = ()
    agent: URIRef
    status: str
    detail: str = ""
    started: datetime
    ended: datetime
    idempotency_key: str
    used: tuple[URIRef, ...] = ()
    generated: tuple[URIRef, ...] = ()
    compensates: URIRef | None = None
    why: Rationale = Rationale()


class Violation(BaseModel):
    """One SHACL result that weighed on a policy decision."""

    model_config = _FROZEN

    shape: URIRef
    focus: URIRef | None = None
    severity: Literal["Violation", "Warning", "Info"] = "Violation"
    message: str = ""


class PolicyDecisionRecord(BaseModel):
    """A verdict of the policy gate on a plan (``plan=None``: on the whole world)."""

    model_config = _FROZEN

    plan: URIRef | None
    verdict: Literal["allowed", "awaiting_approval", "blocked"]
    started: datetime
    ended: datetime
    shape_set_version: str
    report: URIRef | None = None
    violations: tuple[Violation, ...] = ()
    reasons: tuple[str, ...] = ()
    why: Rationale = Rationale()


class ApprovalRecord(BaseModel):
    """A person approving or rejecting a plan."""

    model_config = _FROZEN

    plan: URIRef
    approver: URIRef
    decision: Literal["approved", "rejected"]
    at: datetime
    emergency: bool = False
    reason: str = ""
    operator: str = ""
    """Who ran the command that recorded it (``--author``), when not the approver itself."""


class WithdrawalRecord(BaseModel):
    """The loop withdrawing ``plan`` before it ran: ``goal`` was met already (the problem went
    away by itself), so nothing of the plan ran. ``approver``: who had approved it, if anyone."""

    model_config = _FROZEN

    plan: URIRef
    goal: URIRef
    at: datetime
    reason: str
    approver: URIRef | None = None


class Record(BaseModel):
    """One sealed provenance record: commit ``delta`` (PROVENANCE graph) to keep it.

    Records must be committed in the order they were made; the chain links them.
    """

    model_config = _FROZEN

    iri: URIRef
    seq: int
    hash: str
    previous: str
    delta: Delta


ProblemKind = Literal["modified", "deleted", "broken_link", "duplicate", "head", "unchained"]


class ChainProblem(BaseModel):
    """One break in the provenance chain, naming the record."""

    model_config = _FROZEN

    seq: int
    record: URIRef
    kind: ProblemKind
    detail: str


class ChainReport(BaseModel):
    """The result of :func:`verify_chain`: intact or not, and where it breaks."""

    model_config = _FROZEN

    records: int
    head_seq: int
    head_hash: str
    problems: tuple[ChainProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def records_with(self, kind: ProblemKind) -> tuple[URIRef, ...]:
        """The records with a problem of ``kind`` (e.g. ``"modified"``)."""
        return tuple(p.record for p in self.problems if p.kind == kind)
