"""Small, real implementations of the loop's inference and gate seams for unit tests.

The rule engine and SHACL gate have their own suites; here the loop's logic is
under test, so the seams get a few hand-written rules and policies that are
easy to reason about. Agents, the digital twin and provenance are the real ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Literal, URIRef

from engine.agents import DigitalTwin, Executor, FaultSpec, SimClock
from engine.planning import Decision, Loop, LoopConfig, Observation, Plan, Ports, Verdict
from engine.planning._wiring import ChainRecorder, ProvContext, TwinActuator
from engine.provenance import ProvenanceRecorder
from engine.store import CommitMeta, Delta, GraphStore, MemoryStore, triples
from engine.terms import Triple
from engine.vocab import EX, OPS, RUN, GraphName

REPO = Path(__file__).resolve().parents[3]
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Prop:
    """A proposal, shaped like ``engine.inference.Proposal``."""

    def __init__(self, rule: str, action: URIRef, target: URIRef, salience: int) -> None:
        self.id = f"{rule}:{target}"
        self.rule_id, self.rule_version = rule, "1"
        self.action, self.target, self.params, self.salience = action, target, (), salience


class LiteInference:
    """Three rules, recomputed from scratch: crashed → Restart, disk > 90 → ClearDisk,
    a firing critical alert on a tier-1 service (or its instance) → one incident per service."""

    def __init__(self, store: GraphStore) -> None:
        self.g = rdflib.Graph()
        for t in triples(store, graph=GraphName.ASSERTED):
            self.g.add(t)
        self.inferred: set[Triple] = set()
        self._props: list[Prop] = []
        self.calls = 0

    def initial(self) -> Delta:
        return self.observe([], [], START).inferred

    def observe(self, adds: Sequence[Triple], removes: Sequence[Triple], now: datetime
                ) -> Observation:
        self.calls += 1
        for t in removes:
            self.g.remove(t)
        for t in adds:
            self.g.add(t)
        new, self._props = self._derive()
        plus, minus = new - self.inferred, self.inferred - new
        self.inferred = new
        return Observation(inferred=Delta.of(plus, minus, GraphName.INFERRED),
                           proposals=tuple(self._props), derived=len(plus))

    def _derive(self) -> tuple[set[Triple], list[Prop]]:
        g, out, props = self.g, set(), []
        for i in g.subjects(OPS.health, Literal("crashed")):
            props.append(Prop("restart-crashed", OPS.Restart, i, 50))
        for h, _, d in g.triples((None, OPS.diskUsedPercent, None)):
            if float(d) > 90:
                props.append(Prop("clear-full-disk", OPS.ClearDisk, h, 40))
        for a in g.subjects(OPS.status, Literal("firing")):
            about = g.value(a, OPS.about)
            svc = g.value(about, OPS.instanceOf) or about
            if g.value(a, OPS.severity) == Literal("critical") and int(g.value(svc, OPS.tier) or 3) == 1:
                inc = RUN[f"incident/{hashlib.sha256(str(svc).encode()).hexdigest()[:12]}"]
                out |= {(inc, RDF.type, OPS.Incident), (inc, OPS.affects, svc),
                        (inc, OPS.status, Literal("open"))}
        return out, props

    def proposals(self) -> Sequence[Prop]:
        return self._props


class LiteGate:
    """Two policies: nothing may change a frozen service (Violation); a Failover needs
    an approval (Warning until the plan carries one)."""

    def __init__(self) -> None:
        self.checked: list[URIRef] = []

    def check(self, store: GraphStore, plan: Plan, delta: Delta, now: datetime, *,
              record: bool = True) -> Verdict:
        if record:
            self.checked.append(plan.iri)
        frozen = {s for _, _, s in triples(store, (None, OPS.freezes, None))}
        for step in plan.steps:
            svc = next((s for _, _, s in triples(store, (step.target, OPS.instanceOf, None))),
                       step.target)
            if svc in frozen:
                return Verdict(decision=Decision.BLOCK, reasons=(f"{svc} is in a change freeze",),
                               shapes=("FreezeShape",), shape_version="lite-1")
        if any(s.action == OPS.Failover for s in plan.steps) and plan.approver is None:
            return Verdict(decision=Decision.NEEDS_APPROVAL, reasons=("failover needs approval",),
                           shapes=("FailoverApproval",), shape_version="lite-1",
                           asks_approval=True)
        return Verdict(decision=Decision.ALLOW, shape_version="lite-1")


def estate(store: GraphStore, sparql: str = "") -> None:
    """The sample estate, calmed, plus ``sparql``, committed at START."""
    from engine.world import parse_file

    g = rdflib.Graph()
    for t in parse_file(REPO / "ontology" / "examples" / "estate.ttl"):
        g.add(t)
    from engine.vocab import PREFIXES

    g.update((REPO / "scenarios" / "calm.ru").read_text(), initNs=PREFIXES)
    if sparql:
        g.update(sparql, initNs=PREFIXES)
    store.commit(Delta.of(list(g)), CommitMeta(author="test", message="estate", timestamp=START))


MakeLoop = Callable[..., Loop]


@pytest.fixture
def store() -> Iterator[GraphStore]:
    s = MemoryStore()
    yield s
    s.close()


@pytest.fixture
def make_loop() -> MakeLoop:
    """``make_loop(store, faults=..., config=...)``: a loop over the lite seams and real agents."""

    def make(store: GraphStore, *, faults: Sequence[FaultSpec] = (),
             config: LoopConfig | None = None, now: datetime = START) -> Loop:
        inference = LiteInference(store)
        init = inference.initial()
        if not init.empty:
            store.commit(init, CommitMeta(author="test", message="inferred", timestamp=now))
        ctx = ProvContext(recorder=ProvenanceRecorder(store))
        clock = SimClock(now)
        twin = DigitalTwin.from_store(store, faults=faults, clock=clock)
        ports = Ports(inference=inference, gate=LiteGate(),
                      actuator=TwinActuator(Executor(store, twin, clock=clock, recorder=ctx.recorder,
                                                     commit_records=False),
                                            twin, clock, ctx),
                      recorder=ChainRecorder(ctx))
        return Loop(store, ports, now=now, config=config)

    return make


def alert(about: URIRef, n: int = 1, name: str = "a") -> list[Triple]:
    out: list[Triple] = []
    for i in range(n):
        a = EX[f"alert-{name}-{i}"]
        out += [(a, RDF.type, OPS.Alert), (a, OPS.about, about), (a, OPS.severity, Literal("critical")),
                (a, OPS.status, Literal("firing")), (a, OPS.fingerprint, Literal(name))]
    return out
