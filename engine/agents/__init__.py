"""Agents: the action registry, scopes, the digital twin, and the executor.

An approved plan step becomes an :class:`ActionRequest`; the :class:`Executor`
picks the registered agent, checks its scope and circuit breaker, runs it once
per idempotency key with a timeout, records a provenance record, and returns an
:class:`Outcome` whose observed effects the loop commits. The default world is
the :class:`DigitalTwin`, a simulation built from the world model.
"""

from engine.agents._base import (
    Agent,
    ClearDiskAgent,
    Effect,
    NotifyAgent,
    RestartAgent,
    RollbackAgent,
    ScaleOutAgent,
    TwinAgent,
    World,
)
from engine.agents._breaker import BreakerConfig, BreakerState, CircuitBreaker
from engine.agents._effects import Scheduled
from engine.agents._executor import UNASSIGNED, Executor, PlanRun
from engine.agents._model import (
    ActionRequest,
    AgentScope,
    Clock,
    Outcome,
    OutcomeStatus,
    SimClock,
    SystemClock,
)
from engine.agents._registry import BUILTIN_AGENTS, ENTRY_POINT_GROUP, AgentRegistry, store_scope
from engine.agents._twin import DigitalTwin, FaultSpec, TwinConfig

__all__ = [
    "BUILTIN_AGENTS",
    "ENTRY_POINT_GROUP",
    "UNASSIGNED",
    "ActionRequest",
    "Agent",
    "AgentRegistry",
    "AgentScope",
    "BreakerConfig",
    "BreakerState",
    "CircuitBreaker",
    "ClearDiskAgent",
    "Clock",
    "DigitalTwin",
    "Effect",
    "Executor",
    "FaultSpec",
    "NotifyAgent",
    "Outcome",
    "OutcomeStatus",
    "PlanRun",
    "RestartAgent",
    "RollbackAgent",
    "ScaleOutAgent",
    "Scheduled",
    "SimClock",
    "SystemClock",
    "TwinAgent",
    "TwinConfig",
    "World",
    "store_scope",
]
