"""Human decisions on parked plans: approve (then the plan is gated again and runs) or reject.

State lives in the store, so ``tier1 approve`` in a later process finds the
plan ``tier1 run`` parked.
"""

from __future__ import annotations

from rdflib import RDF, URIRef

from engine.errors import PlanningError
from engine.planning._dedup import joined, reopen_joined
from engine.planning._drive import judged_now, page, settle
from engine.planning._escalate import on_call_owner, who_to_ask
from engine.planning._history import page_key
from engine.planning._loop import Loop
from engine.planning._model import Plan, PlanState
from engine.planning._ports import Decision, Verdict
from engine.planning._rdf import plan_delta
from engine.store import Delta
from engine.terms import shorten
from engine.vocab import OPS, PROV

__all__ = ["approve", "find_plan", "reject"]


def find_plan(loop: Loop, ref: URIRef) -> Plan:
    """The plan ``ref`` names: its IRI, or a prefix of its id naming one plan (the latest
    attempt when several attempts share it)."""
    if ref in loop.plans:
        return loop.plans[ref]
    tail = str(ref).rsplit("/", 1)[-1]
    hits = [p for p in loop.plans.values() if str(p.iri).rsplit("/", 1)[-1].startswith(tail)]
    if len({p.key for p in hits}) == 1:  # one plan's attempts: the latest is the live one
        return max(hits, key=lambda p: p.attempt)
    if not hits:
        raise PlanningError(f"no plan {ref} in this store; list them with 'tier1 plans'", code="no_such_plan")
    raise PlanningError(f"{ref} matches {len(hits)} plans; give more of the plan id", code="ambiguous_plan")


def _person(loop: Loop, who: URIRef) -> URIRef:
    kinds = {o for _, _, o, _ in loop.store.quads((who, RDF.type, None))}
    if not kinds & {OPS.Person, OPS.HumanAgent, PROV.Person}:
        raise PlanningError(
            f"{shorten(who)} is not a person in the world: give --as an ops:Person, e.g. "
            "--as ex:chen",
            code="not_a_person",
        )
    return who


def _parked(plan: Plan, verb: str, *, running: bool = False) -> None:
    """Refuse unless ``plan`` awaits approval (or, with ``running``, is running)."""
    if plan.state is PlanState.AWAITING_APPROVAL or (running and plan.state is PlanState.RUNNING):
        return
    hint = ("a command is running it, or one that ran it was interrupted: 'tier1 resume' "
            "carries it on, 'tier1 reject' stops it"
            if plan.state is PlanState.RUNNING else "see 'tier1 plans'")
    raise PlanningError(
        f"plan {plan.iri} is {plan.state.value}, not awaiting_approval: only a parked "
        f"{'or running ' if running else ''}plan can be {verb}; {hint}",
        code="not_parked",
    )


def approve(loop: Loop, ref: URIRef, by: URIRef, *, emergency: bool = False) -> Plan:
    """Record ``by``'s approval of a parked plan, re-gate it and, if allowed, run it. An
    emergency approval may also re-open a plan the gate blocked (see :func:`_break_glass`).

    Nothing runs for a goal that is met already (a flap healed by itself): the approval is
    recorded, then the loop withdraws the plan and closes the goal (the returned plan is
    ``withdrawn``, its reason says why). A plan the loop withdrew before is returned as it
    is, nothing written: there is nothing left to approve, and that is not an error."""
    plan = find_plan(loop, ref)
    if plan.state is PlanState.WITHDRAWN:
        _person(loop, by)  # a typo in --as is an error whatever the plan's state
        return plan
    if plan.state is PlanState.BLOCKED:
        if emergency:
            _latest(loop, plan)
            _still_held(loop, plan)
            return _break_glass(loop, plan, _person(loop, by))
        raise PlanningError(
            f"plan {plan.iri} was blocked by policy: only an emergency approval (--emergency) "
            "can re-open it, and the policy gate judges it again with that approval attached",
            code="blocked_needs_emergency",
        )
    _parked(plan, "approved")
    person = _person(loop, by)
    approved = plan.model_copy(update={"approver": person, "emergency": emergency})
    _counts(loop, plan, approved)
    ev = loop.emit("approval", f"{plan.iri} approved by {person}"
                   + (" (emergency)" if emergency else ""), plan, approver=str(person),
                   emergency=str(emergency).lower())
    approved = loop.save(plan, approved, f"approval: {shorten(plan.iri)} by {shorten(person)}", ev)
    if loop.goal_of(approved) is None:
        raise PlanningError(f"plan {plan.iri} has no goal in the store; it cannot run", code="no_goal")
    return _settled(loop, plan)


def _counts(loop: Loop, stored: Plan, approved: Plan) -> Verdict:
    """Refuse, writing nothing, an approval the policy does not accept: the gate judges the
    plan with it attached, and a shape that asks for approval (a Warning) still failing says
    whose approval counts (``pol:DatabaseFailoverApproval``: the owning team or its on-call),
    whatever else fails beside it (QA pass 11 #2: a freeze's Violation hid it, and the
    outsider's approval was recorded with the block). Returns the verdict it judged."""
    judged = judged_now(loop, approved, stored)
    verdict = loop.ports.gate.check(loop.store, approved, judged, loop.now, record=False)
    if not verdict.asks_approval:  # (a Violation beside it, a freeze, hides no Warning)
        return verdict
    who = shorten(approved.approver) if approved.approver is not None else "?"
    ask = who_to_ask(loop.store, approved.entity, loop.now)
    raise PlanningError(
        f"{who} may not approve plan {shorten(approved.iri)}: the policy judged it with this "
        f"approval attached and still asks for approval: {shorten('; '.join(verdict.reasons))} Ask a "
        f"person the policy names ({ask}); nothing was recorded",
        code="approval_refused",
    )


def _lifts_something(loop: Loop, stored: Plan, reopened: Plan, after: Verdict) -> None:
    """Refuse, writing nothing, an emergency approval that lifts none of the blocks: judged
    with it attached, every shape that blocks the plan without it still blocks it (an
    outsider's approval of a frozen service's change: QA pass 11 #6). One that lifts a block
    goes ahead even if another remains (a freeze lifted, a restart budget still exceeded):
    the gate decides, and the on-call is paged again. ``after``: the verdict with it
    attached (:func:`_counts` judged it)."""
    bare = reopened.model_copy(update={"approver": None, "emergency": False})
    before = loop.ports.gate.check(loop.store, bare, judged_now(loop, bare, stored), loop.now,
                                   record=False)
    if after.decision is not Decision.BLOCK or not set(before.shapes) <= set(after.shapes):
        return
    who = shorten(reopened.approver) if reopened.approver is not None else "?"
    raise PlanningError(
        f"{who}'s emergency approval lifts none of the blocks on plan {shorten(stored.iri)}: "
        f"{shorten('; '.join(after.reasons))} Ask a person the policy names "
        f"({who_to_ask(loop.store, stored.entity, loop.now)}); nothing was recorded",
        code="emergency_lifts_nothing",
    )


def _still_held(loop: Loop, plan: Plan) -> None:
    """Refuse to re-open blocked ``plan`` once its goal was handed back (met: the person paged
    dealt with the problem): there is nothing left to break glass for, and re-opened, the
    plan would end ``withdrawn`` where it stays ``blocked`` on record (QA pass 11 #6)."""
    goal = loop.goal_of(plan)
    if goal is not None and goal.status == "met":
        raise PlanningError(
            f"plan {shorten(plan.iri)} was blocked, and its goal was handed back since: the "
            "person paged dealt with the problem, so there is nothing to approve; nothing was "
            "recorded (if the problem is back, 'tier1 plans' shows the plan made for it)",
            code="handed_back",
        )


def _latest(loop: Loop, plan: Plan) -> None:
    """Refuse to re-open ``plan`` when its goal has a later attempt: the goal was handed back
    by the person paged and a later outage was planned for anew (see ``_gone.hand_back``).
    Re-opened, the old plan would sit ``proposed`` behind the new one, holding its locks."""
    latest = loop.latest_plan(plan.goal)
    if latest is not None and latest.iri != plan.iri:
        raise PlanningError(
            f"plan {shorten(plan.iri)} is an earlier attempt: its goal was planned for again since "
            f"({shorten(latest.iri)}, {latest.state.value}); approve that one (--emergency if it is "
            "blocked too; see 'tier1 plans')",
            code="earlier_attempt",
        )


def _settled(loop: Loop, plan: Plan) -> Plan:
    """Let the loop move ``plan`` as far as it goes now; the latest attempt for its goal."""
    settle(loop)
    return loop.latest_plan(plan.goal) or plan


def _break_glass(loop: Loop, plan: Plan, person: URIRef) -> Plan:
    """Re-open a blocked plan with ``person``'s emergency approval attached: its goal is open
    again (and the goals that joined it: :func:`~._dedup.reopen_joined`) and the plan goes
    through locks and the policy gate like a new one. The gate decides:
    a change freeze lets an emergency through, a restart budget does not (blocked again, the
    on-call paged again). Nothing bypasses the gate."""
    goal = loop.goal_of(plan)
    if goal is None:
        raise PlanningError(f"plan {plan.iri} has no goal in the store; it cannot run", code="no_goal")
    why = f"re-opened by an emergency approval by {person}"
    reopened = plan.model_copy(update={"approver": person, "emergency": True,
                                       "state": PlanState.PROPOSED, "reason": why})
    _lifts_something(loop, plan, reopened, _counts(loop, plan, reopened))
    ev = loop.emit("approval", f"{plan.iri} approved by {person} (emergency, after it was "
                   "blocked)", plan, approver=str(person), emergency="true")
    loop.commit(loop.set_goal_status(goal, "open") | reopen_joined(loop, plan),
                f"goal re-opened: {shorten(goal.iri)}")
    loop.save(plan, reopened, f"emergency approval: {shorten(plan.iri)} by {shorten(person)}", ev)
    return _settled(loop, plan)


def reject(loop: Loop, ref: URIRef, by: URIRef, reason: str = "") -> Plan:
    """Record ``by``'s rejection of a parked plan, or of a running one (an interrupted plan a
    person wants stopped, e.g. after fixing it by hand); its locks are released and nothing
    more of it runs. A command still running it stops at its next record: the rejection's
    record took that number first. A plan the loop withdrew (its goal was met before it ran)
    is returned as it is, nothing written."""
    plan = find_plan(loop, ref)
    person = _person(loop, by)
    if plan.state is PlanState.WITHDRAWN:  # the problem went away first: the same race as
        return plan  # approve's, so the same answer (nothing to do, not an error)
    _parked(plan, "rejected", running=True)
    why = f"rejected by {person}" + (f": {reason}" if reason else "")
    ev = loop.emit("rejected", f"{plan.iri} {why}", plan, by=str(person))
    loop.locks.release(plan.iri)
    new = plan.with_state(PlanState.REJECTED, why)
    goal = loop.goal_of(plan)  # the person who said no has the problem now, until it is gone
    held = loop.set_goal_status(goal, "failed") if goal is not None and goal.status == "open" \
        else Delta()  # (then it is handed back: a later outage is planned for: QA pass 11 #1)
    for g in joined(loop, plan):  # and the goals that joined it (QA pass 12 B1)
        held = held | loop.set_goal_status(g, "failed")
    loop.plans[new.iri] = new
    loop.commit(plan_delta(plan, new) | held, f"reject: {shorten(plan.iri)}", event=ev)
    _tell_on_call(loop, new, person, why)
    return new


def _tell_on_call(loop: Loop, plan: Plan, person: URIRef, why: str) -> None:
    """Page the on-call owner of ``plan``'s entity when someone else rejected it: anyone may
    stop automation, but the owners must know it stopped and who has the problem now (QA
    pass 11 #1)."""
    owner = on_call_owner(loop.store, plan.entity, loop.now)
    if owner is None or owner == person:
        return
    reason = f"{why}; {shorten(person)} has the problem now"
    result, ev = page(loop, plan, reason, lambda who: f"paged {who}: {shorten(plan.iri)} {reason}",
                      key=page_key(loop.store, plan))
    loop.commit(result.effects, f"rejection paged: {shorten(plan.iri)}", event=ev,
                extra=result.provenance)
