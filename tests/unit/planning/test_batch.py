"""Micro-batches: queued events folded into one commit and one inference update."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import Literal

from engine.planning import PlanState, load_plans, pump, settle
from engine.store import Commit, GraphStore, triples
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


def test_a_batch_inferred_while_the_store_writes_makes_the_same_commits(
        tmp_path: Path, make_loop: MakeLoop) -> None:
    """``LoopConfig.overlap_min``: a large batch's update runs while the embedded store writes
    its asserted rows (``SqliteStore.commit_while``). Same commits, same rows, same events."""
    from engine.planning import LoopConfig
    from engine.store import SqliteStore

    runs = []
    for name, overlap in (("plain", 10**9), ("overlapped", 1)):
        store = SqliteStore(tmp_path / f"{name}.db", create=True)
        estate(store, CRASH_SEARCH)
        loop = make_loop(store, config=LoopConfig(overlap_min=overlap))
        overlapped: list[int] = []
        commit_while = store.commit_while

        def counted(*a: Any, _seen: list[int] = overlapped, _f: Any = commit_while,
                    **kw: Any) -> Commit:
            _seen.append(1)
            return _f(*a, **kw)  # type: ignore[no-any-return]

        store.commit_while = counted  # type: ignore[method-assign]
        inst = EX["search-2"]
        loop.offer(alert(inst, 40, "storm"), [], "storm")
        loop.offer([(inst, OPS.health, Literal("crashed"))], [(inst, OPS.health, Literal("healthy"))],
                   "crash")
        pump(loop, execute=False)
        loop.offer(alert(inst, 40, "more"), [], "more")
        pump(loop)
        assert bool(overlapped) == (name == "overlapped")
        log = [(c.seq, c.message, c.added, c.removed) for c in store.log()]  # ids: wall clock
        runs.append((log, set(store.quads()), [(e.kind, e.text) for e in loop.events]))
        store.close()
    assert runs[0][0] == runs[1][0]
    assert runs[0][1] == runs[1][1]
    assert runs[0][2] == runs[1][2]
    assert any(msg.startswith("events: ") and added > 100 for _, msg, added, _ in runs[0][0])
