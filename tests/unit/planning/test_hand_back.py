"""QA pass 9 N3: a goal the loop gave up on (it paged the on-call owner: blocked by policy,
nobody may fix it, re-plans ran out) stays with the person paged while its problem is seen, and
is handed back (met) once it is not. Before, it stayed ``failed`` for good: a later outage of
the same service got no plan and nobody was paged."""

from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef

from engine.agents import FaultSpec
from engine.errors import PlanningError
from engine.planning import (
    GoalKind,
    Loop,
    LoopConfig,
    PlanState,
    approve,
    load_goals,
    load_plans,
    settle,
)
from engine.planning._drive import escalate
from engine.planning._events import parse_events
from engine.planning._goals import make_goal
from engine.planning._intake import ingest
from engine.planning._rdf import goal_triples
from engine.store import CommitMeta, Delta, GraphStore, triples
from engine.vocab import EX, OPS, GraphName
from tests.unit.planning.conftest import MakeLoop, estate

FREEZE = "INSERT DATA { ex:freeze-x ops:freezes ex:search }"


def _feed(loop: Loop, *events: dict[str, object]) -> None:
    ingest(loop, parse_events("".join(json.dumps(e) + "\n" for e in events)))


def _crash(inst: str, name: str = "") -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    if name:
        out.append({"alert": f"ex:{name}", "about": f"ex:{inst}", "severity": "critical"})
    return [*out, {"about": f"ex:{inst}", "observe": {"ops:health": "crashed"}}]


def _fixed(inst: str, *alerts: str) -> list[dict[str, object]]:
    """What the person paged does: the instance is healthy again, the alerts resolved."""
    return [{"about": f"ex:{inst}", "observe": {"ops:health": "healthy"}},
            *({"about": f"ex:{a}", "observe": {"ops:status": "resolved"}} for a in alerts)]


def _pages(store: GraphStore) -> int:
    prov = GraphName.PROVENANCE
    return sum(1 for _ in triples(store, (None, OPS.executedAction, OPS.Page), graph=prov))


def _status(store: GraphStore, alert: str) -> set[str]:
    return {str(o) for _, _, o in triples(store, (EX[alert], OPS.status, None))}


def _health(store: GraphStore, inst: str) -> set[str]:
    return {str(o) for _, _, o in triples(store, (EX[inst], OPS.health, None))}


def _states(store: GraphStore) -> list[tuple[int, PlanState]]:
    return sorted((p.attempt, p.state) for p in load_plans(store))


def _goals(store: GraphStore) -> list[tuple[str, str]]:
    return sorted((g.kind.value, g.status) for g in load_goals(store))


def test_a_blocked_goal_stays_with_the_person_paged_while_its_alert_fires(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Blocked by the freeze, paged: while the crash's alert fires the loop neither plans
    again nor resolves the alert, however often it settles (a new crash included: the
    person is paged about it once, since their plan did not name search-1)."""
    estate(store, FREEZE)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    assert _states(store) == [(0, PlanState.BLOCKED)] and _pages(store) == 1
    _feed(loop, *_crash("search-1"))  # more of the same problem: the person has it
    assert _pages(store) == 2
    told = [e.text for e in loop.events if e.kind == "escalate"][-1]
    assert "ex:search-1 needs ops:Restart too" in told and "until you hand it back" in told
    _feed(loop, {"about": "ex:search-2", "observe": {"ops:health": "healthy"}})
    settle(loop)
    settle(make_loop(store, now=loop.now))  # a later command: told once, not again
    assert _states(store) == [(0, PlanState.BLOCKED)] and _pages(store) == 2
    assert _status(store, "down-1") == {"firing"}
    assert ("incident_resolved", "failed") in _goals(store)


def test_a_blocked_goal_is_handed_back_and_a_later_crash_pages_again(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store, FREEZE)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    (blocked,) = load_plans(store)
    _feed(loop, *_fixed("search-2", "down-1"))
    assert _goals(store) == [("incident_resolved", "met")]
    back = [e.text for e in loop.events if "the person paged dealt with it" in e.text]
    assert len(back) == 1 and "stays blocked" in back[0]
    head = store.head()
    settle(loop)
    assert store.head() == head  # handed back once
    _feed(loop, *_crash("search-2", "down-2"))  # later, still inside the freeze
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [(p.attempt, p.state) for p in plans] == [(0, PlanState.BLOCKED),
                                                     (1, PlanState.BLOCKED)]
    assert plans[0].iri == blocked.iri != plans[1].iri
    assert _pages(store) == 2 and _goals(store) == [("incident_resolved", "failed")]
    assert _status(store, "down-2") == {"firing"}


def test_a_crash_after_the_freeze_is_fixed_by_the_next_plan(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store, FREEZE)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    _feed(loop, *_fixed("search-2", "down-1"))
    store.commit(Delta.of([], [(EX["freeze-x"], OPS.freezes, EX.search)]),
                 CommitMeta(author="test", message="freeze over"))
    loop = make_loop(store, now=loop.now)  # a later process
    _feed(loop, *_crash("search-2", "down-2"))
    assert _states(store) == [(0, PlanState.BLOCKED), (1, PlanState.COMPLETED)]
    assert _health(store, "search-2") == {"healthy"}
    assert _status(store, "down-2") == {"resolved"} and _pages(store) == 1
    assert _goals(store) == [("incident_resolved", "met")]


def test_a_crash_nobody_may_fix_pages_again_after_the_person_fixed_the_first(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 9 N1's goal (no bot may restart ex:session-cache): the person paged restarts
    it by hand; the next crash is a new plan nobody performs, and a second page."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, *_crash("session-cache-1"))
    _feed(loop, *_crash("session-cache-1"))  # still crashed: nothing new
    assert _states(store) == [(0, PlanState.ESCALATED)] and _pages(store) == 1
    _feed(loop, *_fixed("session-cache-1"))
    assert _goals(store) == [("within_slo", "met")]
    _feed(loop, *_crash("session-cache-2"))
    assert _states(store) == [(0, PlanState.ESCALATED), (1, PlanState.ESCALATED)]
    assert _pages(store) == 2 and _goals(store) == [("within_slo", "failed")]
    assert load_plans(store)[0].iri != load_plans(store)[1].iri


def test_a_goal_failed_by_max_replans_gets_a_new_run_of_plans(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Re-plans ran out (the restart failed, then the scale-out): the person fixes search-2.
    Its next crash is a new run with the full budget: when the restart fails again, the
    loop re-plans (the scale-out works now) instead of escalating at once because earlier
    runs used the budget up."""
    estate(store, "INSERT DATA { ex:rb-search-scale a ops:Runbook ; ops:appliesTo ex:search ; "
           "ops:forActionType ops:ScaleOut }")
    cfg = LoopConfig(max_retries=0, max_replans=1)
    faults = [FaultSpec(kind="fail", action=OPS.Restart, times=2),
              FaultSpec(kind="fail", action=OPS.ScaleOut, times=1)]
    loop = make_loop(store, config=cfg, faults=faults)
    _feed(loop, *_crash("search-2", "down-1"))
    assert _states(store) == [(0, PlanState.SUPERSEDED), (1, PlanState.ESCALATED)]
    assert _pages(store) == 1
    _feed(loop, *_fixed("search-2", "down-1"))
    _feed(loop, *_crash("search-2", "down-2"))
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [(p.attempt, p.state) for p in plans[2:]] == [(2, PlanState.SUPERSEDED),
                                                         (3, PlanState.COMPLETED)]
    assert [[s.action for s in p.steps] for p in plans[2:]] == [[OPS.Restart], [OPS.ScaleOut]]
    assert plans[1].reason.startswith("2 plan(s) tried") and _pages(store) == 1
    assert _status(store, "down-2") == {"resolved"}


def _goal_iri(store: GraphStore) -> URIRef:
    [goal] = [g for g in load_goals(store) if g.kind is GoalKind.INCIDENT_RESOLVED]
    return goal.iri


def test_the_handed_back_status_is_stored(store: GraphStore, make_loop: MakeLoop) -> None:
    """``tier1 goal list`` in a later process reads it from the store."""
    estate(store, FREEZE)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    goal = _goal_iri(store)
    assert (goal, OPS.status, Literal("failed")) in set(triples(store, (goal, OPS.status, None)))
    _feed(loop, *_fixed("search-2", "down-1"))
    assert set(triples(store, (goal, OPS.status, None))) == {(goal, OPS.status, Literal("met"))}


def test_a_skipped_failover_escalated_to_confirm_is_handed_back_once_confirmed(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 8 F2: the database healed while its alert fired, the approved failover was
    skipped and the on-call asked to confirm the problem is gone. They resolve the alert:
    the goal is theirs no longer, and the next crash is parked for approval again."""
    estate(store, "DELETE { ex:orders-db ops:maxInstances ?m } INSERT { ex:orders-db "
           "ops:maxInstances 3 } WHERE { ex:orders-db ops:maxInstances ?m }")
    loop = make_loop(store)
    db_down = {"alert": "ex:db-down", "about": "ex:orders-db-1", "severity": "critical"}
    _feed(loop, db_down, {"about": "ex:orders-db-1", "observe": {"ops:health": "crashed"}},
          {"about": "ex:orders-db-1", "observe": {"ops:health": "healthy"}})
    (plan,) = load_plans(store)
    done = approve(loop, plan.iri, EX.chen)
    assert done.state is PlanState.ESCALATED and "confirm the problem is gone" in done.reason
    _feed(loop, {"about": "ex:db-down", "observe": {"ops:status": "resolved"}})
    assert [g.status for g in load_goals(store)] == ["met"]
    _feed(loop, *_crash("orders-db-1", "db-down-2"))
    assert _states(store) == [(0, PlanState.ESCALATED), (1, PlanState.AWAITING_APPROVAL)]
    assert [g.status for g in load_goals(store)] == ["open"]


def test_an_emergency_approval_of_the_earlier_blocked_plan_is_refused(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """After the hand-back a later crash was planned for anew (and blocked again): breaking
    glass on the first blocked plan would leave it proposed behind the new one. It is refused,
    naming the plan to approve; the new one is judged."""
    estate(store, FREEZE)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    _feed(loop, *_fixed("search-2", "down-1"))
    _feed(loop, *_crash("search-2", "down-2"))
    first, second = sorted(load_plans(store), key=lambda p: p.attempt)
    with pytest.raises(PlanningError, match=r"earlier attempt.*approve that one"):
        approve(loop, first.iri, EX.chen, emergency=True)
    assert _states(store) == [(0, PlanState.BLOCKED), (1, PlanState.BLOCKED)]
    with pytest.raises(PlanningError, match="lifts none of the blocks"):  # judged: the lite
        approve(loop, second.iri, EX.chen, emergency=True)  # freeze lets nothing by


def test_an_emergency_approval_after_the_hand_back_is_refused(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 11 #6: the person paged fixed it and the goal was handed back; breaking glass on
    the blocked plan then turned it into ``withdrawn`` (with the approval on record), where it
    stays ``blocked``: there is nothing to approve, and nothing is written."""
    estate(store, FREEZE)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    _feed(loop, *_fixed("search-2", "down-1"))
    (plan,) = load_plans(store)
    head = store.head()
    with pytest.raises(PlanningError, match=r"handed back since.*nothing to approve"):
        approve(loop, plan.iri, EX.chen, emergency=True)
    assert store.head() == head
    assert _states(store) == [(0, PlanState.BLOCKED)]


def test_escalating_a_joined_plan_fails_its_own_goal_too(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """A goal that joined another goal's plan (same entity) escalates it: the plan's own goal
    is the person's too. Left open with its plan escalated, it would look handed back, and
    the next settle would plan for it behind the person's back."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, *_crash("orders-db-1", "db-down"))  # the failover is parked for approval
    (plan,) = load_plans(store)
    assert plan.state is PlanState.AWAITING_APPROVAL
    joined = make_goal(store, EX["orders-db"], source="cli")  # `tier1 goal add ex:orders-db`
    store.commit(Delta.of(goal_triples(joined)), CommitMeta(author="test", message="goal"))
    loop = make_loop(store, now=loop.now)
    escalate(loop, loop.goal_book[joined.iri], plan, "paged about the joined goal")
    settle(loop)
    assert _states(store) == [(0, PlanState.ESCALATED)]
    assert {g.iri: g.status for g in load_goals(store)} == {plan.goal: "failed",
                                                           joined.iri: "failed"}
