"""Running an approved plan step by step, observing each effect.

A step whose preconditions no longer hold is skipped (someone already fixed
it). Otherwise the agent acts; its immediate effects are committed, the sim
clock moves on by ``settle_s``, matured effects are committed, and the world is
re-checked: the step's expected triples must hold and inference must no longer
propose the same (action, target). A missing effect is retried with doubling
backoff up to ``max_retries`` times; then the plan stops and the driver
re-plans or escalates.
"""

from __future__ import annotations

from rdflib import URIRef

from engine.planning._gone import unanswered
from engine.planning._history import acted, attempts
from engine.planning._loop import Loop
from engine.planning._model import Goal, Plan, PlanState, PlanStep
from engine.planning._ports import StepResult
from engine.planning._process import this_process
from engine.store import Delta
from engine.terms import shorten
from engine.vocab import GraphName

__all__ = ["compensate", "effect_observed", "preconditions_hold", "run_plan"]


def _name(step: PlanStep) -> str:
    return f"{shorten(step.action)} on {shorten(step.target)}"


def preconditions_hold(loop: Loop, step: PlanStep, scope: frozenset[URIRef] = frozenset()
                       ) -> bool:
    """The step's precondition triples hold and, if a rule proposed it, the rule still does;
    a runbook step (no rule proposed it) stands for proposed fixes and runs while a rule
    still proposes one of them (``stands_for``), or any fix on the goal's ``scope`` (QA pass
    8 F2: once the database was healthy again, approving its parked failover still failed
    over, because its alert had not been resolved yet; QA pass 9 N2: another instance crashed
    meanwhile). One an older tier1 parked names none (QA pass 9 N5): the scope decides."""
    if not all(any(True for _ in loop.store.quads(t)) for t in step.preconditions):
        return False
    if step.rule_id:
        return any((p.action, p.target) == step.signature()
                   for p in loop.ports.inference.proposals())
    return any(p.target in step.stands_for or p.target in scope
               for p in loop.ports.inference.proposals())


def effect_observed(loop: Loop, step: PlanStep) -> bool:
    """The expected triples hold in the asserted graph, and the problem is no longer proposed."""
    if not all(any(True for _ in loop.store.quads(t, graphs=(GraphName.ASSERTED,)))
               for t in step.expects):
        return False
    return all((p.action, p.target) != step.signature()
               for p in loop.ports.inference.proposals())


def run_plan(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """Execute ``plan``; it comes back COMPLETED, or RUNNING with the failure as reason (the
    driver re-plans): a failed step, or every step skipped while a rule still proposes an
    action in the goal's scope (another instance crashed meanwhile: QA pass 8 F1; before, the
    plan completed, the goal was met and that instance stayed crashed)."""
    plan = loop.refresh_steps(plan)
    running = plan.with_state(PlanState.RUNNING).model_copy(update={"runner": this_process()})
    plan = loop.save(plan, running, f"plan running: {shorten(plan.iri)}")
    scope = loop.scope(goal)
    for step in plan.steps:
        if not preconditions_hold(loop, step, scope):
            loop.emit("action", f"skip {_name(step)}: its precondition no longer holds", plan,
                      step=str(step.iri), status="skipped")
            continue
        if not run_step(loop, plan, step):
            failed = loop.failed.get(plan.goal, frozenset()) | {step.signature()}
            loop.failed[plan.goal] = failed  # the plan's own goal: replan reads it (a joined
            # goal driving the run recorded it under its own, and the re-plan repeated the step)
            reason = f"{_name(step)} did not take effect after {loop.config.max_retries} retries"
            compensate(loop, plan, step)
            return loop.save(plan, plan.with_state(PlanState.RUNNING, reason), "step failed")
    done = acted(loop.store, plan)
    if not done and unanswered(loop, goal, plan):
        reason = ("every step was skipped (its target is fine now), but a rule proposes "
                  "another action on the goal's scope: the problem moved")
        return loop.save(plan, plan.with_state(PlanState.RUNNING, reason), "steps skipped")
    reason = "every step took effect" if done else "every step was skipped: nothing left to fix"
    return loop.save(plan, plan.with_state(PlanState.COMPLETED, reason),
                     f"plan completed: {shorten(plan.iri)}")


def run_step(loop: Loop, plan: Plan, step: PlanStep) -> bool:
    """Act, observe, retry with backoff; True once the effect is observed.

    A step with attempts on record (a resumed plan) goes on from the next attempt number,
    so no idempotency key is used twice; if one of them succeeded, the effect is looked at
    before anything acts again."""
    cfg = loop.config
    first, succeeded = attempts(loop.store, step.iri)
    if succeeded and effect_observed(loop, step):
        loop.emit("effect", f"{_name(step)} took effect (acted before it was interrupted)",
                  plan, step=str(step.iri), action=str(step.action))
        return True
    for n in range(cfg.max_retries + 1):
        attempt = first + n
        if n:
            wait = cfg.backoff_s * 2 ** (n - 1)
            loop.advance(wait)
            loop.emit("retry", f"retry {n}/{cfg.max_retries} of {_name(step)} "
                      f"after {wait:.0f}s backoff", plan, step=str(step.iri))
        result = loop.ports.actuator.execute(plan, step, attempt, loop.now)
        loop.advance_to(result.ended)  # the attempt took that long: a retry starts after it
        _record(loop, plan, step, result)
        if result.status == "skipped":  # acted before under this key: look, don't act
            if effect_observed(loop, step):
                return True
            continue  # the next attempt has its own key
        if result.status == "refused":  # out of scope or breaker open: retrying cannot help
            return False
        if not result.ok:
            continue
        loop.advance(cfg.settle_s)
        matured = loop.ports.actuator.settle(loop.now)
        loop.commit(matured, f"observed: {_name(step)}")
        if effect_observed(loop, step):
            loop.emit("effect", f"{_name(step)} took effect", plan, step=str(step.iri),
                      action=str(step.action))
            return True
        loop.emit("effect", f"{_name(step)}: effect not observed", plan, step=str(step.iri),
                  status="missing")
    return False


def compensate(loop: Loop, plan: Plan, failed: PlanStep) -> None:
    """``failed`` gave up: undo the earlier steps of this run that succeeded and declare a
    compensation (their runbook's ``ops:compensatedBy``), last first. Each compensation is an
    agent action like any step (in scope, recorded, pointing at the execution it undoes);
    its immediate effects are committed with its event."""
    for result in loop.ports.actuator.compensate(plan, failed, loop.now):
        loop.advance_to(result.ended)
        _commit_result(loop, plan, result, "compensate", "compensation",
                       f"{_name(failed)} failed, so an earlier step is undone")


def _record(loop: Loop, plan: Plan, step: PlanStep, result: StepResult) -> None:
    _commit_result(loop, plan, result, "action", f"action: {_name(step)}", _name(step),
                   step=str(step.iri), action=str(step.action), target=str(step.target))


def _commit_result(loop: Loop, plan: Plan, result: StepResult, kind: str, message: str,
                   what: str, **data: str) -> None:
    """Report an agent's ``result`` as a ``kind`` event (``what`` by the agent: status) and
    commit its effects with its record, in one commit."""
    agent = str(result.agent or "")
    ev = loop.emit(kind, f"{what} by {agent or 'no agent'}: {result.status}"
                   + (f" ({result.detail})" if result.detail else ""), plan,
                   status=result.status, agent=agent, **data)
    loop.commit(result.effects if result.effects else Delta(), message, event=ev,
                extra=result.provenance)
