"""The closed loop over the lite seams: dedup, goals, gate verdicts, re-planning, escalation."""

from __future__ import annotations

from rdflib import Literal

from engine.agents import FaultSpec
from engine.planning import LoopConfig, PlanState, load_plans, settle
from engine.store import triples
from engine.vocab import EX, OPS, GraphName
from tests.unit.planning.conftest import MakeLoop, alert, estate

CRASH_SEARCH = 'DELETE { ex:search-2 ops:health ?h } INSERT { ex:search-2 ops:health "crashed" } ' \
    "WHERE { ex:search-2 ops:health ?h }"


def test_five_hundred_duplicate_alerts_make_one_plan(store, make_loop: MakeLoop) -> None:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    loop.ingest(alert(EX["search-2"], 500, "storm"), [], "storm")
    settle(loop)
    plans = load_plans(store)
    assert len(plans) == 1
    assert plans[0].state is PlanState.COMPLETED
    assert plans[0].triggers == 500
    assert [s.action for s in plans[0].steps] == [OPS.Restart]
    resolved = set(triples(store, (None, OPS.status, Literal("resolved"))))
    assert sum(1 for s, _, _ in resolved if "alert-storm" in str(s)) == 500


def test_a_second_trigger_joins_the_first_plan(store, make_loop: MakeLoop) -> None:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store, faults=[FaultSpec(kind="fail", action=OPS.Restart, times=None)],
                     config=LoopConfig(max_retries=0, max_replans=0))
    loop.ingest(alert(EX["search-2"], 1, "first"), [], "first")
    loop.goals()
    first = loop.plan_for_goal(loop.goals()[0])
    loop.ingest(alert(EX["search-2"], 1, "second"), [], "second")
    goals = loop.goals()
    assert {loop.plan_for_goal(g).iri for g in goals} == {first.iri}  # type: ignore[union-attr]


def test_restart_heals_after_the_twin_delay(store, make_loop: MakeLoop) -> None:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    loop.ingest(alert(EX["search-2"]), [], "alert")
    settle(loop)
    assert (EX["search-2"], OPS.health, Literal("healthy")) in set(triples(store))
    kinds = [e.kind for e in loop.events]
    for k in ("events", "goal", "plan", "policy", "action", "effect", "goal_met"):
        assert k in kinds, k
    assert kinds.index("plan") < kinds.index("policy") < kinds.index("action") < kinds.index("goal_met")


def test_replanning_is_bounded_then_escalates(store, make_loop: MakeLoop) -> None:
    estate(store, CRASH_SEARCH)
    cfg = LoopConfig(max_retries=2, max_replans=2, backoff_s=10)
    loop = make_loop(store, faults=[FaultSpec(kind="fail", action=OPS.Restart, times=None)],
                     config=cfg)
    loop.ingest(alert(EX["search-2"]), [], "alert")
    settle(loop)
    actions = [e for e in loop.events if e.kind == "action"]
    assert len(actions) == cfg.max_retries + 1  # one step tried 1 + max_retries times
    retries = [e for e in loop.events if e.kind == "retry"]
    assert [e.at for e in retries] == sorted(e.at for e in retries)
    assert (retries[1].at - retries[0].at).total_seconds() >= 2 * cfg.backoff_s
    escalations = [e for e in loop.events if e.kind == "escalate"]
    assert len(escalations) == 1
    assert dict(escalations[0].data)["paged"] == str(EX.emma)  # discovery on call in November
    assert {p.state for p in load_plans(store)} == {PlanState.ESCALATED}


def test_a_database_goes_to_its_own_runbook_when_automation_may_not_restart_it(
        store, make_loop: MakeLoop) -> None:
    estate(store, 'DELETE { ex:orders-db-1 ops:health ?h } INSERT { ex:orders-db-1 ops:health '
                  '"crashed" } WHERE { ex:orders-db-1 ops:health ?h }')
    loop = make_loop(store)
    loop.ingest(alert(EX["orders-db-1"]), [], "alert")
    settle(loop)
    (plan,) = load_plans(store)
    assert [s.action for s in plan.steps] == [OPS.Failover]  # no bot may restart a database
    assert plan.steps[0].runbook == EX["rb-orders-db-failover"]
    assert plan.steps[0].agent == EX["agent-dba"]
    assert plan.state is PlanState.AWAITING_APPROVAL


def test_replan_falls_back_to_the_entitys_runbook(store, make_loop: MakeLoop) -> None:
    estate(store, 'DELETE { ex:checkout-2 ops:health ?h } INSERT { ex:checkout-2 ops:health '
                  '"crashed" } WHERE { ex:checkout-2 ops:health ?h }')
    loop = make_loop(store, faults=[FaultSpec(kind="fail", action=OPS.Restart, times=None)],
                     config=LoopConfig(max_retries=1))
    loop.ingest(alert(EX["checkout-2"]), [], "alert")
    settle(loop)
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [p.state for p in plans] == [PlanState.SUPERSEDED, PlanState.COMPLETED]
    assert [s.action for s in plans[0].steps] == [OPS.Restart]
    assert [s.action for s in plans[1].steps] == [OPS.Rollback]
    assert plans[1].steps[0].runbook == EX["rb-checkout-rollback"]
    assert (EX["checkout-2"], OPS.health, Literal("healthy")) in set(triples(store))


def test_a_violation_blocks_records_and_pages_the_owner(store, make_loop: MakeLoop) -> None:
    estate(store, 'DELETE { ex:payments-2 ops:health ?h } INSERT { ex:payments-2 ops:health '
                  '"crashed" } WHERE { ex:payments-2 ops:health ?h }')
    loop = make_loop(store)
    loop.ingest(alert(EX["payments-2"]), [], "alert")
    settle(loop)
    (plan,) = load_plans(store)
    assert plan.state is PlanState.BLOCKED
    assert "freeze" in plan.reason
    assert not [e for e in loop.events if e.kind == "action" and "Restart" in e.text]
    pages = [e for e in loop.events if e.kind == "escalate"]
    assert dict(pages[0].data)["paged"] == str(EX.sofia)
    notes = set(triples(store, (None, OPS.channel, Literal("page"))))
    assert notes, "the page reached the world through the pager agent"
    paged = set(store.quads((None, OPS.executedAction, OPS.Page), graphs=(GraphName.PROVENANCE,)))
    assert paged, "the page is a recorded step execution"


def test_a_recurring_incident_reopens_its_goal_with_a_new_plan(store, make_loop: MakeLoop) -> None:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    loop.ingest(alert(EX["search-2"], 1, "first"), [], "first")
    settle(loop)
    crash = [(EX["search-2"], OPS.health, Literal("crashed"))]
    loop.advance(600)
    loop.ingest(alert(EX["search-2"], 1, "again") + crash,
                [(EX["search-2"], OPS.health, Literal("healthy"))], "again")
    settle(loop)
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [(p.attempt, p.state) for p in plans] == [(0, PlanState.COMPLETED),
                                                      (1, PlanState.COMPLETED)]
    assert any(e.kind == "goal" and "reopened" in e.text for e in loop.events)


def test_a_met_incident_goal_keeps_its_entity_for_a_later_process(store, make_loop: MakeLoop) -> None:
    """Once its alerts are resolved, the incident (inferred) no longer ``ops:affects`` its
    service. A later process read the goal's entity from there and got the incident itself,
    so the goal covered nothing: a proposal still standing about the service's instances
    opened a second goal and plan that the first process had not."""
    from engine.planning import GoalKind, load_goals

    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    loop.ingest(alert(EX["search-2"]), [], "alert")
    settle(loop)
    [goal] = [g for g in load_goals(store) if g.kind is GoalKind.INCIDENT_RESOLVED]
    assert goal.status == "met"
    assert not list(triples(store, (goal.target, OPS.affects, None)))
    assert goal.entity == EX.search
