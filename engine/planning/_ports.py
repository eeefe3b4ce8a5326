"""The loop's seams: the four things it needs from the other rooms.

The loop driver talks only to these small Protocols; :mod:`engine.planning._wiring`
adapts the real rule engine, policy gate, agents/digital twin and provenance
recorder to them. Keeping the seams narrow keeps the driver readable and lets
each room change its internals without touching planning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict
from rdflib import URIRef

from engine.planning._builder import ProposalLike
from engine.planning._model import Plan, PlanStep
from engine.store import Delta, GraphStore
from engine.terms import Triple

__all__ = [
    "Actuator",
    "Decision",
    "Gate",
    "Inference",
    "LoopEvent",
    "Observation",
    "Recorder",
    "StepResult",
    "Verdict",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Observation(BaseModel):
    """What inference concluded after a change: the inferred-graph delta and proposals."""

    model_config = _FROZEN

    inferred: Delta
    proposals: tuple[Any, ...]  # ProposalLike; Any keeps pydantic from validating them
    derived: int = 0


class Decision(StrEnum):
    ALLOW = "allow"
    NEEDS_APPROVAL = "needs_approval"
    BLOCK = "block"


class Verdict(BaseModel):
    """The policy gate's answer for one plan."""

    model_config = _FROZEN

    decision: Decision
    reasons: tuple[str, ...] = ()
    shapes: tuple[str, ...] = ()  # the shapes that blocked or asked for approval
    asks_approval: bool = False  # a Warning failed (with or without a Violation beside it)
    shape_version: str = ""
    provenance: Delta = Delta()  # the validation report, for the provenance graph


class StepResult(BaseModel):
    """What an agent did with one step."""

    model_config = _FROZEN

    status: str  # "succeeded", "failed", "timeout", "refused", "skipped"
    detail: str = ""
    agent: URIRef | None = None
    started: datetime
    ended: datetime
    effects: Delta = Delta()  # observed changes to commit to the asserted graph
    provenance: Delta = Delta()

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


class LoopEvent(BaseModel):
    """One thing that happened in the loop, for the progress view and the summary."""

    model_config = _FROZEN

    kind: str  # events, derived, goal, plan, joined, lock, policy, approval, action, effect,
    # retry, compensate, replan, resume, escalate, goal_met, rejected, withdrawn
    at: datetime
    text: str
    plan: URIRef | None = None
    data: tuple[tuple[str, str], ...] = ()


class Inference(Protocol):
    def observe(
        self, adds: Sequence[Triple], removes: Sequence[Triple], now: datetime,
    ) -> Observation:
        """Fold an asserted-graph change in; return the inferred delta and current proposals.

        For a large batch the loop calls this on a worker thread while the store writes the
        batch's asserted rows (``LoopConfig.overlap_min``): it must not use the store."""
        ...

    def proposals(self) -> Sequence[ProposalLike]:
        """The proposals as of the last observation."""
        ...


class Gate(Protocol):
    def check(self, store: GraphStore, plan: Plan, delta: Delta, now: datetime, *,
              record: bool = True) -> Verdict:
        """Validate the world plus ``delta`` (the plan's RDF) without committing. The verdict
        carries its provenance record (``Verdict.provenance``) unless ``record`` is false (a
        question asked before anything is decided: no record is made, none is cited)."""
        ...


class Actuator(Protocol):
    def execute(self, plan: Plan, step: PlanStep, attempt: int, now: datetime) -> StepResult:
        """Run ``step`` (idempotent per ``attempt``); immediate effects are in the result."""
        ...

    def sync(self, adds: Sequence[Triple], removes: Sequence[Triple]) -> None:
        """Tell the world adapter about state observed from outside (monitoring events)."""
        ...

    def settle(self, now: datetime) -> Delta:
        """Effects that have matured by ``now`` (a restart heals after a delay)."""
        ...

    def page(self, plan: Plan, person: URIRef | None, reason: str, now: datetime,
             key: str = "page") -> StepResult:
        """Escalate to a human: page ``person`` (the on-call owner). ``key`` tells pages under
        one plan apart (each key pages once, however often it is asked)."""
        ...

    def compensate(self, plan: Plan, failed: PlanStep, now: datetime) -> tuple[StepResult, ...]:
        """Step ``failed`` gave up: undo the earlier steps of ``plan`` that succeeded in this
        run and declare a compensation (``PlanStep.compensation``), last first."""
        ...


class Recorder(Protocol):
    def record(self, store: GraphStore, event: LoopEvent, extra: Delta) -> Delta:
        """The provenance delta for ``event`` (``extra`` is room-specific PROV to include)."""
        ...
