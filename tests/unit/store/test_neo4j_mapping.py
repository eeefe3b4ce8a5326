"""The RDF ⇄ property-graph mapping, without a server: names and literal values round-trip."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import XSD, BNode, Literal, URIRef

from engine.errors import InputError
from engine.store._neo4j_cypher import ident
from engine.store._neo4j_mapping import (
    Namespaces,
    check_quad,
    literal_props,
    node_term,
    node_uri,
    read_literals,
)
from engine.vocab import EX, OPS, GraphName

A, INF, P = GraphName.ASSERTED, GraphName.INFERRED, GraphName.PROVENANCE
HOSTILE_IRIS = [
    str(OPS.dependsOn), "https://x.org/a#b", "urn:x:y", "https://x.org/it's`q`}//x",
    "https://x.org/服务/é", "https://x.org/path/", "https://x.org/a-b.c", "noscheme", "",
    "https://x.org/a__b", "https://x.org/" + "y" * 5000,
]


def test_known_namespaces_give_n10s_names() -> None:
    ns = Namespaces()
    assert ns.name(str(OPS.Service)) == "ops__Service"
    assert ns.name(str(OPS.dependsOn)) == "ops__dependsOn"
    assert ns.name("http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == "rdf__type"
    assert ns.pending == []


@pytest.mark.parametrize("iri", HOSTILE_IRIS)
def test_every_iri_gets_a_safe_reversible_name(iri: str) -> None:
    ns = Namespaces()
    name = ns.name(iri)
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name)
    assert ident(name) == name
    assert ns.iri(name) == iri
    assert Namespaces(ns.pending).iri(name) == iri  # the stored prefix table is enough


def test_rejected_commit_forgets_its_prefixes() -> None:
    ns = Namespaces()
    first = ns.name("https://new.example/a#x")
    ns.reject()
    with pytest.raises(InputError):
        ns.iri(first)
    assert ns.name("https://other.example/b#y") == first.replace("x", "y")  # ns0 reused


@pytest.mark.parametrize("bad", ["a b", "x`y", "A:B", "1abc", "a-b", ""])
def test_ident_refuses_anything_but_plain_names(bad: str) -> None:
    with pytest.raises(ValueError, match="safe Cypher identifier"):
        ident(bad)


def test_blank_nodes_and_iris_stay_apart() -> None:
    assert node_term(node_uri(BNode("b1"))) == BNode("b1")
    assert node_term(node_uri(EX.a)) == EX.a
    with pytest.raises(InputError, match="not an IRI"):
        check_quad((URIRef("_:b1"), OPS.name, Literal("x"), A))
    with pytest.raises(InputError, match="subjects must be IRIs"):
        check_quad((Literal("s"), OPS.name, Literal("x"), A))


def test_single_native_values_are_plain_properties() -> None:
    assert literal_props("ops__tier", [(A, Literal(1))]) == {
        "ops__tier": 1, "ops__tier@rdf": None, "ops__tier@graph": None}
    props = literal_props("ops__name", [(A, Literal("b")), (A, Literal("a"))])
    assert props["ops__name"] == ["a", "b"] and props["ops__name@rdf"] is None


def test_lang_strings_read_like_n10s_and_keep_the_tag() -> None:
    props = literal_props("rdfs__label", [(A, Literal("hello", lang="en"))])
    assert props["rdfs__label"] == "hello@en"
    assert props["rdfs__label@rdf"] is not None


def test_graphs_are_recorded_per_value() -> None:
    props = literal_props("ops__health", [(A, Literal("up")), (INF, Literal("up")), (P, Literal("x"))])
    assert props["ops__health"] == ["up", "x"]
    assert props["ops__health@graph"] == ["asserted,inferred", "provenance"]


def test_removing_every_value_removes_the_keys() -> None:
    assert set(literal_props("ops__tier", []).values()) == {None}


_LITS = st.one_of(
    st.text().map(Literal),
    st.integers(min_value=-(2**70), max_value=2**70).map(Literal),
    st.floats(allow_nan=True, allow_infinity=True).map(Literal),
    st.booleans().map(Literal),
    st.text(max_size=5).map(lambda t: Literal(t, lang="en-GB")),
    st.text(max_size=5).map(lambda t: Literal(t, datatype=XSD.string)),
    st.sampled_from(["1.50", "01", "2026-11-28T09:00:00Z", "2026-11-28T09:00:00+02:00", "x"]).flatmap(
        lambda lex: st.sampled_from([XSD.decimal, XSD.integer, XSD.dateTime, XSD.double]).map(
            lambda dt: Literal(lex, datatype=dt))),
)


@given(st.lists(st.tuples(st.sampled_from(list(GraphName)), _LITS), max_size=6))
def test_literal_values_round_trip_exactly(pairs: list[tuple[GraphName, Literal]]) -> None:
    ns = Namespaces()
    name = ns.name(str(OPS.name))
    props = {k: v for k, v in literal_props(name, pairs).items() if v is not None}
    back = {(lit, g) for _, lit, g in read_literals({"uri": "u", **props}, ns)}
    assert back == {(lit, g) for g, lit in pairs}
    for lit, _ in back:  # same lexical form, language and datatype, not just equal values
        assert any((str(lit), lit.language, lit.datatype) == (str(x), x.language, x.datatype)
                   for _, x in pairs)


def test_statement_and_term_hashes_are_stable() -> None:
    """They are stored (``Stmt.k``, ``Stmt.oh``): a change would orphan every existing store."""
    from engine.store._neo4j_mapping import quad_hash, term_hash

    lone_surrogate = "Lhttp://www.w3.org/2001/XMLSchema#string\x00\x00é \ud800"
    assert quad_hash("asserted", "https://x.org/a", "https://x.org/p", lone_surrogate) == (
        "fbd67faa170bdc53e8aa4901")
    assert term_hash("Uhttps://x.org/b") == "a46a5e4d0f135f3e0c59e512"
