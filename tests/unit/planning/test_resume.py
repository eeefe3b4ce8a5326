"""A plan interrupted while running (a crash, a ConflictError) is resumed, through the gate.

Every run the loop starts ends in the same call, so a plan found ``running`` in the store was
stopped midway. It used to stay ``running`` for good, holding its locks. Now the next loop
re-checks it against policy and runs it again from its first step, without acting twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rdflib import Literal

from engine.planning import Loop, Plan, PlanState, load_plans, settle
from engine.store import CommitMeta, Delta, GraphStore, triples
from engine.vocab import EX, OPS, GraphName
from tests.unit.planning.conftest import MakeLoop, alert, estate

CRASH_SEARCH = 'DELETE { ex:search-2 ops:health ?h } INSERT { ex:search-2 ops:health "crashed" } ' \
    "WHERE { ex:search-2 ops:health ?h }"


class Killed(Exception):
    """Stands for the process dying at that point."""


def _dies_at(loop: Loop, port: str) -> None:
    """Make the loop die on its actuator's first call of ``port`` or, for ``"action:"``, on
    its first commit of an action's record."""
    owner: Any = loop if port == "action:" else loop.ports.actuator
    name = "commit" if port == "action:" else port
    real: Callable[..., Any] = getattr(owner, name)

    def once(*args: Any, **kwargs: Any) -> Any:
        if name == "commit" and not str(args[1]).startswith(port):
            return real(*args, **kwargs)
        setattr(owner, name, real)
        raise Killed(port)

    setattr(owner, name, once)


def _interrupted(store: GraphStore, make_loop: MakeLoop, port: str) -> None:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store)
    _dies_at(loop, port)
    loop.ingest(alert(EX["search-2"]), [], "alert")
    with pytest.raises(Killed):
        settle(loop)
    [plan] = load_plans(store)
    assert plan.state is PlanState.RUNNING


def _resumed(store: GraphStore, make_loop: MakeLoop, port: str, acted: int
             ) -> tuple[Loop, Plan]:
    """Interrupted at ``port`` after ``acted`` restarts, then a new loop over the same store
    settles; that loop and the one plan as it ends."""
    _interrupted(store, make_loop, port)
    assert _restarts(store) == acted
    loop = make_loop(store)
    settle(loop)
    [plan] = load_plans(store)
    return loop, plan


def _restarts(store: GraphStore, status: str = "succeeded") -> int:
    prov = GraphName.PROVENANCE
    acts = {a for a, _, _ in triples(store, (None, OPS.executedAction, OPS.Restart), graph=prov)}
    return sum(1 for a in acts
               if any(True for _ in triples(store, (a, OPS.status, Literal(status)), graph=prov)))


def test_a_plan_killed_before_its_step_acted_resumes_through_the_gate(
        store: GraphStore, make_loop: MakeLoop) -> None:
    loop, plan = _resumed(store, make_loop, "execute", acted=0)
    assert plan.state is PlanState.COMPLETED
    assert plan.iri in loop.ports.gate.checked  # type: ignore[attr-defined]
    kinds = [e.kind for e in loop.events]
    assert kinds.index("resume") < kinds.index("policy") < kinds.index("action")
    assert _restarts(store) == 1
    assert (EX["search-2"], OPS.health, Literal("healthy")) in set(triples(store))


def test_a_step_killed_after_acting_is_not_acted_again(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Killed after the restart began (health ``unknown`` committed), before its effect was
    checked: the resumed run finds the step's precondition (``crashed``) gone and skips it."""
    loop, plan = _resumed(store, make_loop, "settle", acted=1)
    assert plan.state is PlanState.COMPLETED
    assert _restarts(store) == 1
    assert any(e.kind == "action" and "skip" in e.text for e in loop.events)


def test_a_step_recorded_as_succeeded_is_observed_before_acting_again(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Killed between the executor's record of a successful restart and the commit of its
    effects: the world still says ``crashed``. The resumed run finds the success under the
    step's key and looks at the world instead of acting; the effect is missing, so it acts
    once more, under the next attempt's key."""
    _, plan = _resumed(store, make_loop, "action:", acted=1)
    assert plan.state is PlanState.COMPLETED
    assert _restarts(store, "skipped_duplicate") == 1
    assert _restarts(store) == 2
    assert (EX["search-2"], OPS.health, Literal("healthy")) in set(triples(store))


def test_a_resumed_plan_that_policy_now_forbids_is_blocked_not_run(
        store: GraphStore, make_loop: MakeLoop) -> None:
    _interrupted(store, make_loop, "execute")
    store.commit(Delta.of([(EX["freeze-x"], OPS.freezes, EX.search)]),
                 CommitMeta(author="test", message="a freeze began"))
    loop = make_loop(store)
    settle(loop)
    [plan] = load_plans(store)
    assert plan.state is PlanState.BLOCKED
    assert _restarts(store) == 0
    assert "escalate" in [e.kind for e in loop.events]


def test_a_plan_only_loop_leaves_an_interrupted_plan_for_an_executing_one(
        store: GraphStore, make_loop: MakeLoop) -> None:
    _interrupted(store, make_loop, "execute")
    loop = make_loop(store)
    settle(loop, execute=False)
    assert [p.state for p in load_plans(store)] == [PlanState.RUNNING]
    assert "resume" not in [e.kind for e in loop.events]
