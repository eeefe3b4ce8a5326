"""Values of the planning room: goals, plans, steps and their lifecycle states.

All are frozen pydantic models; a change of state is a new value (``model_copy``)
that the loop persists as one commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from rdflib import URIRef

from engine.terms import Triple
from engine.vocab import RUN

__all__ = [
    "TERMINAL",
    "UNSTARTED",
    "Goal",
    "GoalKind",
    "Plan",
    "PlanState",
    "PlanStep",
    "goal_iri",
    "plan_iri",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class GoalKind(StrEnum):
    """What a goal asks for."""

    WITHIN_SLO = "within_slo"  # the target service/instance/host is healthy again
    INCIDENT_RESOLVED = "incident_resolved"  # the incident is resolved


class PlanState(StrEnum):
    """Lifecycle of a plan; persisted as ``ops:status`` on the plan."""

    PROPOSED = "proposed"
    WAITING = "waiting"  # another plan holds a lock it needs
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    RUNNING = "running"
    COMPLETED = "completed"  # every step done and the goal is met
    BLOCKED = "blocked"  # the policy gate found a violation
    REJECTED = "rejected"  # a human said no
    REFUSED = "refused"  # a lock conflict that waiting cannot resolve
    ESCALATED = "escalated"  # retries and re-plans ran out: a human takes over
    SUPERSEDED = "superseded"  # a step failed and a re-plan replaced it
    WITHDRAWN = "withdrawn"  # its goal was met before it ran (the problem went away): nothing ran


TERMINAL = frozenset(
    {PlanState.COMPLETED, PlanState.BLOCKED, PlanState.REJECTED, PlanState.REFUSED,
     PlanState.ESCALATED, PlanState.SUPERSEDED, PlanState.WITHDRAWN}
)
"""States a plan never leaves; plans in other states hold their locks."""

UNSTARTED = frozenset(
    {PlanState.PROPOSED, PlanState.WAITING, PlanState.AWAITING_APPROVAL, PlanState.APPROVED}
)
"""Active states in which nothing of the plan has run yet: such a plan is withdrawn when its
goal is met before it runs (a flap healed by itself)."""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def goal_iri(kind: GoalKind, target: URIRef) -> URIRef:
    """The deterministic IRI of the goal ``kind`` on ``target``: the same ask is one goal."""
    return RUN[f"goal/{_digest(kind.value, str(target))}"]


def plan_iri(key: str, attempt: int = 0) -> URIRef:
    """The deterministic IRI of plan ``attempt`` (0 = first) for dedup ``key``."""
    return RUN[f"plan/{_digest(key)}-{attempt}"]


class Goal(BaseModel):
    """A desired state: ``target`` back within its SLO, or incident ``target`` resolved.

    ``entity`` is the thing that must be healthy (the incident's service for an
    incident goal, else ``target`` itself).
    """

    model_config = _FROZEN

    iri: URIRef
    kind: GoalKind
    target: URIRef
    entity: URIRef
    source: str = "rule"  # "rule", "cli" or "proposal"
    status: str = "open"  # "open", "met", "failed"


class PlanStep(BaseModel):
    """One action of a plan, with what must hold before it and what it should cause."""

    model_config = _FROZEN

    iri: URIRef
    order: int
    action: URIRef
    target: URIRef
    params: tuple[tuple[str, str], ...] = ()
    runbook: URIRef | None = None
    agent: URIRef | None = None
    compensation: URIRef | None = None  # the action that undoes it if a later step fails
    stands_for: tuple[URIRef, ...] = ()  # a runbook step: the targets of the fixes it replaces
    preconditions: tuple[Triple, ...] = ()
    expects: tuple[Triple, ...] = ()
    proposal: str = ""
    rule_id: str = ""
    rule_version: str = ""
    salience: int = 0

    def signature(self) -> tuple[URIRef, URIRef]:
        """(action, target): two steps with the same signature do the same thing."""
        return (self.action, self.target)


class Plan(BaseModel):
    """A typed, ordered list of steps toward one goal.

    ``key`` is the dedup identity (goal + entity); ``attempt`` counts re-plans.
    """

    model_config = _FROZEN

    iri: URIRef
    key: str
    goal: URIRef
    entity: URIRef
    steps: tuple[PlanStep, ...]
    state: PlanState = PlanState.PROPOSED
    attempt: int = 0
    triggers: int = 1
    reason: str = ""
    approver: URIRef | None = None
    emergency: bool = False
    locks: tuple[URIRef, ...] = ()
    created: datetime | None = None  # prov:generatedAtTime: when the plan was made (sim time)
    runner: str = ""  # "host/pid" of the process running it (kept only while running)

    @property
    def active(self) -> bool:
        return self.state not in TERMINAL

    def mutated(self) -> frozenset[URIRef]:
        """The entities the steps act on."""
        return frozenset(s.target for s in self.steps)

    def with_state(self, state: PlanState, reason: str = "") -> Plan:
        return self.model_copy(update={"state": state, "reason": reason or self.reason})
