"""Two goals on one entity get one plan and one page (docs/loop.md, "Dedup").

QA F3: an incident the estate already holds and the one the rules mint for the same service
are two goals on it. The first goal's plan was blocked by policy and the on-call paged; the
second goal joined only *active* plans, so it built an identical plan, which was blocked and
paged the same person again. QA F4: a goal that joined a plan was not closed with it, so once
the plan completed the joined goal got a plan of its own, gated and then withdrawn."""

from __future__ import annotations

import json

import pytest
from rdflib import URIRef

from engine.errors import PlanningError
from engine.planning import GoalKind, Loop, PlanState, approve, load_goals, load_plans, settle
from engine.planning._events import parse_events
from engine.planning._goals import make_goal
from engine.planning._intake import ingest
from engine.planning._rdf import goal_triples
from engine.store import CommitMeta, Delta, GraphStore, triples
from engine.terms import shorten
from engine.vocab import EX, OPS, PROV, GraphName
from tests.unit.planning.conftest import MakeLoop, estate

FREEZE = "INSERT DATA { ex:freeze-x ops:freezes ex:search }"
HELD = "INSERT DATA { ex:inc-held a ops:Incident ; ops:status 'open' ; ops:affects ex:search }"
"""An open incident the estate already holds, as ``ex:incident-checkout-errors`` is."""


def _feed(loop: Loop, *events: dict[str, object], execute: bool = True) -> None:
    ingest(loop, parse_events("".join(json.dumps(e) + "\n" for e in events)), execute=execute)


def _crash(inst: str, name: str) -> list[dict[str, object]]:
    return [{"alert": f"ex:{name}", "about": f"ex:{inst}", "severity": "critical"},
            {"about": f"ex:{inst}", "observe": {"ops:health": "crashed"}}]


def _fixed(inst: str, *resolved: str) -> list[dict[str, object]]:
    """What the person paged does: the instance healthy again, alerts (and incidents) resolved."""
    return [{"about": f"ex:{inst}", "observe": {"ops:health": "healthy"}},
            *({"about": f"ex:{a}", "observe": {"ops:status": "resolved"}} for a in resolved)]


def _pages(store: GraphStore) -> int:
    prov = GraphName.PROVENANCE
    return sum(1 for _ in triples(store, (None, OPS.executedAction, OPS.Page), graph=prov))


def _states(store: GraphStore) -> list[tuple[int, PlanState]]:
    return sorted((p.attempt, p.state) for p in load_plans(store))


def _statuses(store: GraphStore) -> list[str]:
    return sorted(g.status for g in load_goals(store))


def _add_goal(store: GraphStore, target: URIRef) -> URIRef:
    """``tier1 goal add TARGET``."""
    goal = make_goal(store, target, source="cli")
    store.commit(Delta.of(goal_triples(goal)), CommitMeta(author="test", message="goal add"))
    return goal.iri


def test_a_second_goal_on_a_blocked_entity_joins_the_blocked_plan(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """F3: two incidents on ex:search (one held, one minted), inside a freeze: one plan,
    blocked, one page; both goals are the person's."""
    estate(store, f"{FREEZE} ; {HELD}")
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    goals = load_goals(store)
    assert len(goals) == 2 and {g.entity for g in goals} == {EX.search}
    assert _states(store) == [(0, PlanState.BLOCKED)] and _pages(store) == 1
    assert _statuses(store) == ["failed", "failed"]
    joined = [e.text for e in loop.events if e.kind == "joined"]
    assert len(joined) == 1 and "blocked" in joined[0]
    head = store.head()
    settle(loop)  # the person has it: nothing more, however often the loop settles
    assert store.head() == head


def test_a_second_goal_on_an_entity_nobody_may_fix_joins_the_escalated_plan(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """F3 with ex:session-cache (no bot may restart it): one plan nobody performs, one page."""
    estate(store, "INSERT DATA { ex:inc-cache a ops:Incident ; ops:status 'open' ; "
           "ops:affects ex:session-cache }")
    _add_goal(store, EX["session-cache"])  # `tier1 goal add ex:session-cache`
    loop = make_loop(store)
    _feed(loop, *_crash("session-cache-1", "cache-down"))
    assert len(load_goals(store)) == 2
    assert _states(store) == [(0, PlanState.ESCALATED)] and _pages(store) == 1
    assert _statuses(store) == ["failed", "failed"]


def test_both_goals_are_handed_back_and_a_later_outage_is_one_plan_and_one_page(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store, f"{FREEZE} ; {HELD}")
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    _feed(loop, *_fixed("search-2", "down-1", "inc-held"))
    assert _statuses(store) == ["met", "met"]
    _feed(loop, *_crash("search-2", "down-2"))  # still inside the freeze
    plans = load_plans(store)
    assert [p.state for p in plans] == [PlanState.BLOCKED, PlanState.BLOCKED]
    assert len({p.iri for p in plans}) == 2 and _pages(store) == 2
    assert _statuses(store) == ["failed", "met"]  # the held incident stays resolved


def test_an_emergency_approval_runs_the_plan_for_both_goals(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Breaking glass re-opens the blocked plan for the goal that joined it too: the plan
    runs once, and both goals are met by it (neither is 'handed back', nobody fixed it)."""
    estate(store, FREEZE)
    _add_goal(store, EX.search)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    (plan,) = load_plans(store)
    store.commit(Delta.of([], [(EX["freeze-x"], OPS.freezes, EX.search)]),
                 CommitMeta(author="test", message="freeze lifted"))
    loop = make_loop(store, now=loop.now)
    done = approve(loop, plan.iri, EX.chen, emergency=True)
    assert done.iri == plan.iri and done.state is PlanState.COMPLETED
    assert _states(store) == [(0, PlanState.COMPLETED)] and _pages(store) == 1
    assert _statuses(store) == ["met", "met"]
    assert not [e for e in loop.events if e.kind == "resume"]
    assert not [e for e in loop.events if "the person paged dealt with it" in e.text]


def test_an_emergency_approval_that_lifts_no_block_is_refused_for_both_goals(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """The lite freeze lets nothing by, so the emergency approval lifts no block: refused,
    nothing written (no second page, both goals still the person's)."""
    estate(store, FREEZE)
    _add_goal(store, EX.search)
    loop = make_loop(store)
    _feed(loop, *_crash("search-2", "down-1"))
    (plan,) = load_plans(store)
    head = store.head()
    with pytest.raises(PlanningError, match="lifts none of the blocks"):
        approve(loop, plan.iri, EX.chen, emergency=True)
    assert store.head() == head
    assert _states(store) == [(0, PlanState.BLOCKED)] and _pages(store) == 1
    assert _statuses(store) == ["failed", "failed"]


def _withdrawals(store: GraphStore) -> int:
    kinds = triples(store, (None, PROV.invalidated, None), graph=GraphName.PROVENANCE)
    return sum(1 for _ in kinds)


def test_a_goal_that_joined_a_plan_is_met_with_it(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """F4: `goal add ex:checkout`, then a critical alert (the plan gated, not run), then the
    plan runs: both goals are met by it, and the incident goal gets no plan of its own."""
    estate(store)
    cli = _add_goal(store, EX.checkout)
    loop = make_loop(store)
    _feed(loop, *_crash("checkout-1", "checkout-down"), execute=False)
    (plan,) = load_plans(store)
    assert plan.goal == cli and plan.state is PlanState.APPROVED
    loop = make_loop(store, now=loop.now)  # the next `tier1 ingest`
    settle(loop)
    assert _states(store) == [(0, PlanState.COMPLETED)] and _withdrawals(store) == 0
    kinds = {g.kind: g.status for g in load_goals(store)}
    assert kinds == {GoalKind.WITHIN_SLO: "met", GoalKind.INCIDENT_RESOLVED: "met"}
    (inc,) = [g.iri for g in load_goals(store) if g.kind is GoalKind.INCIDENT_RESOLVED]
    met = [e.text for e in loop.events if e.kind == "goal_met" and ("goal", str(inc)) in e.data]
    assert len(met) == 1 and f"joined {shorten(plan.iri)}, which met it" in met[0]
    head = store.head()
    settle(loop)
    assert store.head() == head


def test_a_late_alert_of_the_plan_a_goal_joined_is_resolved_not_a_recurrence(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """After F4's plan met both goals, an alert that fired as the fix took effect arrives: it
    is a late alert of that fix for the incident goal that joined the plan too (resolved),
    not a recurrence that reopens the goal and rolls checkout back again."""
    estate(store)
    _add_goal(store, EX.checkout)
    loop = make_loop(store)
    _feed(loop, *_crash("checkout-1", "checkout-down"), execute=False)
    loop = make_loop(store, now=loop.now)
    settle(loop)
    late = {"alert": "ex:late-1", "about": "ex:checkout-1", "severity": "critical",
            "time": loop.now.isoformat()}
    _feed(loop, late)
    assert _states(store) == [(0, PlanState.COMPLETED)] and _statuses(store) == ["met", "met"]
    assert {str(o) for _, _, o in triples(store, (EX["late-1"], OPS.status, None))} == {"resolved"}
    assert [e for e in loop.events if "late alert(s) resolved" in e.text]


def test_a_plan_a_joined_goal_drives_closes_the_plan_s_own_goal(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """The same, the other way round: the incident's goal owns the plan and the goal asked
    for later joins it; whichever goal drives the plan to its end, both are met by it (the
    plan's own goal was closed only by the path that finishes an interrupted command's work,
    which said so: 'an interrupted command did not finish it')."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, *_crash("checkout-1", "checkout-down"), execute=False)
    (plan,) = load_plans(store)
    assert plan.state is PlanState.APPROVED
    cli = _add_goal(store, EX.checkout)
    loop = make_loop(store, now=loop.now)
    loop.goal_book = {cli: loop.goal_book[cli], **loop.goal_book}  # the joined goal first
    settle(loop)
    assert _states(store) == [(0, PlanState.COMPLETED)] and _withdrawals(store) == 0
    assert _statuses(store) == ["met", "met"]
    assert not [e for e in loop.events if e.kind == "resume"]


def test_a_goal_whose_problem_is_gone_gets_no_plan(store: GraphStore, make_loop: MakeLoop) -> None:
    """An incident goal still listed open while its incident is over (a plan it joined met it
    earlier in the same round) is not planned for: ex:checkout's runbook would have made a
    rollback plan, gated and then withdrawn."""
    estate(store, "INSERT DATA { ex:inc-over a ops:Incident ; ops:status 'resolved' ; "
           "ops:affects ex:checkout }")
    loop = make_loop(store)
    goal = make_goal(store, EX["inc-over"], source="rule")
    assert goal.entity == EX.checkout
    loop.goal_book[goal.iri] = goal
    assert loop.plan_for_goal(goal) is None and load_plans(store) == []


def test_a_recurrence_on_a_goal_that_joined_the_plan_pages(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 12 B5: the incident goal joined the within-SLO goal's plan, which fixed
    checkout-1; an alert well after the fix, with nothing proposed, is a recurrence: the
    on-call is paged, as for a goal with a plan of its own (it only waited, nobody told)."""
    estate(store)
    _add_goal(store, EX.checkout)
    loop = make_loop(store)
    _feed(loop, *_crash("checkout-1", "checkout-down"))
    assert _states(store) == [(0, PlanState.COMPLETED)] and _pages(store) == 0
    loop.advance(900)
    _feed(loop, {"alert": "ex:checkout-again", "about": "ex:checkout-1", "severity": "critical"})
    assert _pages(store) == 1


def test_a_goal_joining_an_active_plan_is_said_once(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 12 B6: the 'joins plan' line came again on every settle round while the plan
    stayed active."""
    estate(store)
    _add_goal(store, EX.checkout)
    loop = make_loop(store)
    _feed(loop, *_crash("checkout-1", "checkout-down"), execute=False)
    settle(loop, execute=False)
    settle(loop, execute=False)
    joins = [e for e in loop.events if e.kind == "joined"]
    assert len(joins) == 1, [e.text for e in joins]
