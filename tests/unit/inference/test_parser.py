"""The rule language: parsing into frozen models and the errors that name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from engine.errors import ParseError, RuleError
from engine.inference import load_rules, parse_text
from engine.inference._model import Atom, Count, Filter, Mint, Not, Propose, TripleHead, Var
from engine.vocab import OPS

GOOD = """
prefix ex: <https://example.org/estate/>
rule degraded
  version 3
  salience 10
  description "a service with too few healthy instances"
when
  ?svc a ops:Service
  ?svc ops:minHealthyInstances ?min
  count ?i where { ?i ops:instanceOf ?svc . ?i ops:health "healthy" } as ?n
  filter ?n < ?min && regex(?name, "^check")
  ?svc ops:name ?name
  not { ?svc ops:status "frozen"@en }
then
  new ?inc named incident from ?svc
  ?inc ops:affects ?svc
  propose ops:ScaleOut ?svc healthy=?n note="x"
end
"""


def test_good_rule_parses_to_frozen_model() -> None:
    (rule,) = parse_text(GOOD, "good.rules")
    assert (rule.id, rule.version, rule.salience) == ("degraded", "3", 10)
    assert rule.description.startswith("a service")
    assert rule.where == "good.rules:3"
    first = rule.body[0]
    assert isinstance(first, Atom) and first.p == RDF.type and first.o == OPS.Service
    assert isinstance(rule.body[2], Count) and rule.body[2].result == Var(name="n")
    assert isinstance(rule.body[3], Filter)
    neg = rule.body[5]
    assert isinstance(neg, Not) and isinstance(neg.body[0], Atom)
    assert neg.body[0].o == Literal("frozen", lang="en")
    assert rule.mints == (Mint(var=Var(name="inc"), keys=(Var(name="svc"),), line=15,
                               name="incident"),)
    assert isinstance(rule.heads[0], TripleHead)
    prop = rule.heads[1]
    assert isinstance(prop, Propose) and prop.action == OPS.ScaleOut
    assert prop.params == (("healthy", Var(name="n")), ("note", Literal("x")))
    with pytest.raises(ValidationError):
        rule.id = "other"  # type: ignore[misc]


def test_literals_numbers_durations() -> None:
    (rule,) = parse_text('rule r\nwhen\n ?x ex:p 3 . ?x ex:q 2.5 . ?x ex:r "a"^^xsd:string\n'
                         ' filter ?x != 5min\nthen\n ?x ex:s true\nend\n')
    atoms = [a for a in rule.body if isinstance(a, Atom)]
    assert atoms[0].o == Literal("3", datatype=XSD.integer)
    assert atoms[1].o == Literal("2.5", datatype=XSD.decimal)
    assert atoms[2].o == Literal("a", datatype=XSD.string)
    head = rule.heads[0]
    assert isinstance(head, TripleHead) and head.o == Literal("true", datatype=XSD.boolean)


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("rule r\nwhen\n  ?x foo:bar ?y\nthen\n  ?x ex:p ?y\nend\n", 3, "unknown prefix 'foo:'"),
    ("rule r\nwhen\n  ?x ex:p ?y\nthen\n  ?x ex:p\nend\n", 5, "a triple needs a subject"),
    ("rule r\nwhen\n  ?x ex:p ?y\n  filter ?y > \nthen\n  ?x ex:p ?y\nend\n", 4, "expected an expression"),
    ("rule r\nwhen\n  filter nope(?x)\nthen\n  ?x ex:p ?y\nend\n", 3, "unknown function"),
    ("rule r\n  colour 3\nwhen\n  ?x ex:p ?y\nthen\n ?x ex:p ?y\nend\n", 2, "expected 'when'"),
    ("rule r\nwhen\n  ?x ex:p ?y\nthen\nend\n", 5, "needs a head"),
    ("rule r\nwhen\n  ?x ex:p ?y\nthen\n ?x ex:q ?y\nend\n"
     "rule r\nwhen\n ?x ex:p ?y\nthen\n ?x ex:q ?y\nend\n", 7, "already defined"),
    ("rule r\nwhen\n  count where { ?a ex:p ?b } as ?n\nthen\n ?a ex:q ?n\nend\n", 3, "counted variables"),
    ("rule r\nwhen\n  ?x ex:p ?y $\nthen\n ?x ex:q ?y\nend\n", 3, "unexpected character"),
    ("rule r\nwhen\n  ?x ex:p ?y\n  not { ?x ex:q 1\nthen\n ?x ex:q ?y\nend\n", 5,
     "the '{' opened at line 4 is never closed; add '}' before 'then'"),
    ("rule r\nwhen\n  ?x ex:p ?y\n  fliter ?y > 3\nthen\n ?x ex:q ?y\nend\n", 4,
     "did you mean 'filter'?"),
])
def test_parse_errors_name_file_line_and_rule(text: str, line: int, needle: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_text(text, "bad.rules")
    assert exc.value.source == "bad.rules" and exc.value.line == line
    assert needle in str(exc.value)
    assert str(exc.value).startswith(f"bad.rules:{line}")


@pytest.mark.parametrize(("body", "head", "needle"), [
    ("?x ex:p ?y", "?x ex:q ?z", "unbound head variable ?z"),
    ("?x ex:p ?y\n  not { ?x ex:q ?z }", "?x ex:r ?z", "unsafe negation: head uses ?z"),
    ("?x ex:p ?y\n  filter ?w > 3", "?x ex:r ?y", "filter uses unbound ?w"),
    ("?x ex:p ?y\n  not { ?x ex:q ?z . filter ?v > 1 }", "?x ex:r ?y", "unsafe negation: ?v"),
    ("?x ex:p ?y\n  count ?q where { ?x ex:q ?z } as ?n", "?x ex:r ?n", "count ?q does not occur"),
])
def test_safety_errors(tmp_path: Path, body: str, head: str, needle: str) -> None:
    f = tmp_path / "unsafe.rules"
    f.write_text(f"rule bad-one\nwhen\n  {body}\nthen\n  {head}\nend\n")
    with pytest.raises(RuleError) as exc:
        load_rules([f])
    msg = str(exc.value)
    assert needle in msg and "rule bad-one" in msg and f"{f}:" in msg


def test_negation_through_recursion_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "loop.rules"
    f.write_text("rule a\nwhen\n  ?x ex:p ?y\n  not { ?y ex:q ?x }\nthen\n  ?x ex:r ?y\nend\n"
                 "rule b\nwhen\n  ?x ex:r ?y\nthen\n  ?y ex:q ?x\nend\n")
    with pytest.raises(RuleError) as exc:
        load_rules([f])
    assert f"{f}:4" in str(exc.value) and "not stratifiable" in str(exc.value)
    assert "rule a" in str(exc.value)


def test_object_refined_nodes_allow_counting_one_value_and_deriving_another(tmp_path: Path) -> None:
    f = tmp_path / "ok.rules"
    f.write_text('rule d\nwhen\n  ?s ex:min ?m\n  count ?i where { ?i ex:of ?s . ?i ex:health "ok" }'
                 ' as ?n\n  filter ?n < ?m\nthen\n  ?s ex:health "bad"\nend\n')
    assert len(load_rules([f]).rules) == 1


def test_load_rules_directory_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_text("rule a\nwhen\n ?x ex:p ?y\nthen\n ?x ex:q ?y\nend\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.rules").write_text("rule b\nwhen\n ?x ex:q ?y\nthen\n ?x ex:r ?y\nend\n")
    rs = load_rules([tmp_path])
    assert [r.id for r in rs.rules] == ["a", "b"]
    assert rs.version == load_rules([tmp_path]).version
    (tmp_path / "a.rules").write_text("rule a\n version 2\nwhen\n ?x ex:p ?y\nthen\n ?x ex:q ?y\nend\n")
    assert load_rules([tmp_path]).version != rs.version
    with pytest.raises(Exception, match="no such rules file"):
        load_rules([tmp_path / "nope"])


def test_bundled_packs_load() -> None:
    root = Path(__file__).resolve().parents[3] / "rules"
    for pack in ("ops", "rdfs", "owl2rl"):
        assert load_rules([root / pack]).rules
    assert URIRef  # keep import used
