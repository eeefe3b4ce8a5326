"""Driving plans through their states: lock, gate, approve, execute, re-plan, escalate.

Each function takes the :class:`~engine.planning._loop.Loop` and one plan and
returns the plan's next value (already saved). :func:`settle` repeats until no
plan can move, with a hard bound on rounds so the loop never spins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from rdflib import URIRef

from engine._gc import paused_gc
from engine.planning._builder import ProposalLike, build_plan, relevant, unassigned_plan
from engine.planning._dedup import close_joined, last_fix
from engine.planning._duplicates import with_repeats
from engine.planning._escalate import on_call_owner
from engine.planning._execute import run_plan
from engine.planning._gone import handed_over, problem_seen, unanswered, withdraw
from engine.planning._history import acted, executed, page_key
from engine.planning._locks import neighbourhood
from engine.planning._loop import Loop
from engine.planning._model import Goal, Plan, PlanState
from engine.planning._ports import Decision, LoopEvent, StepResult
from engine.planning._process import alive_elsewhere
from engine.planning._rdf import alerts_resolved, plan_delta, plan_triples
from engine.store import Delta
from engine.terms import shorten

__all__ = ["close_goal", "escalate", "gate", "page", "pump", "replan", "resume", "settle"]

_MAX_ROUNDS = 50


_KEPT = (PlanState.BLOCKED, PlanState.REFUSED)
"""States an escalated plan keeps: why a person has it (the page says they were told)."""


def settle(loop: Loop, *, execute: bool = True) -> None:
    """Move every plan as far as it can go now (bounded). With ``execute=False`` plans stop
    once validated (approved by policy), before any agent acts."""
    if execute:
        tell_more(loop)
    for _ in range(_MAX_ROUNDS):
        moved = False
        for listed in loop.goals():
            goal = loop.goal_book[listed.iri]
            if goal.status != "open":  # met or failed earlier in this round (a plan it
                continue  # joined ended), so not planned for behind that
            ended = unfinished_end(loop, goal) if execute else None
            if ended is not None:
                moved |= finish_end(loop, goal, ended) != ended
                continue
            plan = loop.plan_for_goal(goal)
            if plan is None:
                acted = execute and (unplannable_recurrence(loop, goal) or nobody_may(loop, goal))
                if not acted:
                    waits(loop, goal)
                moved |= acted
            elif plan.active:
                moved |= advance(loop, goal, plan, execute=execute) != plan
        if not moved:
            return


def tell_more(loop: Loop) -> None:
    """A goal the person paged has (``failed``) gets no plan while its problem is seen, not
    even for a second crash in its scope; the person heard only of the first. Page them once
    per fix proposed on a target their plan did not name (another instance crashed), so
    they know (QA pass 12: "the person paged only ever hears about the first crash")."""
    proposals = list(loop.ports.inference.proposals())
    for goal in [g for g in loop.goal_book.values() if g.status == "failed"]:
        plan = loop.latest_plan(goal.iri)
        if plan is None or not handed_over(loop, plan):
            continue
        named = {s.target for s in plan.steps} | {t for s in plan.steps for t in s.stands_for}
        for p in relevant(proposals, loop.scope(goal)):
            if p.target not in named:
                named.add(p.target)
                _page_more(loop, goal, plan, p)


def _page_more(loop: Loop, goal: Goal, plan: Plan, p: ProposalLike) -> None:
    """The page of :func:`tell_more` about ``p``, once per target (its key is on record)."""
    key = f"more-{hashlib.sha256(str(p.target).encode()).hexdigest()[:12]}"
    if executed(loop.store, URIRef(f"{plan.iri}#{key}")):
        return
    reason = (f"{shorten(p.target)} needs {shorten(p.action)} too (a rule proposes it), while "
              f"{shorten(goal.entity)}'s problem is yours ({shorten(plan.iri)} "
              f"{plan.state.value}): tier1 will not plan for it until you hand it back")
    result, ev = page(loop, plan, reason, lambda who: f"paged {who}: {reason}", key=key)
    loop.commit(result.effects, f"paged: more on {shorten(goal.iri)}", event=ev,
                extra=result.provenance)


def waits(loop: Loop, goal: Goal) -> None:
    """Say, once per goal and process, that open ``goal`` gets no plan because its alerts fire
    but no rule proposes a fix in its scope (QA pass 11 #7: a bare critical alert printed only
    'no plan changed'). tier1 pages nobody for it: monitoring paged for the alert itself."""
    firing = loop.triggers(goal)
    if not firing or ("waits", goal.iri) in loop.told:
        return
    loop.told.add(("waits", goal.iri))
    loop.emit("goal", f"goal for {shorten(goal.entity)} waits: {len(firing)} alert(s) fire, but no "
              "rule proposes a fix in its scope (nothing known to be wrong: no crash, recent "
              "deploy or full disk); no plan until one does", goal=str(goal.iri))


def unplannable_recurrence(loop: Loop, goal: Goal) -> bool:
    """A goal reopened by alerts that fired after its plan's fix (and its grace), with
    nothing proposed now (the instance is healthy again, say, while alerts go on): page the
    on-call owner and hand them those alerts, rather than leave the goal open with nobody
    told. The goal stays met, not failed: a later crash is still planned for, and alerts
    after this page are a recurrence again. Returns whether it paged."""
    latest = last_fix(loop, goal)  # a joined goal has no plan of its own (QA pass 12 B5)
    if latest is None or latest.state is not PlanState.COMPLETED:
        return False
    fresh = loop.fresh_triggers(goal, latest)
    if not fresh:
        return False
    reason = (f"{len(fresh)} alert(s) fired more than {loop.config.recurrence_grace_s:g}s after "
              f"{shorten(latest.iri)} fixed {goal.entity}, and no rule proposes anything now")
    stamp = loop.now.strftime("%Y%m%dT%H%M%SZ")  # one page per recurrence, not one per plan
    result, ev = page(loop, latest, reason, lambda who: f"paged {who} about {goal.entity}: "
                       f"{reason}", key=f"recurrence-{stamp}")
    loop.commit(loop.set_goal_status(goal, "met") | result.effects, "recurrence paged",
                event=ev, extra=result.provenance)
    return True


def nobody_may(loop: Loop, goal: Goal) -> bool:
    """Rules propose fixes on open ``goal``'s scope, yet no plan could be built: no agent or
    person in scope may perform any of them (a crash of a service no bot covers; QA pass 9
    N1: the goal stayed open for good and nobody was told). Save them as a plan nobody
    performs and escalate it: the on-call owner is paged once, and the goal is theirs."""
    latest = loop.latest_plan(goal.iri)
    plan = unassigned_plan(loop.store, goal, list(loop.ports.inference.proposals()),
                           attempt=latest.attempt + 1 if latest else 0, now=loop.now)
    if plan is None:
        return False
    steps = ", ".join(f"{shorten(s.action)} on {shorten(s.target)}" for s in plan.steps)
    ev = loop.emit("plan", f"plan {plan.iri} for {goal.entity}: {steps} (nobody in scope may "
                   "do it)", plan, steps=steps, goal=str(goal.iri))
    plan = loop.save(None, plan, f"plan: {shorten(plan.iri)}", ev)
    escalate(loop, goal, plan, f"no agent or person in scope may do {steps}: act by hand, or "
             "give an agent that scope (ops:canPerform, ops:scopeService)")
    return True


def page(loop: Loop, plan: Plan, reason: str, text: Callable[[str], str], key: str = "page"
          ) -> tuple[StepResult, LoopEvent]:
    """Page the on-call owner of ``plan``'s entity (page ``key`` of the plan) and emit the
    ``escalate`` event, ``text`` saying who was paged; the caller commits the result."""
    person = on_call_owner(loop.store, plan.entity, loop.now)
    result = loop.ports.actuator.page(plan, person, reason, loop.now, key=key)
    who = str(person) if person is not None else "nobody on call (no shift covers now)"
    ev = loop.emit("escalate", text(who), plan, paged=str(person or ""), status=result.status)
    return result, ev


def unfinished_end(loop: Loop, goal: Goal) -> Plan | None:
    """The latest plan of open ``goal`` if it ended but what follows its end never landed: a
    command stopped between the two commits. ``completed``, but the goal was not closed (and
    no alert fired since, which would make it a recurrence); ``blocked`` or ``refused``, but
    nobody was paged (a blocked plan whose page is on record was escalated, and its goal is open again
    because the person paged handed it back: a new plan is made for it); ``superseded``, but
    the next attempt was not saved."""
    latest = loop.latest_plan(goal.iri)
    if latest is None:
        return None
    if latest.state is PlanState.COMPLETED:  # fresh alerts, or a problem it was not made for:
        new = loop.fresh_triggers(goal, latest) or unanswered(loop, goal, latest)
        return None if new else latest  # the goal was reopened, for a next attempt
    if latest.state in _KEPT:
        return None if handed_over(loop, latest) else latest
    return latest if latest.state is PlanState.SUPERSEDED else None


def finish_end(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """Do what should have followed ``plan``'s end (see :func:`unfinished_end`)."""
    loop.emit("resume", f"{shorten(plan.iri)} is {plan.state.value} but its goal is still "
              "open: an interrupted command did not finish it; finishing now", plan)
    if plan.state in _KEPT:
        return escalate(loop, goal, plan, plan.reason)
    if plan.state is PlanState.SUPERSEDED:
        return replan(loop, goal, plan)
    return finish(loop, goal, plan)


def pump(loop: Loop, *, execute: bool = True, limit: int | None = None) -> int:
    """Ingest the queued events in micro-batches (see :meth:`Loop.drain`), settling the plans
    once per batch: goals found, proposals deduplicated into plans (a second trigger joins the
    existing plan), gated. Returns the number of batches."""
    batches = 0
    while loop.queue:
        with paused_gc():
            loop.drain(limit)
            settle(loop, execute=execute)
        batches += 1
    return batches


def advance(loop: Loop, goal: Goal, plan: Plan, *, execute: bool = True) -> Plan:
    """One transition of ``plan``."""
    if plan.state in (PlanState.PROPOSED, PlanState.WAITING):
        return lock_and_gate(loop, goal, plan)
    if plan.state is PlanState.AWAITING_APPROVAL and plan.approver is not None:
        return gate(loop, goal, plan)
    if plan.state is PlanState.APPROVED and execute:
        if not problem_seen(loop, goal):  # healed since it was gated (a flap): nothing to do
            return withdraw(loop, goal, plan)
        return finish(loop, goal, run_plan(loop, goal, plan))
    if plan.state is PlanState.RUNNING and execute:
        return resume(loop, goal, plan)
    return plan


def resume(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """Carry on a running plan its runner left (see :func:`_resume`); one whose runner may
    still be running it is left alone, unless ``config.take_over``."""
    if alive_elsewhere(plan.runner) and not loop.config.take_over:
        loop.emit("lock", f"{shorten(plan.iri)} is running in {plan.runner}; left to it (if "
                  "that command is gone, 'tier1 resume --take-over' carries the plan on)", plan)
        return plan
    return _resume(loop, goal, plan)


def _resume(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """A plan found ``running`` was interrupted: every run this loop starts ends in the same
    call (completed, re-planned or escalated), so a crash or a ``ConflictError`` stopped it
    midway, in this process or an earlier one. The world may have changed since it was
    allowed, so it goes through the policy gate again (an approval it carries still counts);
    allowed, it runs again from its first step. A step that already took effect is skipped
    (its precondition no longer holds), and one that already succeeded is not acted again
    (its idempotency key is recorded), only observed."""
    loop.emit("resume", f"{shorten(plan.iri)} was interrupted while running: "
              "checking it against policy again before it resumes", plan)
    return gate(loop, goal, plan)


def _waiting_from(loop: Loop, plan: Plan) -> datetime:
    """When ``plan`` began to wait for a lock: now, unless it was waiting already when this
    process read it from the store; then since it was made (a plan waits from its first
    gating, right after it is made). Kept only in memory, the wait began again in every
    command, and a plan waiting across commands was never refused (QA pass 12 B4)."""
    if plan.state is PlanState.WAITING and plan.created is not None:
        return min(plan.created, loop.now)
    return loop.now


def lock_and_gate(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    locks = neighbourhood(loop.store, plan.mutated())
    clash = loop.locks.acquire(plan, locks)
    if clash is not None:
        since = loop.waiting_since.setdefault(plan.iri, _waiting_from(loop, plan))
        waited = (loop.now - since).total_seconds()
        if waited >= loop.config.max_lock_wait_s:
            ev = loop.emit("lock", f"refused {plan.iri}: {clash.reason()} "
                           f"(waited {waited:.0f}s)", plan)
            refused = loop.save(plan, plan.with_state(PlanState.REFUSED, clash.reason()),
                                "plan refused: lock", ev)
            return escalate(loop, goal, refused, f"refused after waiting {waited:.0f}s: "
                            f"{clash.reason()}")  # (a person has it: QA pass 11, left before)
        if plan.state is PlanState.WAITING:
            return plan
        ev = loop.emit("lock", f"{plan.iri} waits: {clash.reason()}", plan)
        return loop.save(plan, plan.with_state(PlanState.WAITING, clash.reason()),
                         "plan waits: lock", ev)
    loop.waiting_since.pop(plan.iri, None)
    return gate(loop, goal, plan)


def gate(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """Validate the plan what-if; allow, park for approval, or block and escalate."""
    loop.emit("policy", f"checking {plan.iri} against policy", plan)
    verdict = loop.ports.gate.check(loop.store, plan, judged_now(loop, plan), loop.now)
    why = "; ".join(verdict.reasons)
    version = verdict.shape_version
    if verdict.decision is Decision.BLOCK:
        ev = loop.emit("policy", f"BLOCKED {plan.iri}: {why}", plan,
                       verdict="violation", shapes=",".join(verdict.shapes), shape_version=version)
        blocked = loop.save(plan, plan.with_state(PlanState.BLOCKED, f"blocked by policy: {why}"),
                            "policy: blocked", ev, extra=verdict.provenance)
        loop.locks.release(plan.iri)
        return escalate(loop, goal, blocked, f"blocked by policy: {why}")
    if verdict.decision is Decision.NEEDS_APPROVAL:  # judged with any approval attached
        if plan.approver is not None:  # it does not count (any more): the shift ended, ...
            why = f"the approval by {shorten(plan.approver)} does not satisfy the policy: {why}"
        ev = loop.emit("policy", f"{plan.iri} needs approval: {why}", plan,
                       verdict="needs_approval", shapes=",".join(verdict.shapes),
                       shape_version=version)
        parked = plan.model_copy(update={"approver": None, "emergency": False})
        return loop.save(plan, parked.with_state(PlanState.AWAITING_APPROVAL, why),
                         "policy: awaiting approval", ev, extra=verdict.provenance)
    ev = loop.emit("policy", f"{plan.iri} allowed (shapes {version or 'n/a'})", plan,
                   verdict="allow", shape_version=version)
    return loop.save(plan, plan.with_state(PlanState.APPROVED, why or "allowed by policy"),
                     "policy: allowed", ev, extra=verdict.provenance)


def judged_now(loop: Loop, plan: Plan, stored: Plan | None = None) -> Delta:
    """The plan's RDF as the gate judges it: at the loop's now. Shapes read a plan's time from
    its ``prov:generatedAtTime``; a plan gated again later (approved, resumed) is judged at
    the time it would act, so a freeze that began since it was made stops it. The stored plan
    keeps the time it was made. ``stored``: the plan as the store holds it, when ``plan`` is an
    unsaved change of it (an approval asked about first): what the change drops (its old
    state) is taken out of the judged world too."""
    now = plan if plan.created is None or plan.created >= loop.now else \
        plan.model_copy(update={"created": loop.now})
    after = plan_triples(now)
    return Delta.of(adds=after, removes=plan_triples(stored or plan) - after)


def finish(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """After a run: complete, re-plan around the failed steps, or escalate."""
    if plan.state is PlanState.COMPLETED:
        loop.locks.release(plan.iri)
        firing = loop.triggers(goal)
        if firing and not acted(loop.store, plan):  # a person confirms (QA5 #1): the loop
            # does not resolve alerts it did not answer
            return escalate(loop, goal, plan, "every step was skipped (its precondition no "
                            "longer held) and nothing acted, yet "
                            f"{len(firing)} alert(s) still fire: confirm the problem is gone")
        if not unanswered(loop, goal, plan):  # else the goal stays open for a next attempt
            close_goal(loop, goal, plan)
        return plan
    if plan.state is PlanState.ESCALATED:
        return plan
    return replan(loop, goal, plan)


def replan(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """Build the next attempt without the (action, target) pairs that failed in this run
    (see :meth:`Loop.first_attempt`), or escalate once ``max_replans`` re-plans ran."""
    start = loop.first_attempt(plan)
    failed = loop.failed.get(plan.goal, frozenset()) | {
        s.signature() for p in loop.plans.values() if p.goal == plan.goal
        and p.attempt >= start and p.state is PlanState.SUPERSEDED for s in p.steps}
    loop.locks.release(plan.iri)
    if plan.attempt - start >= loop.config.max_replans:
        return escalate(loop, goal, plan,
                        f"{plan.attempt - start + 1} plan(s) tried: {plan.reason}")
    own = loop.goal_of(plan) or goal  # a joined goal may drive the run: the plan is its own's
    nxt = build_plan(loop.store, own, list(loop.ports.inference.proposals()),
                     attempt=plan.attempt + 1, exclude=failed, now=loop.now)
    if nxt is None:
        return escalate(loop, goal, plan, f"no alternative left after: {plan.reason}")
    nxt = nxt.model_copy(update={"triggers": plan.triggers})
    steps = ", ".join(f"{s.action.fragment or s.action} {s.target}" for s in nxt.steps)
    ev = loop.emit("replan", f"re-plan {nxt.attempt} for {goal.entity}: {steps}", nxt,
                   steps=steps, goal=str(goal.iri))
    if plan.state is not PlanState.SUPERSEDED:  # (it is when an interrupted re-plan goes on)
        loop.save(plan, plan.with_state(PlanState.SUPERSEDED,
                                        f"superseded by {nxt.iri}: {plan.reason}"), "plan superseded")
    return loop.save(None, nxt, f"re-plan: {shorten(nxt.iri)}", ev)


def escalate(loop: Loop, goal: Goal, plan: Plan, reason: str) -> Plan:
    """Page the on-call owner of the plan's entity; the plan and goal stop here (the plan's
    own goal too, when ``goal`` joined it), until the person paged hands the goal back (see
    :func:`~._gone.hand_back`)."""
    result, ev = page(loop, plan, reason, lambda who: f"escalated {plan.iri}: paged {who}: {reason}",
                       key=page_key(loop.store, plan))
    loop.locks.release(plan.iri)
    new = plan if plan.state in _KEPT else plan.with_state(PlanState.ESCALATED, reason)
    d = plan_delta(plan, new) | loop.set_goal_status(goal, "failed") | result.effects
    own = loop.goal_of(plan)
    if own is not None and own.iri != goal.iri and own.status == "open":
        d = d | loop.set_goal_status(own, "failed")
    loop.plans[new.iri] = new
    loop.commit(d, f"escalate: {shorten(plan.iri)}", event=ev, extra=result.provenance)
    return new


def close_goal(loop: Loop, goal: Goal, plan: Plan) -> None:
    """The goal is met: mark it, and resolve the firing alerts about its scope. The goals that
    joined ``plan`` (and its own goal, when ``goal`` joined it) are met with it if their
    problem is gone too (see :func:`~._dedup.close_joined`)."""
    alerts = loop.triggers(goal)
    every = with_repeats(loop.store, alerts)
    d = loop.set_goal_status(goal, "met") | alerts_resolved(every)
    more = f" (and {len(every) - len(alerts)} duplicate(s))" if len(every) > len(alerts) else ""
    ev = loop.emit("goal_met", f"goal met for {goal.entity}: {len(alerts)} alert(s) resolved"
                   f"{more}", plan, goal=str(goal.iri))
    loop.commit(d, f"goal met: {shorten(goal.iri)}", event=ev)
    close_joined(loop, goal, plan)
