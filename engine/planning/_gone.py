"""Goals whose problem is gone: the test that says a goal is met, and what follows from it.

A flap (an instance crashes, then is healthy again before anything ran) leaves a goal with
nothing to fix and, often, a plan parked for approval. Approving that plan would act on a
healthy system, so the loop withdraws a plan that has not started once its goal is met, and
closes the goal; a later crash reopens it.

A goal the loop gave up on (``failed``: it paged the on-call owner) stays with that person
while its problem is seen; once it is not, the person dealt with it, and the goal is handed
back (met), so that a later outage is planned for again (QA pass 9 N3).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from rdflib import URIRef

from engine.planning._builder import ProposalLike, relevant
from engine.planning._goals import open_incidents
from engine.planning._history import paged
from engine.planning._model import UNSTARTED, Goal, GoalKind, Plan, PlanState
from engine.planning._rdf import plan_delta
from engine.terms import shorten

if TYPE_CHECKING:
    from engine.planning._loop import Loop

__all__ = [
    "answers_all", "close_gone", "hand_back", "handed_over", "problem_seen", "reopen_slo",
    "unanswered", "withdraw",
]


def problem_seen(loop: Loop, goal: Goal, incidents: Collection[URIRef] | None = None) -> bool:
    """Whether the loop still sees what ``goal`` asks it to fix: an alert about its scope
    fires, a rule proposes an action on its scope, or (an incident goal) its incident is open.
    A goal none of these hold for is met. ``incidents``: the open incidents, if read already."""
    if loop.triggers(goal) or relevant(loop.ports.inference.proposals(), loop.scope(goal)):
        return True
    if goal.kind is not GoalKind.INCIDENT_RESOLVED:
        return False
    return goal.target in (open_incidents(loop.store) if incidents is None else incidents)


def unanswered(loop: Loop, goal: Goal, plan: Plan) -> list[ProposalLike]:
    """Proposals on ``goal``'s scope that no step of ``plan`` answers: a problem the plan was
    not made for (another instance of the service crashed meanwhile). A step answers the
    proposal it was built from: the same (action, target). A step no rule proposed (taken
    from a runbook's actions) answers the goal's problem as a whole: its failover stands for
    a database restart no bot may do, and that restart stays proposed after it (the old
    primary stays crashed), so none is unanswered."""
    if answers_all(plan):
        return []
    done = {s.signature() for s in plan.steps}
    return [p for p in relevant(loop.ports.inference.proposals(), loop.scope(goal))
            if (p.action, p.target) not in done]


def answers_all(plan: Plan) -> bool:
    """Whether ``plan`` answers its goal's problem as a whole: it has a step no rule proposed
    (a runbook's failover standing for a database restart no bot may do, which stays
    proposed after it), so no proposal on the scope counts as a new problem."""
    return any(not s.rule_id for s in plan.steps)


def close_gone(loop: Loop, incidents: Collection[URIRef]) -> None:
    """Close (met) every open goal whose problem is gone (see :func:`problem_seen`), and
    withdraw its plan if that has not started. An incident goal closes with no plan too (a
    person resolved its alerts, or they fired again about another service); a within-SLO goal
    only once it had a plan: one asked for before anything was wrong waits for evidence. A
    goal whose plan is running is left to the run. A failed goal whose problem is gone is
    handed back (see :func:`hand_back`)."""
    for goal in list(loop.goal_book.values()):
        if goal.status not in ("open", "failed") or problem_seen(loop, goal, incidents):
            continue
        latest = loop.latest_plan(goal.iri)
        if goal.status == "failed":
            if latest is None or not latest.active:
                hand_back(loop, goal, latest)
        elif latest is not None and latest.state in UNSTARTED:
            withdraw(loop, goal, latest)
        elif (goal.kind is GoalKind.INCIDENT_RESOLVED if latest is None else not latest.active):
            ev = loop.emit("goal", f"goal for {goal.entity} closed: {gone(goal)}",
                           goal=str(goal.iri))
            loop.commit(loop.set_goal_status(goal, "met"), "goal closed: problem gone", event=ev)


def hand_back(loop: Loop, goal: Goal, latest: Plan | None) -> None:
    """``goal`` failed (the loop paged the on-call owner and stopped) and its problem is no
    longer seen: the person paged dealt with it (fixed it and resolved the alerts). The goal is
    met: what it asked for holds, whoever made it hold, and ``met`` is what lets a later outage
    of the same service reopen it and be planned for, gated and, if blocked again, paged again.
    Its last plan stays ``escalated`` or ``blocked``: the record that the loop did not fix it.
    While the problem is seen, the goal stays failed: the loop neither plans behind the
    person's back nor resolves alerts it did not answer."""
    last = f" ({shorten(latest.iri)} stays {latest.state.value})" if latest is not None else ""
    who = ("the person who rejected its plan" if latest is not None
           and latest.state is PlanState.REJECTED else "the person paged")
    ev = loop.emit("goal", f"goal for {goal.entity} closed: {who} dealt with it"
                   f"{last}: {gone(goal)}; a later outage is planned for again",
                   goal=str(goal.iri))
    loop.commit(loop.set_goal_status(goal, "met"),
                f"goal handed back, {who} dealt with it: {shorten(goal.iri)}", event=ev)


def handed_over(loop: Loop, plan: Plan | None) -> bool:
    """Whether ``plan`` ended by handing its goal's problem to a person: ``escalated``,
    ``rejected`` (the person who said no has it: QA pass 11 #1), or ``blocked`` or
    ``refused`` (a lock held too long) with its page sent (one whose page never went out, its
    command stopped between the two commits, is not: the next executing loop pages). A goal
    whose latest plan is handed over and that is open (or met) again was handed back: its
    next plan is a new run (see ``Loop.plan_for_goal``)."""
    if plan is None:
        return False
    return plan.state in (PlanState.ESCALATED, PlanState.REJECTED) or (
        plan.state in (PlanState.BLOCKED, PlanState.REFUSED) and paged(loop.store, plan))


def gone(goal: Goal) -> str:
    """Why ``goal`` is met without a plan having acted, for events and plan reasons."""
    if goal.kind is GoalKind.INCIDENT_RESOLVED:
        return (f"its incident {shorten(goal.target)} is gone (no alert about it fires, and no "
                f"rule proposes an action on {shorten(goal.entity)})")
    return (f"{shorten(goal.entity)} is healthy again (no alert about it fires, and no rule "
            "proposes an action on it)")


def withdraw(loop: Loop, goal: Goal, plan: Plan) -> Plan:
    """``plan`` has not started and its goal is met now: nothing of it runs. It ends
    ``withdrawn`` (its locks released) and the goal is met, in one commit with a provenance
    record of the withdrawal; an approval it carries stays on record."""
    why = f"its goal was met before it ran: {gone(goal)}"
    new = plan.with_state(PlanState.WITHDRAWN, why)
    loop.locks.release(plan.iri)
    loop.waiting_since.pop(plan.iri, None)
    ev = loop.emit("withdrawn", f"{shorten(plan.iri)} withdrawn: {why}", plan, goal=str(goal.iri),
                   was=plan.state.value, approver=str(plan.approver or ""))
    loop.plans[new.iri] = new
    loop.commit(plan_delta(plan, new) | loop.set_goal_status(goal, "met"),
                f"plan withdrawn, goal met: {shorten(plan.iri)}", event=ev)
    return new


def reopen_slo(loop: Loop, done: Collection[URIRef]) -> None:
    """Reopen a met within-SLO goal when a rule proposes an action on its scope again (the
    instance crashed again after a flap closed its goal): the proposal is what made the goal,
    and a met goal's scope keeps a new goal from being made for it. (Alerts about an incident
    reopen its incident goal instead.) ``done``: :meth:`Loop.done_goals`, so not a goal a
    runbook's plan met: its failover answers the whole problem (QA pass 12 B3: a second
    failover)."""
    targets = {p.target for p in loop.ports.inference.proposals()}  # once, not per goal
    for goal in list(loop.goal_book.values()):
        if (goal.status == "met" and goal.kind is GoalKind.WITHIN_SLO and goal.iri in done
                and not targets.isdisjoint(loop.scope(goal))):
            ev = loop.emit("goal", f"goal for {goal.entity} reopened: a rule proposes an action "
                           "on it again", goal=str(goal.iri))
            loop.commit(loop.set_goal_status(goal, "open"), "goal reopened", event=ev)
