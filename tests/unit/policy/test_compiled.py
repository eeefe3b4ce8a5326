"""A root shape with kept constraint components reports what pySHACL's own validate reports."""

from __future__ import annotations

from typing import Any

from pyshacl.pytypes import SHACLExecutor
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph, URIRef

from engine.policy._compiled import CompiledShape
from engine.policy._results import to_results

SHAPES = '''
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/k#> .
ex:Links a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:p ; sh:maxCount 1 ; sh:class ex:C ] ;
  sh:sparql [ sh:message "{$this} links to itself" ;
              sh:select """SELECT $this ?value WHERE {
                  $this <http://example.org/k#p> ?value . FILTER (?value = $this) }""" ] ,
            [ sh:select "SELECT $this WHERE { $this <http://example.org/k#q> ?x . }" ] .
ex:Deep a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:p ; sh:node [ sh:class ex:D ] ] .
ex:Off a sh:NodeShape ; sh:targetClass ex:C ; sh:deactivated true ; sh:class ex:D .
'''
DATA = """
@prefix ex: <http://example.org/k#> .
ex:a a ex:C ; ex:p ex:a .
ex:b a ex:C ; ex:p ex:a , ex:c ; ex:q 1 .
ex:c ex:p ex:c .
"""
K = "http://example.org/k#"


def _keys(raw: list[Any], g: Graph) -> list[tuple[str, ...]]:
    return sorted(r.key() for r in to_results(raw, g))


def test_kept_components_report_like_pyshacl_on_every_call() -> None:
    sg_graph = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    ex = SHACLExecutor()
    sg = ShapesGraph(sg_graph)
    for name in ("Links", "Deep", "Off"):
        shape = next(s for s in sg.shapes if s.node == URIRef(K + name))
        compiled = CompiledShape(shape)
        for names in (["a"], ["b", "c", "a"], ["c"], [], ["b"]):
            focus = [URIRef(K + n) for n in names]
            ours = compiled.validate(ex, data, focus)
            theirs = shape.validate(ex, data, focus=focus)
            assert ours[0] == theirs[0]
            assert _keys(ours[1], sg_graph) == _keys(theirs[1], sg_graph)
        # ex:Off is deactivated: pySHACL's own validate judges it, nothing is kept
        assert (compiled.components is None) == (name == "Off")
        # a leaf sh:property is judged through kept shapes, a nested one by pySHACL
        kept = sorted(props is not None for _c, props in compiled.components or [])
        assert kept == {"Links": [False, True], "Deep": [False], "Off": []}[name]


def test_gate_parses_every_sparql_constraint_at_construction() -> None:
    """Judging (a what-if, a full validation) parses no SPARQL: the gate did it up front,
    property shapes' constraints included; a text pySHACL refuses does not stop the gate."""
    from engine.policy import PolicyGate, ShapeSet, ShapeVersion
    from engine.policy._overlay import prepared_query
    from engine.store import Delta

    extra = '''
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/k#> .
ex:Prop a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:p ; sh:sparql [ sh:select """SELECT $this ?value WHERE {
      $this $PATH ?value . ?value <http://example.org/k#q> 2 . }""" ] ] .
'''
    g = Graph().parse(data=SHAPES + extra, format="turtle")
    shapes = ShapeSet(g, ShapeVersion(hash="0" * 64, version_info="test"), ())
    prepared_query.cache_clear()
    gate = PolicyGate(shapes)
    parsed = prepared_query.cache_info().misses
    assert parsed == 3  # two node-level constraints and the property shape's one
    data = Graph().parse(data=DATA, format="turtle")
    report = gate.validate(data)
    gate.what_if(data, Delta.of(adds=[(URIRef(K + "d"), URIRef(K + "p"), URIRef(K + "d"))]))
    assert not report.conforms
    assert prepared_query.cache_info().misses == parsed
    assert prepared_query.cache_info().hits > 0
