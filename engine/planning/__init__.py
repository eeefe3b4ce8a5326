"""Planning: goals, plans, dedup, locks, approvals, re-planning and the closed loop.

Goals are data (``ops:Goal``); plans are typed ordered steps built from the rule
engine's proposals; the :class:`Loop` drives them through the policy gate, the
agents and the digital twin, re-observing the world after every step.
"""

from engine.planning._approval import approve, find_plan, reject
from engine.planning._builder import EFFECTS, ProposalLike, build_plan, goal_scope, plan_key
from engine.planning._drive import pump, settle
from engine.planning._goals import discover_goals, make_goal
from engine.planning._locks import LockConflict, LockTable, neighbourhood
from engine.planning._loop import Loop, LoopConfig, Ports
from engine.planning._model import TERMINAL, Goal, GoalKind, Plan, PlanState, PlanStep
from engine.planning._ports import (
    Actuator,
    Decision,
    Gate,
    Inference,
    LoopEvent,
    Observation,
    Recorder,
    StepResult,
    Verdict,
)
from engine.planning._rdf import goal_triples, load_goals, load_plan, load_plans, settled_steps

__all__ = [
    "EFFECTS",
    "TERMINAL",
    "Actuator",
    "Decision",
    "Gate",
    "Goal",
    "GoalKind",
    "Inference",
    "LockConflict",
    "LockTable",
    "Loop",
    "LoopConfig",
    "LoopEvent",
    "Observation",
    "Plan",
    "PlanState",
    "PlanStep",
    "Ports",
    "ProposalLike",
    "Recorder",
    "StepResult",
    "Verdict",
    "approve",
    "build_plan",
    "discover_goals",
    "find_plan",
    "goal_scope",
    "goal_triples",
    "load_goals",
    "load_plan",
    "load_plans",
    "make_goal",
    "neighbourhood",
    "plan_key",
    "pump",
    "reject",
    "settle",
    "settled_steps",
]
