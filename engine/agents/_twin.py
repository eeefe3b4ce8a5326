"""The digital twin: a simulated estate, built from the world model, where actions have effects.

The twin keeps its own copy of the parts of the world it simulates (instances,
hosts, services, changes) and never writes the store: every effect comes back
as a :class:`Delta` on the ASSERTED graph for the loop to commit. Time is
simulated: ``now`` is passed in, and effects that take time (a restart healing)
mature when :meth:`DigitalTwin.advance` reaches them. Runs are deterministic
for a given seed and fault list.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as Lit
from rdflib.namespace import RDF

from engine.agents._base import Effect
from engine.agents._effects import EFFECTS, EffectContext, Scheduled, Writes
from engine.agents._model import ActionRequest, Clock, SimClock
from engine.store import Delta, GraphStore
from engine.terms import Triple, curie
from engine.vocab import OPS, GraphName

__all__ = ["DigitalTwin", "FaultSpec", "TwinConfig"]

FaultKind = Literal["fail", "timeout", "partial"]

_LOADED = (
    RDF.type, OPS.instanceOf, OPS.runsOn, OPS.health, OPS.diskUsedPercent, OPS.status,
    OPS.version, OPS.previousVersion, OPS.changes, OPS.changedAt, OPS.restartCount,
    OPS.maxInstances,
)


class FaultSpec(BaseModel):
    """A fault to inject: matching actions fail, time out, or heal only partly.

    Args:
        kind: ``fail`` (the action errors, no effect), ``timeout`` (it never answers
            in time, no effect) or ``partial`` (it works, but heals only partly).
        action: only this action type (default: any).
        target: only this target (default: any).
        times: how many matching actions it hits (``None``: every one).
        probability: chance it hits a matching action (drawn from the twin's seed).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    kind: FaultKind
    action: URIRef | None = None
    target: URIRef | None = None
    times: int | None = Field(default=1, ge=1)
    probability: float = Field(default=1.0, ge=0.0, le=1.0)

    def matches(self, req: ActionRequest) -> bool:
        return (self.action is None or self.action == req.action) and (
            self.target is None or self.target == req.target
        )


class TwinConfig(BaseModel):
    """Tunables of the simulation (all times in simulated seconds)."""

    model_config = ConfigDict(frozen=True)

    seed: int = 0
    action_duration_s: float = Field(default=2.0, ge=0)
    restart_delay_s: float = Field(default=30.0, ge=0)
    clear_disk_to: float = Field(default=40.0, ge=0, le=100)
    partial_fraction: float = Field(default=0.25, ge=0, le=1)


@dataclass
class _Armed:
    spec: FaultSpec
    left: int | None


class DigitalTwin:
    """A simulated world: the default adapter agents act on.

    Args:
        world: the triples to simulate (see :meth:`from_store`).
        faults: faults to inject, in order of precedence.
        config: simulation tunables and the seed.
        clock: the simulated clock :meth:`now` reads (default: a new :class:`SimClock`).
    """

    simulated = True
    """Actions return at once and report a simulated duration: the executor runs them
    inline and applies timeouts to that duration instead of guarding with a thread."""

    def __init__(
        self, world: Iterable[Triple] = (), *, faults: Iterable[FaultSpec] = (),
        config: TwinConfig | None = None, clock: Clock | None = None,
    ) -> None:
        self.config = config or TwinConfig()
        self.clock: Clock = clock or SimClock()
        self.graph = Graph()
        for t in world:
            self.graph.add(t)
        self._faults = [_Armed(f, f.times) for f in faults]
        self._rng = random.Random(self.config.seed)
        self._pending: list[Scheduled] = []

    @classmethod
    def from_store(
        cls, store: GraphStore, *, faults: Iterable[FaultSpec] = (),
        config: TwinConfig | None = None, clock: Clock | None = None, at: int | None = None,
    ) -> DigitalTwin:
        """A twin of the asserted world in ``store`` (now, or as of commit ``at``)."""
        world: list[Triple] = [
            (s, pred, o)
            for p in _LOADED
            for s, pred, o, _ in store.quads((None, p, None), graphs=(GraphName.ASSERTED,), at=at)
        ]
        return cls(world, faults=faults, config=config, clock=clock)

    # -- the World protocol ------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def services_of(self, target: URIRef) -> frozenset[URIRef]:
        g = self.graph
        if (target, RDF.type, OPS.Service) in g or (target, RDF.type, OPS.DatabaseService) in g:
            return frozenset({target})
        for p in (OPS.instanceOf, OPS.changes):
            svc = g.value(target, p)
            if isinstance(svc, URIRef):
                return frozenset({svc})
        return frozenset(
            o for i in g.subjects(OPS.runsOn, target) for o in g.objects(i, OPS.instanceOf)
            if isinstance(o, URIRef)
        )

    def perform(self, req: ActionRequest, now: datetime) -> Effect:
        """Carry out ``req``: apply injected faults, then the action's simulated effect."""
        fault = self._fault_for(req)
        if fault == "fail":
            return Effect(ok=False, detail=f"injected failure: {req.describe()} failed",
                          duration_s=self.config.action_duration_s)
        if fault == "timeout":
            return Effect(ok=False, detail=f"injected timeout: {req.describe()} never answered",
                          duration_s=req.timeout_s * 2 + 1)
        run = EFFECTS.get(req.action)
        if run is None:
            return Effect(ok=False, detail=f"the twin cannot simulate {curie(req.action)}")
        ctx = EffectContext(self.graph, req, now, self.config, partial=fault == "partial")
        writes = run(ctx)
        if writes.error is not None:
            return Effect(ok=False, detail=writes.error, duration_s=self.config.action_duration_s)
        self._pending.extend(writes.later)
        return Effect(ok=True, detail=writes.detail, delta=self._apply(writes),
                      duration_s=self.config.action_duration_s)

    # -- simulated time ------------------------------------------------------
    def advance(self, now: datetime) -> Delta:
        """Effects that mature by ``now`` (a restart healing), applied to the twin."""
        due = [s for s in self._pending if s.at <= now]
        self._pending = [s for s in self._pending if s.at > now]
        out = Delta()
        for s in sorted(due, key=lambda s: s.at):
            out = out | self._apply(s.writes)
        return out

    def pending(self) -> tuple[Scheduled, ...]:
        """Effects scheduled but not yet matured, earliest first."""
        return tuple(sorted(self._pending, key=lambda s: s.at))

    def next_due(self) -> datetime | None:
        return min((s.at for s in self._pending), default=None)

    def inject(self, fault: FaultSpec) -> None:
        """Add a fault (it takes precedence after the ones already armed)."""
        self._faults.append(_Armed(fault, fault.times))

    def health(self, instance: URIRef) -> str:
        """The simulated health of ``instance`` ("unknown" if never reported)."""
        v = self.graph.value(instance, OPS.health)
        return str(v) if v is not None else "unknown"

    # -- internals -----------------------------------------------------------
    def _fault_for(self, req: ActionRequest) -> FaultKind | None:
        for armed in self._faults:
            if armed.left == 0 or not armed.spec.matches(req):
                continue
            if armed.spec.probability < 1.0 and self._rng.random() >= armed.spec.probability:
                continue
            if armed.left is not None:
                armed.left -= 1
            return armed.spec.kind
        return None

    def _apply(self, writes: Writes) -> Delta:
        """Apply ``writes`` to the twin's graph; the net change, as a delta."""
        adds: set[Triple] = set()
        removes: set[Triple] = set()

        def drop(t: Triple) -> None:
            self.graph.remove(t)
            if t in adds:
                adds.discard(t)
            else:
                removes.add(t)

        def put(t: Triple) -> None:
            if t in self.graph:
                return
            self.graph.add(t)
            if t in removes:
                removes.discard(t)
            else:
                adds.add(t)

        for t in writes.removes:
            if t in self.graph:
                drop(t)
        for s, p, o in writes.sets:
            for old in list(self.graph.objects(s, p)):
                if old != o and isinstance(old, URIRef | Lit | BNode):
                    drop((s, p, old))
            put((s, p, o))
        for t in writes.adds:
            put(t)
        return Delta.of(adds, removes, GraphName.ASSERTED)
