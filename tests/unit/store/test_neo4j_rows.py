"""A commit's statement rows, built a column at a time, equal the per-statement definitions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import XSD, BNode, Literal, URIRef

from engine.errors import InputError
from engine.store._neo4j_mapping import check_quad, node_uri, quad_hash, term_hash
from engine.store._neo4j_rows import statement_rows
from engine.terms import Quad, encode
from engine.vocab import EX, OPS, GraphName

text = st.text(max_size=6)  # surrogates included: keys are hashed with surrogatepass
iris = st.one_of(st.sampled_from([EX.a, EX["b-1"], OPS.tier, URIRef("urn:x:é")]), text.map(URIRef))
nodes = st.one_of(iris, st.sampled_from([BNode("x1"), BNode("y")]))
objects = st.one_of(
    nodes, text.map(Literal), st.integers().map(Literal),
    st.tuples(text, st.sampled_from(["en", "fr-be"])).map(lambda t: Literal(t[0], lang=t[1])),
    text.map(lambda s: Literal(s, datatype=XSD.decimal)),
    text.map(lambda s: Literal(s, datatype=URIRef("urn:dt"))),
)
quads = st.tuples(nodes, iris, objects, st.sampled_from(list(GraphName)))


def reference(qs: frozenset[Quad]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for q in qs:
        check_quad(q)
        g, s, p, o = q[3].value, node_uri(q[0]), str(q[1]), encode(q[2])
        k = quad_hash(g, s, p, o)
        out[k] = (k, g, s, p, o, term_hash(o))
    return out


@settings(max_examples=300, deadline=None)
@given(st.frozensets(quads, max_size=30))
def test_rows_equal_the_per_statement_definitions(qs: frozenset[Quad]) -> None:
    try:
        want = reference(qs)
    except InputError as exc:
        with pytest.raises(InputError) as got:
            statement_rows(qs)
        assert str(got.value) == str(exc)  # the same first bad quad, the same message
        return
    rows = statement_rows(qs)
    assert {k: tuple(r[:6]) for k, r in rows.items()} == want
    assert all(type(v) is str for r in rows.values() for v in r[:6])  # exact str: packs as is


@pytest.mark.parametrize("bad", [
    (Literal("x"), OPS.tier, Literal(1)), (EX.a, BNode("p"), Literal(1)),
    (URIRef("_:x"), OPS.tier, Literal(1)), (EX.a, URIRef("_:p"), Literal(1)),
])
def test_a_quad_a_property_graph_cannot_hold_is_refused(bad: tuple[object, object, object]) -> None:
    qs = frozenset({(EX.ok, OPS.tier, Literal(2), GraphName.ASSERTED), (*bad, GraphName.ASSERTED)})
    with pytest.raises(InputError):
        statement_rows(qs)  # type: ignore[arg-type]
