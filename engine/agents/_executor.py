"""Run approved steps through agents: idempotency, timeouts, breakers, compensation.

Every call to :meth:`Executor.execute` ends in exactly one provenance record
and one :class:`Outcome`, whose ``observed`` delta the caller commits to the
ASSERTED graph. By default the record is committed to the PROVENANCE graph right
away, so the idempotency key is durable before the caller moves on; with
``commit_records=False`` (the closed loop) the caller takes it and commits it in
the same commit as the effects, so a crash leaves both or neither.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from engine.agents._base import Agent, World, scope_message
from engine.agents._breaker import BreakerConfig, BreakerState, CircuitBreaker
from engine.agents._model import ActionRequest, Clock, Outcome, OutcomeStatus, SystemClock
from engine.agents._registry import AgentRegistry
from engine.errors import AgentError, ScopeError
from engine.provenance import ProvenanceRecorder, Rationale, StepExecutionRecord, claims
from engine.store import CommitMeta, Delta, GraphStore, triples
from engine.terms import curie
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = ["UNASSIGNED", "Executor", "PlanRun"]

UNASSIGNED = RUN["agent/unassigned"]
"""The agent named on outcomes when no agent could be chosen."""

_FAILED: tuple[OutcomeStatus, ...] = ("failed", "timed_out", "refused")


class PlanRun(BaseModel):
    """What :meth:`Executor.run_plan` did: step outcomes, then compensations (in run order)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    outcomes: tuple[Outcome, ...]
    compensations: tuple[Outcome, ...] = ()
    failed_step: URIRef | None = None

    @property
    def ok(self) -> bool:
        return self.failed_step is None


class Executor:
    """Runs :class:`ActionRequest` s on a world through registered agents.

    Args:
        store: where provenance (and so idempotency keys) is committed.
        world: the adapter actions act on (a :class:`DigitalTwin` by default).
        registry: action type → agent class (default: built-ins plus entry points).
        clock: time for outcomes and breakers (pass the twin's simulated clock).
        breaker: when an agent's circuit breaker opens and for how long.
        author: the commit author of provenance commits.
        recorder: the provenance recorder to use; share the one that records policy
            decisions and approvals into the same store, so chain numbers never collide.
        world_agents: act as the ``ops:SoftwareAgent`` the world model declares for the
            action type (its IRI, its ``ops:canPerform`` × ``ops:scopeService`` scope),
            run by the registered class; without one, the built-in identity is used.
        commit_records: commit each execution's record at once (the default). ``False``
            leaves it to the caller, who takes it with :meth:`take_records` and commits it
            together with the action's effects: a crash between the two can then leave
            neither or both, never a success on record whose effects the world never got
            (the closed loop does this).
    """

    def __init__(
        self, store: GraphStore, world: World, *, registry: AgentRegistry | None = None,
        clock: Clock | None = None, breaker: BreakerConfig | None = None,
        author: str = "tier1-agents", recorder: ProvenanceRecorder | None = None,
        world_agents: bool = False, commit_records: bool = True,
    ) -> None:
        self.store = store
        self.world = world
        self.registry = registry or AgentRegistry()
        self.clock: Clock = clock or SystemClock()
        self.breaker_config = breaker or BreakerConfig()
        self.author = author
        self.world_agents = world_agents
        self.recorder = recorder or ProvenanceRecorder(store)
        self._breakers: dict[URIRef, CircuitBreaker] = {}
        self._done: dict[URIRef, list[tuple[ActionRequest, URIRef, tuple[URIRef, ...]]]] = {}
        self.last_record: URIRef | None = None
        self.commit_records = commit_records
        self._records: list[Delta] = []

    # -- public -------------------------------------------------------------------
    def execute(self, req: ActionRequest, why: Rationale | None = None) -> Outcome:
        """Run one step (once per idempotency key); record and return its outcome."""
        return self._execute(req, why or Rationale(), compensates=None)

    def run_plan(self, steps: Iterable[ActionRequest], why: Rationale | None = None) -> PlanRun:
        """Run steps in order; on the first failure, compensate the succeeded ones (reverse order)."""
        outcomes: list[Outcome] = []
        for req in steps:
            out = self.execute(req, why)
            outcomes.append(out)
            if out.status in _FAILED:
                comps = self.compensate(req.plan, why)
                return PlanRun(outcomes=tuple(outcomes), compensations=comps, failed_step=req.step)
        return PlanRun(outcomes=tuple(outcomes))

    def compensate(self, plan: URIRef, why: Rationale | None = None, *,
                   failed: URIRef | None = None) -> tuple[Outcome, ...]:
        """Undo the succeeded steps of ``plan`` that declare a compensation, last first; not
        step ``failed`` itself (attempts of it that acted without the effect it wanted): a
        compensation undoes the earlier steps a later failure leaves stranded."""
        done = self._done.pop(plan, [])
        out: list[Outcome] = []
        for req, activity, generated in reversed(done):
            if req.compensation is not None and req.step != failed:
                undo = _undoing(req.compensation, generated)
                out.append(self._execute(undo, why or Rationale(), compensates=activity))
        return tuple(out)

    def take_records(self) -> list[Delta]:
        """The records made since the last call, oldest first, not yet committed (only with
        ``commit_records=False``; one per outcome)."""
        out, self._records = self._records, []
        return out

    def breaker_state(self, agent: URIRef) -> BreakerState:
        """The circuit-breaker state of ``agent`` now."""
        return self._breaker(agent).state(self.clock.now())

    def already_succeeded(self, key: str) -> URIRef | None:
        """The step execution that already succeeded with ``key``, if any (read from the store)."""
        prov = GraphName.PROVENANCE
        for act, _, _ in triples(self.store, (None, OPS.idempotencyKey, Literal(key)), graph=prov):
            if any(True for _ in triples(self.store, (act, OPS.status, Literal("succeeded")),
                                         graph=prov)):
                return act  # type: ignore[return-value]
        return None

    def _agent_of(self, record: URIRef) -> URIRef:
        """The agent a record names (``prov:wasAssociatedWith``), else :data:`UNASSIGNED`."""
        agents = triples(self.store, (record, PROV.wasAssociatedWith, None),
                         graph=GraphName.PROVENANCE)
        return next((URIRef(a) for _, _, a in agents if isinstance(a, URIRef)), UNASSIGNED)

    # -- the steps of one execution ----------------------------------------------------
    def _execute(self, req: ActionRequest, why: Rationale, compensates: URIRef | None) -> Outcome:
        now = self.clock.now()
        ctx = _Context(why, compensates, self.world.services_of(req.target))
        previous = self.already_succeeded(req.idempotency_key)
        if previous is not None:
            out = self._quick("skipped_duplicate", self._agent_of(previous),
                              f"{req.describe()} already succeeded as {curie(previous)}; "
                              "not acting twice")
            return self._finish(req, out, ctx)
        try:
            agent = self.registry.create(req.action, self.store, services=ctx.services,
                                         world_agents=self.world_agents)
        except ScopeError as exc:
            return self._finish(req, self._quick("refused", UNASSIGNED, str(exc)), ctx)
        breaker = self._breaker(agent.iri)
        if not breaker.allow(now):
            detail = (f"circuit breaker of {curie(agent.iri)} is open after "
                      f"{breaker.consecutive_failures} failures; it retries at {breaker.retry_at()}")
            return self._finish(req, self._quick("refused", agent.iri, detail), ctx)
        out = self._call(agent, req, ctx.services)
        if out.status != "refused":
            breaker.record(out.status == "succeeded", self.clock.now())
        return self._finish(req, out, ctx)

    def _call(self, agent: Agent, req: ActionRequest, services: frozenset[URIRef]) -> Outcome:
        if not agent.scope.allows_target(req.action, services):
            return self._quick("refused", agent.iri, scope_message(agent.iri, agent.scope, req,
                                                                   services))
        box: dict[str, Outcome | BaseException] = {}

        def run() -> None:
            try:
                box["out"] = agent.execute(req, self.world)
            except BaseException as exc:  # handed back to the calling thread
                box["err"] = exc

        started = self.clock.now()
        if getattr(self.world, "simulated", False):
            run()  # simulated time: the duration check below is the timeout
        else:
            worker = threading.Thread(target=run, name=f"tier1-agent-{curie(req.action)}",
                                      daemon=True)
            worker.start()
            worker.join(req.timeout_s)
            if worker.is_alive():
                return self._timed_out(agent.iri, req, started, "did not return in time")
        out = box.get("out")
        if not isinstance(out, Outcome):
            err = box.get("err")
            return self._from_error(agent.iri, err if isinstance(err, BaseException) else
                                    AgentError(f"{agent!r} returned no outcome"))
        if out.duration_s > req.timeout_s:
            return self._timed_out(agent.iri, req, out.started, out.detail, out.observed)
        return out

    def _timed_out(
        self, agent: URIRef, req: ActionRequest, started: datetime, why: str,
        observed: Delta | None = None,
    ) -> Outcome:
        return Outcome(
            status="timed_out", agent=agent, started=started,
            ended=started + timedelta(seconds=req.timeout_s), observed=observed or Delta(),
            detail=f"{req.describe()} timed out after {req.timeout_s:g} s: {why}",
        )

    def _from_error(self, agent: URIRef, exc: BaseException) -> Outcome:
        if isinstance(exc, ScopeError):
            return self._quick("refused", agent, str(exc))
        if not isinstance(exc, Exception):
            raise exc
        kind = "" if isinstance(exc, AgentError) else f"{type(exc).__name__}: "
        return self._quick("failed", agent, f"{kind}{exc}")

    def _quick(self, status: OutcomeStatus, agent: URIRef, detail: str) -> Outcome:
        now = self.clock.now()
        return Outcome(status=status, detail=detail, agent=agent, started=now, ended=now)

    def _finish(self, req: ActionRequest, out: Outcome, ctx: _Context) -> Outcome:
        generated = _new_entities(out.observed)
        record = self.recorder.step_execution(StepExecutionRecord(
            step=req.step, plan=req.plan, action=req.action, target=req.target,
            target_services=tuple(sorted(ctx.services)), agent=out.agent,
            status=out.status, detail=out.detail, started=out.started, ended=out.ended,
            idempotency_key=req.idempotency_key, generated=generated,
            compensates=ctx.compensates, why=ctx.why,
        ))
        if self.commit_records:
            self.store.commit(record.delta, CommitMeta(  # on the executor's clock, as the
                author=self.author, message=f"prov: {out.status} {req.describe()}",  # loop's
                timestamp=out.ended,  # commits are (the twin's simulated time in a scenario)
                expect_absent=claims(record.delta)))
        else:
            self._records.append(record.delta)
        self.last_record = record.iri
        if out.status == "succeeded" and ctx.compensates is None:
            self._done.setdefault(req.plan, []).append((req, record.iri, generated))
        return out

    def _breaker(self, agent: URIRef) -> CircuitBreaker:
        if agent not in self._breakers:
            self._breakers[agent] = CircuitBreaker(self.breaker_config)
        return self._breakers[agent]


@dataclass(frozen=True)
class _Context:
    """What one execution carries from start to record."""

    why: Rationale
    compensates: URIRef | None
    services: frozenset[URIRef]


def _undoing(compensation: ActionRequest, generated: tuple[URIRef, ...]) -> ActionRequest:
    """``compensation`` told what the step it undoes created (parameter ``undoes``, once per
    entity): a scale-in stops the instance its scale-out started, not any instance."""
    extra = tuple(("undoes", str(e)) for e in generated)
    return compensation.model_copy(update={"params": compensation.params + extra})


def _new_entities(observed: Delta) -> tuple[URIRef, ...]:
    """Entities an action created: subjects given an rdf:type by the observed effects."""
    return tuple(sorted({
        s for s, p, _, _ in observed.adds if p == RDF.type and isinstance(s, URIRef)
    }))
