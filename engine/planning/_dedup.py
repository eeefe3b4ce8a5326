"""Dedup across goals: one problem on one entity gets one plan and, if it is blocked, one page.

Plans are keyed by goal + entity, but two goals can name the same entity: an open incident the
estate already holds and the one the rules mint for the same service, or a within-SLO goal a
person asked for (``tier1 goal add``) and the incident that follows. The second goal builds no
plan of its own; it shares the first one's fate:

- it joins an active plan on its entity;
- it joins a plan on its entity that ended by paging a person (``blocked`` by policy with its
  page sent, or ``escalated``) while that plan's goal is still theirs (``failed``): the person
  paged has the problem, so the joined goal is theirs too (failed), with no second plan and
  no second page. Before, it built an identical plan, blocked again, paging the same person
  again (QA F3);
- when the plan completes and meets its goal, every goal that joined it whose problem is gone
  is met with it (before, it got a plan of its own once the first ended, gated and then
  withdrawn: QA F4); one whose problem is still seen stays open and is planned for;
- an emergency approval that re-opens a blocked plan re-opens the goals that joined it too,
  so that they join it again and end with it;
- alerts about the entity that fired before the plan's fix took effect (or within its grace)
  and arrive after it are late alerts of that fix for every goal on the entity, not only its
  own: they are resolved, not a recurrence that reopens a goal which joined the plan
  (:func:`last_fix`).

Which goals joined a plan is not stored: a goal on the plan's entity with no plan of its own
in progress joins the entity's plan whenever the loop plans for it, so those are the goals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rdflib import URIRef

from engine.planning._gone import answers_all, handed_over, problem_seen
from engine.planning._model import Goal, Plan, PlanState
from engine.store import Delta
from engine.terms import shorten

if TYPE_CHECKING:
    from engine.planning._loop import Loop

__all__ = ["close_joined", "fixes_by_entity", "join", "joined", "last_fix", "reopen_joined"]


def join(loop: Loop, goal: Goal) -> Plan | None:
    """The plan ``goal`` joins instead of building its own: an active plan on its entity,
    else one there that handed the problem to a person who still has it (see
    :func:`_holds`). Joining a plan that was handed over fails ``goal`` with it (one commit)."""
    ended: Plan | None = None
    for p in loop.plans.values():
        if p.entity != goal.entity or p.goal == goal.iri:
            continue
        if p.active:
            if ("joined", goal.iri, p.iri) not in loop.told:  # once, not every settle round
                loop.told.add(("joined", goal.iri, p.iri))  # (QA pass 12 B6)
                loop.emit("joined", f"goal {goal.iri} joins plan {p.iri} on {goal.entity}", p)
            return p
        if ended is None and _holds(loop, p):
            ended = p
    if ended is None:
        return None
    if handed_over(loop, ended):
        ev = loop.emit("joined", f"goal {goal.iri} joins plan {ended.iri} on {goal.entity}, "
                       f"which is {ended.state.value}: the person paged has the problem (no "
                       "second plan, no second page)", ended, goal=str(goal.iri))
        loop.commit(loop.set_goal_status(goal, "failed"),
                    f"goal joins {shorten(ended.iri)}: {ended.state.value}", event=ev)
    return ended


def _holds(loop: Loop, plan: Plan) -> bool:
    """Whether ended ``plan`` still stands for its entity's problem: the latest attempt for
    its goal, ``blocked`` or ``escalated``, and that goal is the person's (``failed``), or
    still open with the page not sent yet (a command stopped between the two commits: the
    next executing loop pages, once). A goal handed back and open again gets a new plan, and
    so does a goal that joins it then."""
    if plan.state not in (PlanState.BLOCKED, PlanState.ESCALATED):
        return False
    own = loop.goal_of(plan)
    latest = loop.latest_plan(plan.goal)
    if own is None or latest is None or latest.iri != plan.iri:
        return False
    return own.status == "failed" or (own.status == "open" and not handed_over(loop, plan))


def joined(loop: Loop, plan: Plan, status: str = "open") -> list[Goal]:
    """The goals with ``status`` that joined ``plan``: on its entity, not its own goal, with
    no plan of their own in progress."""
    out = []
    for g in loop.goal_book.values():
        if g.entity != plan.entity or g.iri == plan.goal or g.status != status:
            continue
        own = loop.latest_plan(g.iri)
        if own is None or not own.active:
            out.append(g)
    return out


def close_joined(loop: Loop, goal: Goal, plan: Plan) -> None:
    """``plan`` completed and met ``goal``: meet the plan's own goal (when ``goal`` joined it)
    and every other goal that joined it, if their problem is gone now (one commit)."""
    own = loop.goal_of(plan)
    others = [g for g in joined(loop, plan) if g.iri != goal.iri]
    if own is not None and own.iri != goal.iri and own.status == "open":
        others.append(own)
    met = [g for g in others if answers_all(plan) or not problem_seen(loop, g)]  # (as its
    # own goal: a runbook's failover answers the problem, the old primary's restart stays
    # proposed; QA pass 12 B3: the joined goal got a second failover)
    if not met:
        return
    d = Delta()
    for g in met:
        d = d | loop.set_goal_status(g, "met")
        loop.emit("goal_met", f"goal met for {g.entity}: {shorten(g.iri)} joined "
                  f"{shorten(plan.iri)}, which met it", plan, goal=str(g.iri))
    loop.commit(d, f"goals met with {shorten(plan.iri)}: {len(met)}")


def reopen_joined(loop: Loop, plan: Plan) -> Delta:
    """An emergency approval re-opens blocked ``plan``: the goals that failed with it (they
    joined it) are open again too, so they join it again and end with it. The returned delta
    persists their status."""
    d = Delta()
    for g in joined(loop, plan, "failed"):
        d = d | loop.set_goal_status(g, "open")
    return d


def last_fix(loop: Loop, goal: Goal) -> Plan | None:
    """The plan a later alert of ``goal`` is judged against (fresh or late): its own latest
    plan, unless a later plan of another goal on its entity completed (one it joined, or one
    made after it was met): that plan's fix is the last one on the entity."""
    own = loop.latest_plan(goal.iri)
    other: Plan | None = None
    for p in loop.plans.values():
        if (p.entity == goal.entity and p.goal != goal.iri and p.state is PlanState.COMPLETED
                and (other is None or _made(p) > _made(other))):
            other = p
    if other is None or (own is not None and own.state is not PlanState.WITHDRAWN
                         and _made(own) >= _made(other)):
        return own
    return other


def fixes_by_entity(plans: Iterable[Plan]) -> dict[URIRef, Plan]:
    """The latest-made completed plan on each entity, in one pass: :func:`last_fix` of a goal
    with no plan of its own, for every such goal at once (``Loop.done_goals``)."""
    out: dict[URIRef, Plan] = {}
    for p in plans:
        if p.state is PlanState.COMPLETED and (p.entity not in out or _made(p) > _made(out[p.entity])):
            out[p.entity] = p
    return out


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _made(plan: Plan) -> datetime:
    return plan.created or _EARLIEST
