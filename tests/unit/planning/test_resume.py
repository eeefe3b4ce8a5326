"""A plan interrupted while running (a crash, a ConflictError) is resumed, through the gate.

Every run the loop starts ends in the same call, so a plan found ``running`` in the store was
stopped midway. It used to stay ``running`` for good, holding its locks. Now the next loop
re-checks it against policy and runs it again from its first step, without acting twice.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rdflib import Literal

from engine.agents import FaultSpec
from engine.planning import (
    GoalKind,
    Loop,
    LoopConfig,
    Plan,
    PlanState,
    load_goals,
    load_plans,
    reject,
    settle,
)
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


def test_an_action_record_lands_with_its_effects_or_not_at_all(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Killed as the restart's record and effects were to be committed: neither landed (QA5
    #6: the record used to be committed alone first, so a resume saw a success whose effects
    the world never got). The resumed step acts once, under its first key."""
    _, plan = _resumed(store, make_loop, "action:", acted=0)
    assert plan.state is PlanState.COMPLETED
    assert _restarts(store) == 1
    assert _keys(store) == ["try0"]
    assert (EX["search-2"], OPS.health, Literal("healthy")) in set(triples(store))


def test_a_resumed_step_goes_on_from_the_next_attempt(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA5 #5: attempt 0 failed and was recorded, then the command died. The resumed step
    used to start again at ``#try0``, so one key got two outcomes."""
    estate(store, CRASH_SEARCH)
    faults = [FaultSpec(kind="fail", action=OPS.Restart, times=1)]
    loop = make_loop(store, faults=faults)
    _dies_after(loop, "action:")
    loop.ingest(alert(EX["search-2"]), [], "alert")
    with pytest.raises(Killed):
        settle(loop)
    assert _keys(store) == ["try0"]
    settle(make_loop(store))
    assert _keys(store) == ["try0", "try1"] and _restarts(store) == 1
    assert [p.state for p in load_plans(store)] == [PlanState.COMPLETED]


def _keys(store: GraphStore) -> list[str]:
    keys = triples(store, (None, OPS.idempotencyKey, None), graph=GraphName.PROVENANCE)
    return sorted(str(k).rpartition("#")[2] for _, _, k in keys if "#try" in str(k))


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


def _dies_after(loop: Loop, message: str) -> None:
    """Make the loop die right after its first commit whose message starts with ``message``."""
    real = loop.commit

    def once(*args: Any, **kwargs: Any) -> Any:
        done = real(*args, **kwargs)
        if str(args[1]).startswith(message):
            loop.commit = real  # type: ignore[method-assign]
            raise Killed(message)
        return done

    loop.commit = once  # type: ignore[method-assign]


def _killed_after(store: GraphStore, make_loop: MakeLoop, message: str, sparql: str = CRASH_SEARCH,
                  **kw: Any) -> None:
    estate(store, sparql)
    loop = make_loop(store, **kw)
    _dies_after(loop, message)
    loop.ingest(alert(EX["search-2"]), [], "alert")
    with pytest.raises(Killed):
        settle(loop)


def _goal_status(store: GraphStore) -> str:
    [goal] = [g for g in load_goals(store) if g.kind is GoalKind.INCIDENT_RESOLVED]
    return goal.status


def _pages(store: GraphStore) -> int:
    prov = GraphName.PROVENANCE
    return sum(1 for _ in triples(store, (None, OPS.executedAction, OPS.Page), graph=prov))


def test_a_goal_left_open_after_its_plan_completed_is_closed_not_planned_again(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA5 #2: killed between "plan completed" and "goal met", a resume re-planned and acted
    a second time (checkout rolled back two versions)."""
    _killed_after(store, make_loop, "plan completed")
    assert _goal_status(store) == "open"
    loop = make_loop(store)
    settle(loop)
    assert _goal_status(store) == "met"
    assert [(p.attempt, p.state) for p in load_plans(store)] == [(0, PlanState.COMPLETED)]
    assert _restarts(store) == 1
    assert "resume" in [e.kind for e in loop.events]


def test_a_block_whose_page_never_went_out_pages_on_resume(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA5 #3: killed between the blocked verdict and the escalation, nobody was paged."""
    freeze = CRASH_SEARCH + " ; INSERT DATA { ex:freeze-x ops:freezes ex:search }"
    _killed_after(store, make_loop, "policy: blocked", freeze)
    assert _pages(store) == 0 and _goal_status(store) == "open"
    settle(make_loop(store))
    assert _pages(store) == 1 and _goal_status(store) == "failed"
    assert [p.state for p in load_plans(store)] == [PlanState.BLOCKED]


def test_an_interrupted_replan_goes_on_to_the_next_attempt(
        store: GraphStore, make_loop: MakeLoop) -> None:
    cfg = LoopConfig(max_retries=0, max_replans=1)
    faults = [FaultSpec(kind="fail", action=OPS.Restart, times=None)]
    scale = CRASH_SEARCH + " ; INSERT DATA { ex:rb-search-scale a ops:Runbook ; " \
        "ops:appliesTo ex:search ; ops:forActionType ops:ScaleOut }"  # the second attempt
    _killed_after(store, make_loop, "plan superseded", scale, config=cfg, faults=faults)
    assert [p.state for p in load_plans(store)] == [PlanState.SUPERSEDED]
    settle(make_loop(store, config=cfg, faults=faults))
    states = {p.attempt: p.state for p in load_plans(store)}
    assert states[0] is PlanState.SUPERSEDED and 1 in states
    assert not str(load_plans(store)[0].reason).startswith("superseded by urn:tier1:run:plan/"
                                                          "d5ab16e9938af902-1: superseded by")


def test_a_plan_that_acted_on_nothing_does_not_resolve_firing_alerts(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """QA5 #1: every step skipped (its precondition gone) while the alert still fires: the
    loop used to meet the goal and resolve the alert itself. It now pages a human."""
    _interrupted(store, make_loop, "execute")
    store.commit(Delta.of([(EX["search-2"], OPS.health, Literal("healthy"))],
                          [(EX["search-2"], OPS.health, Literal("crashed"))]),
                 CommitMeta(author="test", message="search-2 looks healthy"))
    loop = make_loop(store)
    settle(loop)
    assert _restarts(store) == 0
    assert _goal_status(store) == "failed" and _pages(store) == 1
    firing = set(triples(store, (EX["alert-a-0"], OPS.status, None)))
    assert firing == {(EX["alert-a-0"], OPS.status, Literal("firing"))}


def test_a_person_can_reject_a_plan_left_running(store: GraphStore, make_loop: MakeLoop) -> None:
    """QA5 #9: someone fixed it by hand; the on-call stops the interrupted plan."""
    _interrupted(store, make_loop, "execute")
    [plan] = load_plans(store)
    loop = make_loop(store)
    done = reject(loop, plan.iri, EX.chen, "fixed by hand")
    assert done.state is PlanState.REJECTED and loop.locks.held_by(plan.iri) == frozenset()
    settle(make_loop(store))
    assert [p.state for p in load_plans(store)] == [PlanState.REJECTED]
    assert _restarts(store) == 0


def _run_by(store: GraphStore, runner: str) -> None:
    """The running plan now names ``runner`` as the process running it."""
    [plan] = load_plans(store)
    old = set(triples(store, (plan.iri, OPS.runBy, None)))
    store.commit(Delta.of([(plan.iri, OPS.runBy, Literal(runner))], old),
                 CommitMeta(author="test", message="runner"))


@pytest.fixture
def live_pid() -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_plan_a_live_command_is_running_is_left_to_it(
        store: GraphStore, make_loop: MakeLoop, live_pid: int) -> None:
    """QA5 #7: resume took over a plan another command was running, and both agents acted."""
    _interrupted(store, make_loop, "execute")
    _run_by(store, f"{socket.gethostname()}/{live_pid}")
    loop = make_loop(store)
    settle(loop)
    assert [p.state for p in load_plans(store)] == [PlanState.RUNNING]
    assert _restarts(store) == 0
    assert any(e.kind == "lock" and "--take-over" in e.text for e in loop.events)
    settle(make_loop(store, config=LoopConfig(take_over=True)))  # a person's call
    assert [p.state for p in load_plans(store)] == [PlanState.COMPLETED]


def test_a_plan_run_on_another_host_is_left_alone(store: GraphStore, make_loop: MakeLoop) -> None:
    _interrupted(store, make_loop, "execute")
    _run_by(store, "some-other-host.example/4242")
    settle(make_loop(store))
    assert [p.state for p in load_plans(store)] == [PlanState.RUNNING]


def test_a_plan_whose_runner_died_is_carried_on(store: GraphStore, make_loop: MakeLoop) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # its pid is gone now
    _interrupted(store, make_loop, "execute")
    [plan] = load_plans(store)
    assert plan.runner.endswith(f"/{os.getpid()}")  # the runner was recorded
    _run_by(store, f"{socket.gethostname()}/{proc.pid}")
    settle(make_loop(store))
    assert [p.state for p in load_plans(store)] == [PlanState.COMPLETED]
    assert not list(triples(store, (plan.iri, OPS.runBy, None)))  # kept only while running
