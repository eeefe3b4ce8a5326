"""The agent contract, the world adapter contract, and the built-in agents.

An :class:`Agent` turns one :class:`ActionRequest` into an :class:`Outcome` by
acting on a :class:`World` (the digital twin by default; a real system later).
Agents never write the store: the effects they observe come back in
``Outcome.observed`` and the loop commits them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict
from rdflib import URIRef

from engine.agents._model import ActionRequest, AgentScope, Outcome
from engine.errors import ScopeError
from engine.store import Delta
from engine.terms import curie
from engine.vocab import OPS, RUN

__all__ = [
    "Agent",
    "ClearDiskAgent",
    "Effect",
    "NotifyAgent",
    "RestartAgent",
    "RollbackAgent",
    "ScaleOutAgent",
    "TwinAgent",
    "World",
]


class Effect(BaseModel):
    """What a world adapter did for one action: success, effects, and how long it took."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    ok: bool
    detail: str
    delta: Delta = Delta()
    duration_s: float = 0.0


@runtime_checkable
class World(Protocol):
    """A place where actions have effects (the digital twin, or a real estate)."""

    def now(self) -> datetime:
        """The world's current time."""
        ...

    def perform(self, req: ActionRequest, now: datetime) -> Effect:
        """Carry out ``req`` at ``now``; never raises for a failed action, reports it."""
        ...

    def services_of(self, target: URIRef) -> frozenset[URIRef]:
        """The services ``target`` belongs to: itself for a service, one for an
        instance or a change, every service with an instance on a host, none otherwise."""
        ...


@runtime_checkable
class Agent(Protocol):
    """Something that acts: declares its scope and executes requests inside it."""

    iri: URIRef
    scope: AgentScope

    def execute(self, req: ActionRequest, world: World) -> Outcome:
        """Run ``req`` on ``world``; raise :class:`ScopeError` if it is outside the scope."""
        ...


class TwinAgent:
    """Base of the built-in agents: checks scope, asks the world, reports the outcome.

    Subclasses set ``IRI`` and ``ACTIONS``. ``scope`` narrows the services the
    agent may touch (default: any service).
    """

    IRI: ClassVar[URIRef] = RUN["agent/twin"]
    ACTIONS: ClassVar[frozenset[URIRef]] = frozenset()

    def __init__(self, scope: AgentScope | None = None) -> None:
        self.iri = self.IRI
        self.scope = scope or AgentScope(actions=self.ACTIONS)

    def execute(self, req: ActionRequest, world: World) -> Outcome:
        services = world.services_of(req.target)
        if not self.scope.allows_target(req.action, services):
            raise ScopeError(scope_message(self.iri, self.scope, req, services))
        started = world.now()
        effect = world.perform(req, started)
        return Outcome(
            status="succeeded" if effect.ok else "failed",
            detail=effect.detail,
            agent=self.iri,
            started=started,
            ended=started + timedelta(seconds=effect.duration_s),
            observed=effect.delta if effect.ok else Delta(),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({curie(self.iri)})"


def scope_message(
    agent: URIRef, scope: AgentScope, req: ActionRequest, services: frozenset[URIRef],
) -> str:
    """Why ``req`` is outside ``scope``, and what would put it inside."""
    if req.action not in scope.actions:
        allowed = ", ".join(sorted(curie(a) for a in scope.actions)) or "nothing"
        return (
            f"agent {curie(agent)} may not run {curie(req.action)} (it may run {allowed}); "
            "register an agent for this action type"
        )
    where = ", ".join(sorted(curie(s) for s in services)) or "no known service"
    allowed = ", ".join(sorted(curie(s) for s in scope.services or ())) or "no service"
    return (
        f"agent {curie(agent)} may not act on {curie(req.target)} ({where}); its scope "
        f"covers {allowed}: add ops:scopeService for it, or use another agent"
    )


class RestartAgent(TwinAgent):
    """Restarts an instance (or every unhealthy instance of a service)."""

    IRI = RUN["agent/restart"]
    ACTIONS = frozenset({OPS.Restart})


class RollbackAgent(TwinAgent):
    """Rolls back a change (or the latest change to a service)."""

    IRI = RUN["agent/rollback"]
    ACTIONS = frozenset({OPS.Rollback})


class ScaleOutAgent(TwinAgent):
    """Adds an instance of a service; failover adds one on a host without a failed copy;
    scale-in stops one a scale-out started (its compensation)."""

    IRI = RUN["agent/scale"]
    ACTIONS = frozenset({OPS.ScaleOut, OPS.ScaleIn, OPS.Failover})


class ClearDiskAgent(TwinAgent):
    """Frees disk space on a host."""

    IRI = RUN["agent/disk"]
    ACTIONS = frozenset({OPS.ClearDisk})


class NotifyAgent(TwinAgent):
    """Pages a person or opens a ticket (records a notification)."""

    IRI = RUN["agent/notify"]
    ACTIONS = frozenset({OPS.Page, OPS.OpenTicket})
