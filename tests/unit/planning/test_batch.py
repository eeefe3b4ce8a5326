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


def test_triggers_kept_in_memory_match_the_store(store: GraphStore, make_loop: MakeLoop) -> None:
    """The loop's trigger index (built on first use, folded forward per commit) answers
    what reading the store answers, through arrivals, a resolution and a goal met."""
    from engine.planning._goals import triggers_of

    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    inst = EX["search-2"]
    loop.offer(alert(inst, 3, "early"), [], "early alerts")
    pump(loop, execute=False)
    goals = list(loop.goal_book.values())
    assert [len(loop.triggers(g)) for g in goals] == [3]
    assert loop.triggers(goals[0]) == triggers_of(store, loop.scope(goals[0]))
    gone = EX["alert-early-0"]
    loop.offer(alert(inst, 2, "late"), [(gone, OPS.status, Literal("firing"))], "late, one resolved")
    loop.offer([(gone, OPS.status, Literal("resolved"))], [], "resolved")
    pump(loop)
    for g in loop.goal_book.values():
        assert loop.triggers(g) == triggers_of(store, loop.scope(g))
    assert loop.goal_book[goals[0].iri].status == "met"  # closing it resolved its triggers
    assert loop.triggers(goals[0]) == []


def test_triggers_are_answered_from_memory_after_start_up(store: GraphStore,
                                                          make_loop: MakeLoop) -> None:
    """The trigger index is read when the loop starts: a storm's first plan does not read
    back the alerts the storm just committed, and still finds them all."""
    from engine.planning._goals import triggers_of

    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    inst = EX["search-2"]
    loop.offer(alert(inst, 4, "storm"), [], "storm")
    loop.drain()
    reads: list[object] = []
    quads = store.quads

    def counted(pattern: object = (None, None, None), **kw: object) -> object:
        reads.append(pattern)
        return quads(pattern, **kw)  # type: ignore[arg-type]

    goals = loop.goals()
    store.quads = counted  # type: ignore[method-assign]
    found = [loop.triggers(g) for g in goals]
    store.quads = quads  # type: ignore[method-assign]
    alerts_read = [p for p in reads if isinstance(p, tuple) and p[1] in (OPS.about, OPS.status)]
    assert [len(f) for f in found] == [4]
    assert found[0] == triggers_of(store, loop.scope(goals[0]))
    assert alerts_read == []
