"""The closed loop: events in, plans out, gated, executed, observed, re-planned.

``Loop`` owns the sim clock, the plan book (dedup), the lock table and the
bookkeeping; it talks to the other rooms only through :mod:`._ports`. Every
change it makes is one commit whose asserted part, inferred consequences and
provenance travel together.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from rdflib import Literal, URIRef

from engine.planning._builder import build_plan, effects, goal_scope
from engine.planning._dedup import fixes_by_entity, join, last_fix
from engine.planning._duplicates import with_repeats
from engine.planning._goals import discover_goals, open_incidents
from engine.planning._gone import answers_all, close_gone, handed_over, problem_seen, reopen_slo
from engine.planning._history import handled, latest_time
from engine.planning._locks import LockTable, neighbourhood
from engine.planning._model import Goal, GoalKind, Plan, PlanState, goal_iri
from engine.planning._ports import Actuator, Gate, Inference, LoopEvent, Observation, Recorder
from engine.planning._rdf import alerts_resolved, goal_triples, load_goals, load_plans, plan_delta
from engine.planning._triggers import TriggerIndex
from engine.provenance import claims
from engine.store import Commit, CommitMeta, Delta, GraphStore, OverlappedCommit, triples
from engine.terms import Triple, shorten
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = ["Loop", "LoopConfig", "Ports", "is_bookkeeping"]


class LoopConfig(BaseModel):
    """Bounds that keep the loop finite. Times are sim-clock seconds."""

    model_config = ConfigDict(frozen=True)

    max_retries: int = 2  # retries of one step before re-planning
    backoff_s: float = 30.0  # first retry waits this long, then doubles
    settle_s: float = 60.0  # how long after an action its effect is checked
    max_replans: int = 2  # re-plans of one goal before escalating
    max_lock_wait_s: float = 1800.0  # a waiting plan is refused after this long
    max_batch: int = 10_000  # queued events folded into one commit and one inference update
    overlap_min: int = 5_000  # from this many asserted changes, infer while the store writes
    take_over: bool = False  # carry on running plans whose runner may still live (a person's call)
    recurrence_grace_s: float = 300.0  # alerts this soon after a fix are still its problem's
    author: str = "tier1-loop"


@dataclass(frozen=True)
class Ports:
    """The other rooms, behind the loop's seams."""

    inference: Inference
    gate: Gate
    actuator: Actuator
    recorder: Recorder


Observer = Callable[[LoopEvent], None]

_CITED = 20  # triggers a plan's provenance cites by name (all are prov:wasDerivedFrom links)

_ACTED = frozenset(PlanState) - {PlanState.WITHDRAWN}
"""Plans a later alert is judged against (fresh or late); a withdrawn one never acted."""

_BOOKKEEPING = tuple(str(RUN[k]) for k in ("plan/", "step/", "goal/", "approval/"))


def is_bookkeeping(s: object) -> bool:
    """The loop's own goals, plans, steps and approvals: data for the policy gate and the
    audit, not world facts for the rules (so saving them does not re-run inference)."""
    return isinstance(s, URIRef) and str.startswith(s, _BOOKKEEPING)  # not rdflib's: no copy


class Loop:
    """One run of the closed loop over ``store`` (see :mod:`._drive` for the phases)."""

    def __init__(
        self, store: GraphStore, ports: Ports, *, now: datetime,
        config: LoopConfig | None = None, observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.ports = ports
        self.now = now
        self.config = config or LoopConfig()
        self.observer = observer
        self.events: list[LoopEvent] = []
        self.locks = LockTable()
        self.plans: dict[URIRef, Plan] = {p.iri: p for p in load_plans(store)}
        self.goal_book: dict[URIRef, Goal] = {g.iri: g for g in load_goals(store)}
        self.scopes: dict[URIRef, frozenset[URIRef]] = {}
        self.waiting_since: dict[URIRef, datetime] = {}
        self.failed: dict[URIRef, frozenset[tuple[URIRef, URIRef]]] = {}
        self.told: set[tuple[str, ...]] = set()  # what the loop said once (goal waits, joins)
        self.queue: deque[tuple[tuple[Triple, ...], tuple[Triple, ...], str]] = deque()
        self._triggers = TriggerIndex(store)  # kept current by every commit of the loop
        for plan in self.plans.values():
            if plan.active and plan.state is not PlanState.WAITING:
                self.locks.acquire(plan, neighbourhood(store, plan.mutated()))

    # -- clock and events -------------------------------------------------
    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def advance_to(self, when: datetime) -> None:
        """Move the clock to ``when`` if that is later (never back)."""
        self.now = max(self.now, when)

    def emit(self, kind: str, text: str, plan: Plan | None = None, **data: str) -> LoopEvent:
        ev = LoopEvent(kind=kind, at=self.now, text=text, plan=plan.iri if plan else None,
                       data=tuple(sorted(data.items())))
        self.events.append(ev)
        if self.observer is not None:
            self.observer(ev)
        return ev

    # -- writing ----------------------------------------------------------
    def commit(
        self, asserted: Delta, message: str, *, event: LoopEvent | None = None,
        extra: Delta | None = None,
    ) -> Commit | None:
        """Commit ``asserted`` with its inferred consequences and the provenance of ``event``
        (nothing at all when there is nothing to write)."""
        world = GraphName.ASSERTED
        adds = [(s, p, o) for s, p, o, g in asserted.adds if g is world and not is_bookkeeping(s)]
        removes = [(s, p, o) for s, p, o, g in asserted.removes
                   if g is world and not is_bookkeeping(s)]
        meta = CommitMeta(author=self.config.author, message=message, timestamp=self.now)
        store = self.store
        if isinstance(store, OverlappedCommit) and len(adds) + len(removes) >= self.config.overlap_min:
            done = self._commit_overlapped(store, asserted, adds, removes, meta, event, extra)
        else:
            delta = asserted
            if adds or removes:
                delta = delta | self._observed(self.ports.inference.observe(adds, removes,
                                                                            self.now))
            record = self._provenance(event, extra)
            if record is not None:
                delta = delta | record
                meta = _claiming(meta, record)
            if delta.empty:
                return None
            done = self.store.commit(delta, meta)
        if adds or removes:
            self._triggers.apply(adds, removes)
        return done

    def _provenance(self, event: LoopEvent | None, extra: Delta | None) -> Delta | None:
        """The provenance record of ``event`` (it reads the store as it is before the commit)."""
        if event is None:
            return None
        return self.ports.recorder.record(self.store, event, extra or Delta())

    def _observed(self, obs: Observation) -> Delta:
        if obs.derived:
            self.emit("derived", f"{obs.derived} facts derived, "
                      f"{len(obs.proposals)} action(s) proposed")
        return obs.inferred

    def _commit_overlapped(self, store: OverlappedCommit, asserted: Delta,
                           adds: list[Triple], removes: list[Triple], meta: CommitMeta,
                           event: LoopEvent | None, extra: Delta | None) -> Commit:
        """The same commit (``asserted | inferred | provenance``), with the rule engine's
        update running while the store writes the asserted rows (a large batch: see
        ``LoopConfig.overlap_min``). The provenance is recorded first: it reads the store,
        which the update does not change, and the worker thread must not touch the store."""
        record = self._provenance(event, extra)
        got: list[Observation] = []

        def infer() -> Delta:
            got.append(self.ports.inference.observe(adds, removes, self.now))
            return got[0].inferred

        done = store.commit_while(asserted, infer, _claiming(meta, record), record)
        self._observed(got[0])
        return done

    def triggers(self, goal: Goal) -> list[URIRef]:
        """Firing alerts about anything in ``goal``'s scope: the triggers its plan answers
        (as :func:`~engine.planning._goals.triggers_of` reads them, from memory)."""
        return self._triggers.of(self.scope(goal))

    def known_alerts(self) -> set[URIRef]:
        """The ids in the world as alerts or duplicate alerts (kept in memory, as
        :meth:`triggers`; read-only: it is the loop's own set)."""
        return self._triggers.alerts

    def firing_with(self, fingerprint: str) -> set[URIRef]:
        """Firing alerts of the world with ``fingerprint`` (from memory, as :meth:`triggers`)."""
        return self._triggers.firing_with(fingerprint)

    def save(self, old: Plan | None, new: Plan, message: str, event: LoopEvent | None = None,
             triggers: Iterable[URIRef] = (), extra: Delta | None = None) -> Plan:
        self.plans[new.iri] = new
        self.commit(plan_delta(old, new, triggers), message, event=event, extra=extra)
        return new

    def ingest(self, adds: Sequence[Triple], removes: Sequence[Triple], text: str
               ) -> Commit | None:
        """Events arrive: commit them (with what inference derives) and report it."""
        ev = self.emit("events", text)
        self.ports.actuator.sync(adds, removes)
        return self.commit(Delta.of(adds, removes), f"events: {text}", event=ev)

    def offer(self, adds: Sequence[Triple], removes: Sequence[Triple], text: str) -> None:
        """Queue an event (checked now, committed by :meth:`drain`)."""
        if not set(adds).isdisjoint(removes):
            Delta.of(adds, removes)  # raises, naming the contradicting triple
        self.queue.append((tuple(adds), tuple(removes), text))

    def drain(self, limit: int | None = None) -> Commit | None:
        """Ingest up to ``limit`` (default ``config.max_batch``) queued events as one micro-batch:
        their changes folded in arrival order (a later event wins), one twin sync, one commit
        with one incremental inference update. A lone event costs what :meth:`ingest` does."""
        n = min(len(self.queue), limit or self.config.max_batch)
        if n == 0:
            return None
        adds: set[Triple] = set()
        removes: set[Triple] = set()
        texts = []
        for _ in range(n):
            a, r, text = self.queue.popleft()
            if r:
                adds.difference_update(r)
            if removes:
                removes.difference_update(a)
            adds.update(a)
            removes.update(r)
            texts.append(text)
        text = texts[0] if n == 1 else f"{n} events: {texts[0]} ... {texts[-1]}"
        return self.ingest(list(adds), list(removes), text)

    # -- goals ------------------------------------------------------------
    def goals(self) -> list[Goal]:
        """Open goals, asserting any new ones (from incidents and uncovered proposals)."""
        done = self.done_goals()  # (the goals added or reopened below are not met: it holds)
        new = discover_goals(self.store, list(self.ports.inference.proposals()), self.goal_book,
                             self.scopes, done)
        if new:
            adds: set[Triple] = set()
            for g in new:
                adds |= goal_triples(g)
                self.emit("goal", f"goal {g.kind.value} for {g.target} (from {g.source})",
                          goal=str(g.iri))
            self.commit(Delta.of(adds), f"goals: {len(new)} new")
            self.goal_book.update((g.iri, g) for g in new)
        incidents = open_incidents(self.store)
        self._reopen(incidents)
        reopen_slo(self, done)
        close_gone(self, set(incidents))
        return [g for g in self.goal_book.values() if g.status == "open"]

    def done_goals(self) -> set[URIRef]:
        """Met goals whose problem is over, so a proposal in their scope is a new problem: met
        with no plan (it went away by itself), or by a plan of rules' proposals, whose effect
        counted only once the rule no longer proposed it, or handed back by the person paged
        (its plan ``escalated`` or ``blocked``: nothing was proposed when it was handed back).
        A goal met by a plan that :func:`~._gone.answers_all` still covers its scope."""
        latest: dict[URIRef, Plan] = {}  # one pass over the plans, not one per goal
        for p in self.plans.values():
            if p.goal not in latest or p.attempt > latest[p.goal].attempt:
                latest[p.goal] = p
        fixes = fixes_by_entity(self.plans.values())
        out = set()
        for goal in self.goal_book.values():
            last = latest.get(goal.iri)
            if last is None and goal.status == "met":  # it joined another goal's plan: the
                last = fixes.get(goal.entity)  # entity's last fix (QA pass 12 B3; last_fix)
            if goal.status == "met" and (last is None or not answers_all(last)
                                         or last.state is PlanState.WITHDRAWN  # nothing ran
                                         or handed_over(self, last)):
                out.add(goal.iri)
        return out

    def _reopen(self, incidents: list[URIRef]) -> None:
        """A met incident goal whose incident is open again (see :meth:`since_plan`). Fresh
        alerts are a recurrence: reopen the goal. Late ones belong to the problem its plan
        fixed (or the plan it joined: :func:`~._dedup.last_fix`): resolve them. Alerts a
        page already handed to a person stay as they are.
        A goal closed because its incident was gone, with no plan or with its plan withdrawn
        (nothing of it ran), reopens on any alert, and so does one the person paged handed
        back (its plan escalated or blocked: the loop fixed nothing, so no alert is a late
        alert of its fix). A failed goal stays with the person paged (see ``_gone.hand_back``)."""
        for inc in incidents:
            goal = self.goal_book.get(goal_iri(GoalKind.INCIDENT_RESOLVED, inc))
            if goal is None or goal.status != "met":
                continue
            last = last_fix(self, goal)
            fixed = last is not None and last.state in _ACTED and not handed_over(self, last)
            fresh, late = (self.since_plan(goal, last) if last is not None and fixed
                           else (self.triggers(goal), []))
            if fresh:
                ev = self.emit("goal", f"goal for {goal.entity} reopened: {len(fresh)} new "
                               "alert(s) after it was met", goal=str(goal.iri))
                self.commit(self.set_goal_status(goal, "open"), "goal reopened", event=ev)
            elif late and last is not None:
                self._resolve_late(goal, last, late)

    def _resolve_late(self, goal: Goal, last: Plan, late: list[URIRef]) -> None:
        ev = self.emit("goal", f"goal for {goal.entity}: {len(late)} late alert(s) resolved: "
                       f"they fired before {shorten(last.iri)} fixed their problem (or within "
                       f"{self.config.recurrence_grace_s:g}s after)", goal=str(goal.iri))
        self.commit(alerts_resolved(with_repeats(self.store, late)), "late alerts resolved",
                    event=ev)

    def fresh_triggers(self, goal: Goal, last: Plan) -> list[URIRef]:
        """Firing alerts of ``goal`` that are a recurrence after its plan ``last`` (see
        :meth:`since_plan`)."""
        return self.since_plan(goal, last)[0]

    def since_plan(self, goal: Goal, last: Plan) -> tuple[list[URIRef], list[URIRef]]:
        """``goal``'s firing alerts as (fresh, late) against its plan ``last``.

        - Late: fired before ``last``'s fix took effect (its last action ended), or within
          ``config.recurrence_grace_s`` after (monitoring lags: Alertmanager's resolve
          timeout is 5 minutes): part of the problem it fixed, reported after.
        - Fresh: fired after that, and after anything done under ``last`` since (a page
          about a recurrence hands the alerts it names to a person), or never answered by
          ``last`` with no time to tell by: a recurrence.
        """
        answered = {o for _, _, o in triples(self.store, (last.iri, PROV.wasDerivedFrom, None))}
        fixed, handled_at = handled(self.store, last)
        grace = timedelta(seconds=self.config.recurrence_grace_s)
        start = fixed or last.created
        late_until = start + grace if start is not None else None
        fresh_after = max(late_until, handled_at) if late_until and handled_at else late_until
        fresh: list[URIRef] = []
        late: list[URIRef] = []
        for a in self.triggers(goal):
            at = self._fired_at(a)
            if at is None or late_until is None or fresh_after is None:  # nothing to tell by
                (late if a in answered else fresh).append(a)
            elif at > fresh_after:
                fresh.append(a)
            elif at <= late_until:
                late.append(a)
        return fresh, late

    def _fired_at(self, alert: URIRef) -> datetime | None:
        """When ``alert`` last fired, if it says."""
        return latest_time(self.store, alert, OPS.firedAt, GraphName.ASSERTED)

    def set_goal_status(self, goal: Goal, status: str) -> Delta:
        """Record ``goal``'s new status in the book; the returned delta persists it."""
        self.goal_book[goal.iri] = goal.model_copy(update={"status": status})
        if goal.status == status:
            return Delta()
        return Delta.of(adds=[(goal.iri, OPS.status, Literal(status))],
                        removes=[(goal.iri, OPS.status, Literal(goal.status))])

    def scope(self, goal: Goal) -> frozenset[URIRef]:
        if goal.iri not in self.scopes:
            self.scopes[goal.iri] = goal_scope(self.store, goal)
        return self.scopes[goal.iri]

    def latest_plan(self, goal: URIRef) -> Plan | None:
        """The latest attempt of the plans for ``goal``, if any."""
        return max((p for p in self.plans.values() if p.goal == goal),
                   key=lambda p: p.attempt, default=None)

    def plan_for_goal(self, goal: Goal) -> Plan | None:
        """The active or finished plan answering ``goal``, building one if there is none.

        A goal whose entity already has an active plan joins that plan, and one whose entity's
        plan handed the problem to a person who still has it fails with that plan (dedup: see
        :mod:`._dedup`). A goal handed back by the person paged (:func:`~._gone.handed_over`)
        and open again gets a new attempt, a new run: the steps that failed before are not
        held against it. A goal whose problem the loop does not see gets no plan: a within-SLO
        goal waits for evidence, and an incident goal met meanwhile (a plan it joined met it
        earlier in the same round) is closed by :func:`~._gone.close_gone`.
        """
        latest = self.latest_plan(goal.iri)
        if latest is not None and latest.state not in (PlanState.COMPLETED, PlanState.WITHDRAWN) \
                and not handed_over(self, latest):
            return latest
        attempt = latest.attempt + 1 if latest is not None else 0
        joined = join(self, goal)
        if joined is not None:
            return joined
        if not problem_seen(self, goal):
            return None  # nothing the loop can see is wrong
        proposals = list(self.ports.inference.proposals())
        triggers = self.triggers(goal)
        self.failed.pop(goal.iri, None)  # a new run (see first_attempt)
        plan = build_plan(self.store, goal, proposals, now=self.now, attempt=attempt)
        if plan is None:
            return None
        plan = plan.model_copy(update={"triggers": max(1, len(triggers))})
        steps = ", ".join(f"{s.action.fragment or s.action} {s.target}" for s in plan.steps)
        ev = self.emit("plan", f"plan {plan.iri} for {goal.entity}: {steps} "
                       f"({len(triggers)} trigger(s) joined)", plan, steps=steps,
                       goal=str(goal.iri), triggers=" ".join(map(str, triggers[:_CITED])))
        return self.save(None, plan, f"plan: {shorten(plan.iri)}", ev, triggers)

    def first_attempt(self, plan: Plan) -> int:
        """The attempt that began ``plan``'s run: one past the latest earlier attempt for its
        goal that did not end ``superseded`` (0 if none). Re-plans are counted, and failed
        steps left out, within one run: a goal handed back after ``max_replans`` (or met)
        plans for a later outage with its full budget."""
        ended = [p.attempt for p in self.plans.values() if p.goal == plan.goal
                 and p.attempt < plan.attempt and p.state is not PlanState.SUPERSEDED]
        return max(ended, default=-1) + 1

    def goal_of(self, plan: Plan) -> Goal | None:
        return self.goal_book.get(plan.goal)

    def refresh_steps(self, plan: Plan) -> Plan:
        """Plans read back from the store lack preconditions/effects; add them."""
        steps = []
        for s in plan.steps:
            pre, post = effects(s.action, s.target)
            steps.append(s.model_copy(update={"preconditions": pre, "expects": post}))
        return plan.model_copy(update={"steps": tuple(steps)})


def _claiming(meta: CommitMeta, record: Delta | None) -> CommitMeta:
    """``meta`` guarded by the record numbers ``record`` claims (see
    :func:`engine.provenance.claims`): a concurrent tier1 command that recorded first makes
    this commit a conflict, never a merged record or a decision on a stale view."""
    if record is None:
        return meta
    return meta.model_copy(update={"expect_absent": claims(record)})
