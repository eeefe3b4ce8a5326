"""N7: a flap (crashed, then healthy again before anything ran) must not leave a plan parked
for a problem that is gone; approving one then runs nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from rdflib import RDF, Literal, URIRef

from engine.planning import Loop, PlanState, approve, load_goals, load_plans, settle
from engine.planning._events import parse_events
from engine.planning._history import acted
from engine.planning._intake import ingest
from engine.provenance import verify_chain
from engine.store import CommitMeta, Delta, GraphStore, SqliteStore, triples
from engine.vocab import EX, OPS, PROV, GraphName
from tests.unit.planning.conftest import MakeLoop, estate

DB = EX["orders-db-1"]


def _feed(loop: Loop, *events: dict[str, object]) -> None:
    text = "".join(json.dumps(e) + "\n" for e in events)
    ingest(loop, parse_events(text), execute=False)


def _health(about: str, value: str) -> dict[str, object]:
    return {"about": about, "observe": {"ops:health": value}}


def _heal_behind_the_loop(store: GraphStore, inst: URIRef = DB) -> None:
    """The instance is healthy again in a commit no loop settled after (a store parked by an
    earlier version, or a world changed by hand)."""
    store.commit(Delta.of([(inst, OPS.health, Literal("healthy"))],
                          [(inst, OPS.health, Literal("crashed"))]),
                 CommitMeta(author="test", message="healed"))


def _head(store: GraphStore) -> datetime:
    head = store.head()
    assert head is not None
    return head.timestamp


def _prov(store: GraphStore, kind: URIRef) -> list[URIRef]:
    return [URIRef(s) for s, _, _ in triples(store, (None, RDF.type, kind),
                                             graph=GraphName.PROVENANCE)]


def _parked(store: GraphStore, make_loop: MakeLoop) -> URIRef:
    """orders-db-1 crashed: no bot may restart a database, so the failover is parked."""
    _feed(make_loop(store), _health("ex:orders-db-1", "crashed"))
    (plan,) = load_plans(store)
    assert plan.state is PlanState.AWAITING_APPROVAL and plan.steps[0].action == OPS.Failover
    return plan.iri


def test_a_flap_withdraws_the_parked_plan_and_meets_its_goal(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    _feed(loop, _health("ex:orders-db-1", "crashed"), _health("ex:orders-db-1", "healthy"))
    (plan,) = load_plans(store)
    assert plan.state is PlanState.WITHDRAWN
    assert "healthy again" in plan.reason
    (goal,) = load_goals(store)
    assert (goal.kind.value, goal.status) == ("within_slo", "met")
    (record,) = _prov(store, OPS.PlanWithdrawal)
    assert (record, PROV.invalidated, plan.iri) in set(
        triples(store, (record, None, None), graph=GraphName.PROVENANCE))
    assert not _prov(store, OPS.StepExecution)
    assert not loop.locks.held_by(plan.iri)
    assert verify_chain(store).ok


def test_approving_a_plan_whose_goal_is_met_records_it_and_runs_nothing(
        tmp_path: Path, make_loop: MakeLoop) -> None:
    store = SqliteStore(tmp_path / "w.db", create=True)
    estate(store)
    plan = _parked(store, make_loop)
    _heal_behind_the_loop(store)
    loop = make_loop(store, now=_head(store))  # a later process
    done = approve(loop, plan, EX.chen)
    assert done.state is PlanState.WITHDRAWN and done.approver == EX.chen
    assert (plan, OPS.approvedBy, EX.chen) in set(triples(store))
    assert _prov(store, OPS.Approval) and _prov(store, OPS.PlanWithdrawal)
    assert not _prov(store, OPS.StepExecution)
    assert [g.status for g in load_goals(store)] == ["met"]
    instances = {s for s, _, _ in triples(store, (None, OPS.instanceOf, EX["orders-db"]))}
    assert len(instances) == 2  # no failover started a new one
    store.close()


def test_approving_a_withdrawn_plan_writes_nothing(store: GraphStore,
                                                   make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    _feed(loop, _health("ex:orders-db-1", "crashed"), _health("ex:orders-db-1", "healthy"))
    (plan,) = load_plans(store)
    commits = len(store.log())
    done = approve(loop, plan.iri, EX.chen)
    assert done.state is PlanState.WITHDRAWN and done.approver is None
    assert len(store.log()) == commits


def test_a_plan_left_approved_is_withdrawn_not_run_once_healed(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """A restart policy allowed but a plan-only command did not run: the instance healed
    before the next executing loop (resume), which runs nothing."""
    estate(store)
    _feed(make_loop(store), _health("ex:search-2", "crashed"))
    (plan,) = load_plans(store)
    assert plan.state is PlanState.APPROVED
    _heal_behind_the_loop(store, EX["search-2"])
    loop = make_loop(store, now=_head(store))
    settle(loop)
    (plan,) = load_plans(store)
    assert plan.state is PlanState.WITHDRAWN
    assert not _prov(store, OPS.StepExecution)


def test_a_crash_after_a_flap_reopens_the_goal_and_plans_again(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    _feed(loop, _health("ex:orders-db-1", "crashed"), _health("ex:orders-db-1", "healthy"))
    _feed(loop, _health("ex:orders-db-1", "crashed"))
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [p.state for p in plans] == [PlanState.WITHDRAWN, PlanState.AWAITING_APPROVAL]
    assert [g.status for g in load_goals(store)] == ["open"]


def test_a_firing_alert_keeps_the_plan_parked(store: GraphStore, make_loop: MakeLoop) -> None:
    """Healthy again while its critical alert still fires: the incident is not gone, so the
    plan stays parked; once the alert is resolved the plan is withdrawn and the incident goal
    met."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, {"alert": "ex:db-down", "about": "ex:orders-db-1", "severity": "critical"},
          _health("ex:orders-db-1", "crashed"), _health("ex:orders-db-1", "healthy"))
    (plan,) = load_plans(store)
    assert plan.state is PlanState.AWAITING_APPROVAL
    _feed(loop, {"about": "ex:db-down", "observe": {"ops:status": "resolved"}})
    (plan,) = load_plans(store)
    assert plan.state is PlanState.WITHDRAWN and "incident" in plan.reason
    assert [(g.kind.value, g.status) for g in load_goals(store)] == [("incident_resolved", "met")]


def test_an_alert_after_a_withdrawal_reopens_the_incident_goal(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Nothing of a withdrawn plan fixed anything, so an alert soon after is not a late alert
    of a fix (resolved quietly) but the problem back: the goal reopens and is planned for."""
    estate(store)
    loop = make_loop(store)
    _feed(loop, {"alert": "ex:db-down", "about": "ex:orders-db-1", "severity": "critical"},
          _health("ex:orders-db-1", "crashed"), _health("ex:orders-db-1", "healthy"),
          {"about": "ex:db-down", "observe": {"ops:status": "resolved"}})
    _feed(loop, {"alert": "ex:db-down", "about": "ex:orders-db-1", "severity": "critical"},
          _health("ex:orders-db-1", "crashed"))
    assert [g.status for g in load_goals(store)] == ["open"]
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [p.state for p in plans] == [PlanState.WITHDRAWN, PlanState.AWAITING_APPROVAL]


DB_ROOM = ("DELETE { ex:orders-db ops:maxInstances ?m } INSERT { ex:orders-db "
           "ops:maxInstances 3 } WHERE { ex:orders-db ops:maxInstances ?m }")
DB_ALERT: dict[str, object] = {"alert": "ex:db-down", "about": "ex:orders-db-1",
                               "severity": "critical"}


def _instances(store: GraphStore) -> int:
    return len({s for s, _, _ in triples(store, (None, OPS.instanceOf, EX["orders-db"]))})


def test_a_failover_parked_while_its_alert_fires_does_not_run_once_the_db_is_healthy(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 8 F2: the crash came with a critical alert, and the database is healthy again
    before the alert is resolved: the goal is not met (the alert fires), so the failover stays
    parked; approving it must not fail over a healthy database. The runbook's step stands for
    the restart no bot may do, and no rule proposes a fix any more: it is skipped, and since
    the alert still fires the on-call is asked to confirm the problem is gone (the loop does
    not resolve alerts it did not answer: QA5 #1)."""
    estate(store, DB_ROOM)
    loop = make_loop(store)
    _feed(loop, DB_ALERT, _health("ex:orders-db-1", "crashed"), _health("ex:orders-db-1", "healthy"))
    (plan,) = load_plans(store)
    assert plan.state is PlanState.AWAITING_APPROVAL
    assert plan.steps[0].action == OPS.Failover and plan.steps[0].stands_for == (DB,)
    done = approve(loop, plan.iri, EX.chen)
    assert not acted(store, done)  # the skip is on record; no agent acted
    assert _instances(store) == 2
    assert done.state is PlanState.ESCALATED and "confirm the problem is gone" in done.reason


def test_a_skipped_failover_still_runs_for_another_crashed_db_instance(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 9 N2: orders-db-2 crashes after the failover was parked, then orders-db-1
    heals: the failover stands for the database's crashed instances, so it runs."""
    estate(store, DB_ROOM)
    loop = make_loop(store)
    _feed(loop, DB_ALERT, _health("ex:orders-db-1", "crashed"))
    _feed(loop, _health("ex:orders-db-2", "crashed"))
    _feed(loop, _health("ex:orders-db-1", "healthy"))
    (plan,) = [p for p in load_plans(store) if p.state is PlanState.AWAITING_APPROVAL]
    approve(loop, plan.iri, EX.chen)
    assert acted(store, plan)
    assert _instances(store) == 3  # the failover started an instance


def test_a_failover_an_older_tier1_parked_without_stands_for_does_not_run_once_healthy(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA pass 9 N5: a runbook step parked by a tier1 from before ``ops:standsFor`` names no
    fix it stands for; it ran whatever the world. It now runs only while a fix is proposed on
    its goal's scope: the database healthy again, it is skipped like a new one."""
    estate(store, DB_ROOM)
    _feed(make_loop(store), DB_ALERT, _health("ex:orders-db-1", "crashed"))
    old = [(s, p, o) for s, p, o in triples(store, (None, OPS.standsFor, None))]
    assert old  # then taken out, as an older tier1 stored it
    store.commit(Delta.of([], old), CommitMeta(author="test", message="older tier1"))
    loop = make_loop(store, now=_head(store))  # a later process reads the plan back
    (plan,) = load_plans(store)
    assert plan.state is PlanState.AWAITING_APPROVAL and plan.steps[0].stands_for == ()
    _feed(loop, _health("ex:orders-db-1", "healthy"))
    done = approve(loop, plan.iri, EX.chen)
    assert not acted(store, done) and _instances(store) == 2
    assert done.state is PlanState.ESCALATED and "confirm the problem is gone" in done.reason


def test_a_runbook_step_of_a_re_plan_stands_for_the_fix_that_failed(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """The restart of checkout-1 failed, so the re-plan takes checkout's rollback runbook:
    its step stands for that restart (it was recorded as standing for nothing, the failed
    restart being left out of the proposals, and so ran whatever the world)."""
    from engine.agents import FaultSpec
    from engine.planning import LoopConfig

    estate(store)
    loop = make_loop(store, faults=[FaultSpec(kind="fail", action=OPS.Restart)],
                     config=LoopConfig(max_retries=0))
    _feed(loop, {"alert": "ex:co-down", "about": "ex:checkout-1", "severity": "critical"},
          _health("ex:checkout-1", "crashed"))
    settle(loop)
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [s.action for p in plans for s in p.steps][:2] == [OPS.Restart, OPS.Rollback], plans
    assert plans[1].steps[0].stands_for == (EX["checkout-1"],)
