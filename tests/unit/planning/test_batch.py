"""Micro-batches: queued events folded into one commit and one inference update."""

from __future__ import annotations

from rdflib import Literal

from engine.planning import PlanState, load_plans, pump, settle
from engine.store import GraphStore, triples
from engine.vocab import EX, OPS
from tests.unit.planning.conftest import MakeLoop, alert, estate

CRASH_SEARCH = 'DELETE { ex:search-2 ops:health ?h } INSERT { ex:search-2 ops:health "crashed" } ' \
    "WHERE { ex:search-2 ops:health ?h }"


def test_queued_alerts_are_one_commit_and_one_plan(store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    before = len(store.log())
    for i in range(50):
        loop.offer(alert(EX["search-2"], 1, f"q{i}"), [], f"alert {i}")
    loop.drain()
    assert not loop.queue
    assert len(store.log()) == before + 1
    settle(loop)
    plans = load_plans(store)
    assert len(plans) == 1
    assert plans[0].state is PlanState.COMPLETED
    assert plans[0].triggers == 50


def test_a_batch_is_bounded_and_keeps_arrival_order(store: GraphStore,
                                                    make_loop: MakeLoop) -> None:
    estate(store)
    loop = make_loop(store)
    inst = EX["search-2"]
    loop.offer([(inst, OPS.health, Literal("crashed"))], [(inst, OPS.health, Literal("healthy"))],
               "crash")
    loop.offer([(inst, OPS.health, Literal("healthy"))], [(inst, OPS.health, Literal("crashed"))],
               "back")
    loop.offer(alert(inst, 1, "late"), [], "late alert")
    loop.drain(limit=2)
    assert len(loop.queue) == 1
    assert set(triples(store, (inst, OPS.health, None))) == {(inst, OPS.health, Literal("healthy"))}
    assert pump(loop, execute=False) == 1
