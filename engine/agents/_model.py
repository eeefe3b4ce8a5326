"""Values that cross the agents boundary: requests, outcomes, scopes, clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field
from rdflib import URIRef

from engine.store import Delta
from engine.terms import shorten

__all__ = [
    "ActionRequest",
    "AgentScope",
    "Clock",
    "Outcome",
    "OutcomeStatus",
    "SimClock",
    "SystemClock",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)

OutcomeStatus = Literal["succeeded", "failed", "timed_out", "refused", "skipped_duplicate"]
"""How a step ended. Only ``succeeded`` counts as done for idempotency."""


class ActionRequest(BaseModel):
    """One approved plan step, ready to run.

    Args:
        step: the plan step (``ops:PlanStep``) this executes.
        plan: the plan the step belongs to.
        action: an ``ops:ActionType`` such as ``OPS.Restart``.
        target: the entity acted on (an instance, service, host or change).
        params: extra action parameters as ``(name, value)`` pairs.
        idempotency_key: a retried or replayed request with the same key never acts twice.
        timeout_s: the step fails as ``timed_out`` when it takes longer.
        compensation: the action that undoes this one if a later step of the plan fails.
    """

    model_config = _FROZEN

    step: URIRef
    plan: URIRef
    action: URIRef
    target: URIRef
    params: tuple[tuple[str, str], ...] = ()
    idempotency_key: str = Field(min_length=1)
    timeout_s: float = Field(default=60.0, gt=0)
    compensation: ActionRequest | None = None

    def param(self, name: str, default: str | None = None) -> str | None:
        """The value of parameter ``name``, or ``default``."""
        return next((v for k, v in self.params if k == name), default)

    def describe(self) -> str:
        return f"{shorten(self.action)} on {shorten(self.target)} (key {shorten(self.idempotency_key)})"


class Outcome(BaseModel):
    """What happened when a request ran.

    ``observed`` holds the world effects the agent saw, in the ASSERTED graph;
    the loop commits them. It is empty for ``failed``, ``refused`` and
    ``skipped_duplicate``; a ``timed_out`` step keeps whatever effects were seen
    before time ran out (the twin's timeout fault has none). A partly healed
    restart still ``succeeded``: its effects show the partial heal.
    """

    model_config = _FROZEN

    status: OutcomeStatus
    detail: str
    agent: URIRef
    started: datetime
    ended: datetime
    observed: Delta = Delta()

    @property
    def ok(self) -> bool:
        return self.status in ("succeeded", "skipped_duplicate")

    @property
    def duration_s(self) -> float:
        return (self.ended - self.started).total_seconds()


class AgentScope(BaseModel):
    """What an agent may do: which action types, on which services.

    ``services=None`` means any service; an empty set means none. A target that
    belongs to no service (a person to page, a team) is limited by the action
    types only.
    """

    model_config = _FROZEN

    actions: frozenset[URIRef]
    services: frozenset[URIRef] | None = None

    def allows(self, action: URIRef, target_service: URIRef | None) -> bool:
        """True when ``action`` on an entity of ``target_service`` is in scope
        (``None``: the entity belongs to no service)."""
        if action not in self.actions:
            return False
        if self.services is None or target_service is None:
            return True
        return target_service in self.services

    def allows_target(self, action: URIRef, services: frozenset[URIRef]) -> bool:
        """True when ``action`` is in scope on a target of ``services``: one of them
        suffices (a host running several services), none means no service is touched."""
        if not services:
            return self.allows(action, None)
        return any(self.allows(action, s) for s in services)

    def narrowed(self, services: frozenset[URIRef] | None) -> AgentScope:
        """This scope limited to ``services`` (``None`` leaves it as it is)."""
        if services is None:
            return self
        keep = services if self.services is None else services & self.services
        return AgentScope(actions=self.actions, services=keep)


@runtime_checkable
class Clock(Protocol):
    """Where time comes from: the system clock, or a simulated one in tests and the twin."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real UTC clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimClock:
    """A simulated clock that moves only when told to (deterministic runs)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward ``seconds`` (never back) and return the new time."""
        if seconds < 0:
            raise ValueError(f"cannot move a clock back ({seconds} s); pass a positive number")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` if it is later than now."""
        when = when.astimezone(UTC)
        if when > self._now:
            self._now = when
