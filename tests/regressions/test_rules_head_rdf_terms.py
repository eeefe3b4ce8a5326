"""Regression (QA3 #5): rule heads produced triples that are not RDF.

A literal subject (``"x" ops:likelyCause ?b``) or a literal predicate in a head passed
``rules check`` and ``infer`` committed the triple; a variable predicate bound to a literal
(``?a ?st ?b`` with ``?a ops:status ?st``) did the same at run time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rdflib import BNode, Literal, URIRef

from engine.errors import RuleError
from engine.inference import Reasoner, RuleSet, parse_text
from engine.inference._checks import check_rule
from engine.vocab import EX, OPS

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("head", "says"), [
    ('"x" ops:likelyCause ?b', "a literal cannot be a subject"),
    ('?a "p" ?b', "a literal cannot be a predicate"),
    ("?a 42 ?b", "a literal cannot be a predicate"),
])
def test_check_refuses_literal_subject_or_predicate(head: str, says: str) -> None:
    (rule,) = parse_text(f"rule x.lit\n  version 1\nwhen\n  ?a ops:about ?b\nthen\n  {head}\nend\n",
                         "r.rules")
    with pytest.raises(RuleError, match=rf"^r\.rules:6: rule x\.lit: {says}.*; "):
        check_rule(rule)


def _run(rules: str, facts: list[tuple[object, object, object]]) -> frozenset[tuple[object, ...]]:
    r = Reasoner(RuleSet.of(parse_text(rules)))
    return r.run(facts, now=NOW).inferred  # type: ignore[arg-type]


def test_variable_predicate_bound_to_a_literal_emits_nothing() -> None:
    rules = "rule x.vp\nwhen\n  ?a ops:about ?b\n  ?a ops:status ?st\nthen\n  ?a ?st ?b\nend\n"
    facts = [(EX.alert, OPS.about, EX.svc), (EX.alert, OPS.status, Literal("firing")),
             (EX.alert2, OPS.about, EX.svc), (EX.alert2, OPS.status, EX.firing),
             (EX.alert3, OPS.about, EX.svc), (EX.alert3, OPS.status, BNode("b1"))]
    out = _run(rules, facts)
    assert out == {(EX.alert2, EX.firing, EX.svc)}


def test_variable_subject_bound_from_an_object_skips_literals() -> None:
    rules = "rule x.vs\nwhen\n  ?a ops:name ?n\nthen\n  ?n ops:about ?a\nend\n"
    out = _run(rules, [(EX.a, OPS.name, Literal("a")), (EX.b, OPS.name, URIRef(EX.alias))])
    assert out == {(URIRef(EX.alias), OPS.about, EX.b)}


def test_common_heads_carry_no_runtime_test() -> None:
    rules = ("rule x.plain\nwhen\n  ?a ops:about ?b\n  ?b ops:name ?n\nthen\n"
             "  ?a ops:likelyCause ?b\n  ?b ops:name ?n\nend\n")
    r = Reasoner(RuleSet.of(parse_text(rules)))
    assert all("NODES[" not in u.source for u in r.units)
