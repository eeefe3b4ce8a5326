"""Incremental maintenance equals full recomputation after every random step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from engine.inference import Reasoner, RuleSet, parse_text
from engine.terms import Triple
from engine.vocab import EX
from tests.support.inference import snapshot

RULES = """
rule reach
when
  ?x ex:edge ?y
then
  ?x ex:reach ?y
end

rule reach-trans
when
  ?x ex:edge ?y . ?y ex:reach ?z
then
  ?x ex:reach ?z
end

rule acyclic
when
  ?x a ex:Node
  not { ?x ex:reach ?x }
then
  ?x ex:acyclic true
end

rule hub
  salience 3
when
  ?x a ex:Node
  count ?y where { ?x ex:edge ?y } as ?n
  filter ?n >= 2
then
  new ?h from ?x
  ?h ex:hubOf ?x
  propose ops:ScaleOut ?x fanout=?n
end

rule isolated-acyclic
when
  ?x ex:acyclic true
  not { ?y ex:edge ?x }
then
  ?x ex:root true
end

rule busy
  description "A threshold count: evaluated only up to 3 (engine/inference/_countcap.py)."
when
  ?x a ex:Node
  count ?y where { ?x ex:edge ?y } as ?n
  filter ?n >= 1
  filter ?n != 2
then
  ?x ex:busy true
end

rule quiet
  description "A threshold count keyed on the clock alone, with the constant on the left."
when
  ?x a ex:Node
  count ?y where { ?y ex:at ?u . filter ?u >= now - 5min } as ?k
  filter 2 > ?k
then
  ?x ex:quiet true
end

rule recent
when
  ?x ex:at ?t
  filter ?t >= now - 5min
  count ?y where { ?y ex:at ?u . filter ?u >= now - 5min } as ?k
then
  ?x ex:recent ?k
  propose ops:Page ?x
end
"""

NODES = [EX[f"n{i}"] for i in range(5)]
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TIMES = [Literal((T0 + timedelta(minutes=m)).isoformat(), datatype=XSD.dateTime)
         for m in (0, 3, 6, 9)]

facts = st.one_of(
    st.tuples(st.sampled_from(NODES), st.just(EX.edge), st.sampled_from(NODES)),
    st.tuples(st.sampled_from(NODES), st.just(RDF.type), st.just(EX.Node)),
    st.tuples(st.sampled_from(NODES), st.just(EX.at), st.sampled_from(TIMES)),
)


class IncrementalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ruleset = RuleSet.of(parse_text(RULES))
        self.reasoner = Reasoner(self.ruleset)
        self.base: set[Triple] = set()
        self.now = T0
        self.reasoner.run([], now=self.now)

    @rule(f=facts)
    def add(self, f: Triple) -> None:
        before = snapshot(self.reasoner)
        d = self.reasoner.update([f], [], now=self.now)
        self.base.add(f)
        after = snapshot(self.reasoner)
        assert after[0] == (before[0] - d.removed) | d.added

    @rule(f=facts)
    def remove(self, f: Triple) -> None:
        self.reasoner.update([], [f], now=self.now)
        self.base.discard(f)

    @rule(adds=st.lists(facts, max_size=3), removes=st.lists(facts, max_size=3))
    def batch(self, adds: list[Triple], removes: list[Triple]) -> None:
        adds_set = set(adds) - set(removes)
        self.reasoner.update(adds_set, removes, now=self.now)
        self.base = (self.base - set(removes)) | adds_set

    @rule(minutes=st.integers(min_value=-4, max_value=7))
    def tick(self, minutes: int) -> None:
        self.now = self.now + timedelta(minutes=minutes)
        self.reasoner.update([], [], now=self.now)

    @invariant()
    def incremental_equals_recompute(self) -> None:
        fresh = Reasoner(self.ruleset)
        fresh.run(self.base, now=self.now)
        assert snapshot(self.reasoner) == snapshot(fresh)
        ws = self.reasoner.ws  # the agenda's proposal set is the derived proposals exactly
        assert ws.proposals == {k for k in ws.derived if len(k) == 4}


IncrementalMachine.TestCase.settings = settings(
    max_examples=35, stateful_step_count=20, deadline=None
)
TestIncremental = IncrementalMachine.TestCase


def test_unknown_terms_removed_are_ignored() -> None:
    r = Reasoner(RuleSet.of(parse_text(RULES)))
    r.run([], now=T0)
    d = r.update([], [(URIRef("urn:x"), EX.edge, URIRef("urn:y"))], now=T0)
    assert d.empty


SCHEMA_RULES = """
rule spo
when
  ?p rdfs:subPropertyOf ?q . ?x ?p ?y
then
  ?x ?q ?y
end

rule spo-trans
when
  ?p rdfs:subPropertyOf ?q . ?q rdfs:subPropertyOf ?r
then
  ?p rdfs:subPropertyOf ?r
end

rule sym
when
  ?p a owl:SymmetricProperty . ?x ?p ?y
then
  ?y ?p ?x
end

rule dom
when
  ?p rdfs:domain ?c . ?x ?p ?y
then
  ?x a ?c
end

rule same
when
  ?x owl:sameAs ?y . ?x ?p ?o
  filter !sameterm(?x, ?y)
then
  ?y ?p ?o
end
"""

PROPS = [EX.p, EX.q, EX.r]
schema_facts = st.one_of(
    st.tuples(st.sampled_from(NODES[:3]), st.sampled_from(PROPS), st.sampled_from(NODES[:3])),
    st.tuples(st.sampled_from(PROPS), st.just(URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")),
              st.sampled_from(PROPS)),
    st.tuples(st.sampled_from(PROPS), st.just(RDF.type),
              st.just(URIRef("http://www.w3.org/2002/07/owl#SymmetricProperty"))),
    st.tuples(st.sampled_from(PROPS), st.just(URIRef("http://www.w3.org/2000/01/rdf-schema#domain")),
              st.just(EX.Node)),
    st.tuples(st.sampled_from(NODES[:3]), st.just(URIRef("http://www.w3.org/2002/07/owl#sameAs")),
              st.sampled_from(NODES[:3])),
)


class VariablePredicateMachine(RuleBasedStateMachine):
    """Positive rules with variable predicates (one stratum holding every predicate)."""

    def __init__(self) -> None:
        super().__init__()
        self.ruleset = RuleSet.of(parse_text(SCHEMA_RULES))
        self.reasoner = Reasoner(self.ruleset)
        self.base: set[Triple] = set()
        self.reasoner.run([], now=T0)

    @rule(adds=st.lists(schema_facts, max_size=3), removes=st.lists(schema_facts, max_size=2))
    def step(self, adds: list[Triple], removes: list[Triple]) -> None:
        adds_set = set(adds) - set(removes)
        self.reasoner.update(adds_set, removes, now=T0)
        self.base = (self.base - set(removes)) | adds_set

    @invariant()
    def incremental_equals_recompute(self) -> None:
        fresh = Reasoner(self.ruleset)
        fresh.run(self.base, now=T0)
        assert snapshot(self.reasoner) == snapshot(fresh)


VariablePredicateMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None
)
TestVariablePredicates = VariablePredicateMachine.TestCase
