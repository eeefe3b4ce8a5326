"""Locks: a plan locks what it mutates plus the immediate neighbourhood."""

from __future__ import annotations

from rdflib import URIRef

from engine.planning import (
    LockTable,
    LoopConfig,
    Plan,
    PlanState,
    PlanStep,
    build_plan,
    goal_triples,
    make_goal,
    neighbourhood,
    reject,
    settle,
)
from engine.planning._builder import Alternative
from engine.planning._model import plan_iri
from engine.store import Delta
from engine.vocab import EX, OPS, RUN
from tests.unit.planning.conftest import MakeLoop, alert, estate


def _plan(key: str, *targets: URIRef) -> Plan:
    steps = tuple(PlanStep(iri=RUN[f"step/{key}-{i}"], order=i, action=OPS.Restart, target=t)
                  for i, t in enumerate(targets, 1))
    return Plan(iri=plan_iri(key), key=key, goal=RUN[f"goal/{key}"], entity=targets[0], steps=steps)


def test_neighbourhood_follows_structure_both_ways(store) -> None:
    estate(store)
    n = neighbourhood(store, [EX["host-05"]])
    assert {EX["host-05"], EX["orders-db-1"], EX["auth-1"], EX["inventory-1"]} <= n
    assert EX["orders-db"] not in n  # two edges away
    assert {EX["orders-db-1"], EX["orders-db"], EX["host-05"]} <= neighbourhood(store, [EX["orders-db-1"]])


def test_mutating_what_another_plan_locks_conflicts(store) -> None:
    estate(store)
    table = LockTable()
    disk = _plan("disk", EX["host-05"])
    db = _plan("db", EX["orders-db-1"])
    assert table.acquire(disk, neighbourhood(store, disk.mutated())) is None
    clash = table.acquire(db, neighbourhood(store, db.mutated()))
    assert clash is not None and clash.holder == disk.iri
    assert EX["orders-db-1"] in clash.entities
    assert "locked by plan" in clash.reason()
    assert table.holders() == [disk.iri]  # the loser took nothing
    table.release(disk.iri)
    assert table.acquire(db, neighbourhood(store, db.mutated())) is None


def test_sharing_a_neighbour_is_not_a_conflict(store) -> None:
    estate(store)
    table = LockTable()
    a, b = _plan("a", EX["checkout-1"]), _plan("b", EX["checkout-3"])  # same service
    assert table.acquire(a, neighbourhood(store, a.mutated())) is None
    assert table.acquire(b, neighbourhood(store, b.mutated())) is None


def test_a_conflicting_plan_waits_then_runs_when_the_lock_frees(store, make_loop: MakeLoop) -> None:
    """A parked disk clean-up on host-05 locks the host's instances; a restart of auth-1
    (on host-05) waits for it, and runs once the clean-up is rejected."""
    estate(store, 'DELETE { ex:auth-1 ops:health ?h } INSERT { ex:auth-1 ops:health "crashed" } '
                  "WHERE { ex:auth-1 ops:health ?h }")
    loop = make_loop(store)
    goal = make_goal(store, EX["host-05"])
    loop.commit(Delta.of(goal_triples(goal)), "goal")
    held = build_plan(store, goal, [Alternative(id="x", action=OPS.ClearDisk, target=EX["host-05"])])
    assert held is not None
    held = loop.save(None, held.with_state(PlanState.AWAITING_APPROVAL, "needs approval"), "plan")
    loop.locks.acquire(held, neighbourhood(store, held.mutated()))

    loop.ingest(alert(EX["auth-1"], 1, "auth"), [], "auth-1 down")
    settle(loop)
    states = {p.steps[0].action: p.state for p in loop.plans.values()}
    assert states == {OPS.ClearDisk: PlanState.AWAITING_APPROVAL, OPS.Restart: PlanState.WAITING}
    waiting = next(p for p in loop.plans.values() if p.state is PlanState.WAITING)
    assert str(held.iri) in waiting.reason and str(EX["auth-1"]) in waiting.reason

    reject(loop, held.iri, EX.aisha, "not now")
    settle(loop)
    states = {p.steps[0].action: p.state for p in loop.plans.values()}
    assert states == {OPS.ClearDisk: PlanState.REJECTED, OPS.Restart: PlanState.COMPLETED}


def test_a_plan_that_waits_too_long_is_refused(store, make_loop: MakeLoop) -> None:
    estate(store, 'DELETE { ex:auth-1 ops:health ?h } INSERT { ex:auth-1 ops:health "crashed" } '
                  "WHERE { ex:auth-1 ops:health ?h }")
    loop = make_loop(store, config=LoopConfig(max_lock_wait_s=600))
    goal = make_goal(store, EX["host-05"])
    loop.commit(Delta.of(goal_triples(goal)), "goal")
    held = build_plan(store, goal, [Alternative(id="x", action=OPS.ClearDisk, target=EX["host-05"])])
    assert held is not None
    held = loop.save(None, held.with_state(PlanState.AWAITING_APPROVAL, "needs approval"), "plan")
    loop.locks.acquire(held, neighbourhood(store, held.mutated()))
    loop.ingest(alert(EX["auth-1"], 1, "auth"), [], "auth-1 down")
    settle(loop)
    loop.advance(601)
    settle(loop)
    refused = [p for p in loop.plans.values() if p.state is PlanState.REFUSED]
    assert len(refused) == 1 and "locked by plan" in refused[0].reason
    # a person has it now: the on-call is paged and the goal is theirs (it stayed open with
    # the refused plan as its answer for good, nobody told)
    goal_of = loop.goal_of(refused[0])
    assert goal_of is not None and goal_of.status == "failed"
    pages = [e for e in loop.events if e.kind == "escalate" and str(refused[0].iri) in e.text]
    assert len(pages) == 1 and refused[0].state is PlanState.REFUSED
