"""QA pass 8 F1: the problem moves to another instance of the service before the plan runs.
Its only step is skipped (that instance is fine now), yet another crash in the goal's scope is
proposed: the loop must plan again for it, not call the goal met and leave it crashed."""

from __future__ import annotations

import json

from rdflib import Literal

from engine.planning import Loop, PlanState, load_goals, load_plans, settle
from engine.planning._events import parse_events
from engine.planning._intake import ingest
from engine.store import GraphStore, triples
from engine.vocab import EX, OPS
from tests.unit.planning.conftest import MakeLoop, estate


def _feed(loop: Loop, about: str, health: str) -> None:
    text = json.dumps({"about": about, "observe": {"ops:health": health}}) + "\n"
    ingest(loop, parse_events(text), execute=False)


def _health(store: GraphStore, inst: str) -> set[str]:
    return {str(o) for _, _, o in triples(store, (EX[inst], OPS.health, None))}


def test_a_problem_that_moved_to_another_instance_is_planned_for_again(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    _feed(loop, "ex:search-2", "crashed")
    (plan,) = load_plans(store)
    assert plan.state is PlanState.APPROVED  # left approved: --plan-only
    _feed(loop, "ex:search-1", "crashed")  # joins the goal for ex:search
    _feed(loop, "ex:search-2", "healthy")
    settle(loop)  # `tier1 resume`
    assert _health(store, "search-1") == {"healthy"}
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [p.state for p in plans] == [PlanState.SUPERSEDED, PlanState.COMPLETED]
    assert "skipped" in plans[0].reason
    assert plans[1].steps[0].target == EX["search-1"]
    assert [g.status for g in load_goals(store)] == ["met"]
    head = store.head()
    settle(loop)  # nothing left to do: no churn of reopening and closing the goal
    assert store.head() == head


def test_a_crash_after_a_completed_plan_is_planned_for_once_and_settles(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """A within-SLO goal met by a plan that acted; later another instance crashes with no
    alert: the goal reopens, a second attempt restarts it, and a further settle writes
    nothing (the met goal is not reopened and closed again and again)."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, "ex:search-2", "crashed")
    settle(loop)
    assert _health(store, "search-2") == {"healthy"}
    _feed(loop, "ex:search-1", "crashed")
    settle(loop)
    assert _health(store, "search-1") == {"healthy"}
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [(p.attempt, p.state) for p in plans] == [(0, PlanState.COMPLETED),
                                                      (1, PlanState.COMPLETED)]
    assert Literal("met") in {Literal(g.status) for g in load_goals(store)}
    head = store.head()
    settle(loop)
    assert store.head() == head


def test_a_crash_joining_a_plan_that_fixes_another_instance_is_planned_for_next(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """search-1 crashes while the plan for search-2 waits: the plan restarts search-2 (it
    acted), and search-1, still crashed, gets the next attempt instead of the goal being
    met, reopened and met again on every settle."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, "ex:search-2", "crashed")
    _feed(loop, "ex:search-1", "crashed")
    settle(loop)
    assert _health(store, "search-2") == _health(store, "search-1") == {"healthy"}
    assert [g.status for g in load_goals(store)] == ["met"]
    head = store.head()
    settle(loop)
    assert store.head() == head


def test_a_crash_nobody_in_scope_may_fix_pages_the_on_call_once(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 9 N1: no bot's scope covers ex:session-cache. Its crash was a goal left open
    for good, with no plan and nobody told. It is now an escalated plan (nobody performs it):
    the on-call owner is paged once, and the goal is theirs."""
    estate(store)
    loop = make_loop(store)
    ingest(loop, parse_events(json.dumps(
        {"about": "ex:session-cache-1", "observe": {"ops:health": "crashed"}}) + "\n"))
    (plan,) = load_plans(store)
    assert plan.state is PlanState.ESCALATED and "no agent or person in scope" in plan.reason
    assert plan.steps[0].target == EX["session-cache-1"] and plan.steps[0].agent is None
    assert [g.status for g in load_goals(store)] == ["failed"]
    assert _health(store, "session-cache-1") == {"crashed"}
    head = store.head()
    settle(loop)
    assert store.head() == head  # once
