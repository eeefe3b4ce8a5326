"""The shipped rule pack (rules/ops) maintained incrementally equals recomputation.

Alert-shaped facts in random batches (new alerts with all their facts at once, status
flips, removals, clock moves) exercise what a storm leans on: heads of one rule sharing
one body evaluation, the semi-naive exclusion of delta facts, ``not``/``count`` blocks
with time windows, and keyed re-evaluation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from engine.inference import Reasoner, load_rules
from engine.terms import Triple
from engine.vocab import EX, OPS
from tests.support.inference import snapshot

ROOT = Path(__file__).resolve().parents[3]
RULES = load_rules([ROOT / "rules" / "ops"])
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SVC, DEP = EX["svc"], EX["dep"]
INST = [EX["svc-1"], EX["svc-2"], EX["dep-1"]]
ALERTS = [EX[f"alert-{i}"] for i in range(6)]
ESTATE: list[Triple] = [
    (SVC, RDF.type, OPS.Service), (SVC, OPS.tier, Literal(1)), (SVC, OPS.dependsOn, DEP),
    (SVC, OPS.minHealthyInstances, Literal(2)), (SVC, OPS.maxInstances, Literal(3)),
    (DEP, RDF.type, OPS.DatabaseService), (DEP, OPS.tier, Literal(1)),
    *[(i, RDF.type, OPS.Instance) for i in INST],
    (INST[0], OPS.instanceOf, SVC), (INST[1], OPS.instanceOf, SVC), (INST[2], OPS.instanceOf, DEP),
]


def _at(minutes: int) -> Literal:
    return Literal((T0 + timedelta(minutes=minutes)).isoformat(), datatype=XSD.dateTime)


def alert_facts(a: URIRef, about: URIRef, fp: str, sev: str, status: str, minute: int
                ) -> list[Triple]:
    return [(a, RDF.type, OPS.Alert), (a, OPS.about, about), (a, OPS.fingerprint, Literal(fp)),
            (a, OPS.severity, Literal(sev)), (a, OPS.status, Literal(status)),
            (a, OPS.firedAt, _at(minute))]


alerts = st.builds(
    alert_facts, st.sampled_from(ALERTS), st.sampled_from([*INST, SVC, DEP]),
    st.sampled_from(["fp-a", "fp-b"]), st.sampled_from(["critical", "warning"]),
    st.sampled_from(["firing", "firing", "resolved"]), st.integers(min_value=0, max_value=12))
health = st.tuples(st.sampled_from(INST), st.just(OPS.health),
                   st.sampled_from([Literal("healthy"), Literal("crashed")]))


class OpsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.reasoner = Reasoner(RULES)
        self.base: set[Triple] = set(ESTATE)
        self.now = T0
        self.reasoner.run(self.base, now=self.now)

    def _apply(self, adds: set[Triple], removes: set[Triple]) -> None:
        adds -= removes
        self.reasoner.update(adds, removes, now=self.now)
        self.base = (self.base - removes) | adds

    @rule(batch=st.lists(alerts, min_size=1, max_size=4), flips=st.lists(health, max_size=2))
    def arrive(self, batch: list[list[Triple]], flips: list[Triple]) -> None:
        self._apply({t for a in batch for t in a} | set(flips), set())

    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        alert_facts_now = sorted(t for t in self.base if t[0] in ALERTS)
        if alert_facts_now:
            gone = data.draw(st.lists(st.sampled_from(alert_facts_now), max_size=4))
            self._apply(set(), set(gone))

    @rule(data=st.data(), batch=st.lists(alerts, max_size=2), flips=st.lists(health, max_size=2))
    def churn(self, data: st.DataObject, batch: list[list[Triple]], flips: list[Triple]) -> None:
        """Removals and additions in one update (an alert resolved as others arrive)."""
        present = sorted(t for t in self.base if t[0] in ALERTS or t[1] == OPS.health)
        gone = data.draw(st.lists(st.sampled_from(present), max_size=3)) if present else []
        self._apply({t for a in batch for t in a} | set(flips), set(gone))

    @rule(minutes=st.integers(min_value=-3, max_value=9))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self._apply(set(), set())

    @invariant()
    def incremental_equals_recompute(self) -> None:
        fresh = Reasoner(RULES)
        fresh.run(self.base, now=self.now)
        assert snapshot(self.reasoner) == snapshot(fresh)


OpsMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None)
TestOpsIncremental = OpsMachine.TestCase
