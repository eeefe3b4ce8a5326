"""Property: what-if validation of a delta == full pySHACL validation of the post-delta world.

For every shape with targets R, with A_R the focus nodes the gate says the delta
can affect: (1) the what-if report is exactly pySHACL's report on the
post-delta world restricted to A_R, and (2) outside A_R nothing changed —
pySHACL reports the same before and after. Together: the what-if report plus
the unaffected part of the old report *is* the full new report.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_reference import only_root, pyshacl_keys, result_key
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from engine.policy import PolicyGate, load_shapes
from engine.store import Delta

EX = Namespace("http://example.org/t#")
SHAPES = Path(__file__).parent / "data" / "property_shapes.ttl"
ROOTS = [str(EX[f"R{i}"]) for i in range(1, 9)]

NODES = [EX[f"n{i}"] for i in range(6)]
CLASSES = [EX.C, EX.D]
LITS = [Literal(i, datatype=XSD.integer) for i in range(1, 4)]


@st.composite
def triples(draw: st.DrawFn) -> tuple[URIRef, URIRef, object]:
    kind = draw(st.sampled_from(["link", "link", "link", "type", "sub", "lit"]))
    s = draw(st.sampled_from(NODES))
    if kind == "link":
        return (s, draw(st.sampled_from([EX.p, EX.q, EX.r])), draw(st.sampled_from(NODES)))
    if kind == "type":
        return (s, RDF.type, draw(st.sampled_from(CLASSES)))
    if kind == "sub":
        return (draw(st.sampled_from(CLASSES)), RDFS.subClassOf, draw(st.sampled_from(CLASSES)))
    return (s, draw(st.sampled_from([EX.v, EX.w])), draw(st.sampled_from(LITS)))


_GATE: list[PolicyGate] = []


def gate() -> PolicyGate:
    if not _GATE:
        _GATE.append(PolicyGate(load_shapes([SHAPES])))
    return _GATE[0]


def _graph(ts: set[tuple[object, object, object]]) -> Graph:
    g = Graph()
    for t in ts:
        g.add(t)  # type: ignore[arg-type]
    return g


_SPLIT: dict[str, Graph] = {}


def _per_root(data: Graph) -> dict[str, set[tuple[str, ...]]]:
    if not _SPLIT:
        _SPLIT.update({r: only_root(gate().shapes.graph, URIRef(r)) for r in ROOTS})
    return {r: pyshacl_keys(data, _SPLIT[r]) for r in ROOTS}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sets(triples(), max_size=25), adds=st.sets(triples(), max_size=4),
       drop=st.sets(st.integers(0, 30), max_size=4))
def test_what_if_equals_full_validation_of_post_world(base: set, adds: set, drop: set) -> None:
    ordered = sorted(base, key=str)
    removes = {ordered[i] for i in drop if i < len(ordered)} - adds
    delta = Delta.of(adds=adds, removes=removes)  # type: ignore[arg-type]
    pre = _graph(base)
    post = _graph((base - removes) | adds)
    g = gate()
    report = g.what_if(pre, delta)
    aff = g.affected(pre, delta)
    before, after = _per_root(pre), _per_root(post)
    expected: set[tuple[str, ...]] = set()
    for r in ROOTS:
        node = URIRef(r)
        scope = None if node in aff.everything else {n.n3() for n in aff.nodes.get(node, ())}
        inside = {k for k in after[r] if scope is None or k[0] in scope}
        expected |= inside
        if scope is not None:
            assert {k for k in after[r] if k[0] not in scope} == \
                {k for k in before[r] if k[0] not in scope}, f"{r} changed outside the affected set"
    assert {result_key(x) for x in report.results} == expected
    assert {result_key(x) for x in g.validate(post).results} == set().union(*after.values())
