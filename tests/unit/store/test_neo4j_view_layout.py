"""The nodes a first commit creates: the fast paths give what ``literal_props`` lays out.

The commit lays out most literal values without ``literal_props`` (one asserted value per
predicate, each distinct value laid out once). Whatever the mix, the created nodes must
hold exactly the properties ``literal_props`` gives for every (subject, predicate).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, XSD, BNode, Literal, URIRef

from engine.store import CommitMeta, Delta
from engine.store._neo4j_mapping import SHADOW, Namespaces, literal_props, node_uri
from engine.store._neo4j_write import apply_commit
from engine.terms import Quad
from engine.vocab import EX, OPS, GraphName

_KEY = re.compile(r"`([^`]+)`: r\[(\d+)\]")
SUBJECTS = [EX.a, EX.b, EX["c-1"], BNode("x1")]
PREDICATES = [OPS.tier, OPS.name, URIRef("https://other.example/v#p"), RDF.type]
CLASSES = [OPS.Service, OPS.Host, URIRef("https://third.example/c#K")]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)
literals = st.one_of(
    text.map(Literal),
    st.integers(-5, 5).map(Literal),
    st.sampled_from(["01", "x", "7", "-0"]).map(lambda s: Literal(s, datatype=XSD.integer)),
    st.floats(allow_nan=False, width=32).map(Literal),
    st.booleans().map(Literal),
    st.tuples(text, st.sampled_from(["en", "fr"])).map(lambda t: Literal(t[0], lang=t[1])),
    st.sampled_from(["99.9", "1"]).map(lambda s: Literal(s, datatype=XSD.decimal)),
    st.tuples(st.sampled_from(["5", "x", "1e3", "true"]),
              st.sampled_from([XSD.int, XSD.long, XSD.double, XSD.boolean, XSD.dateTime]),
              ).map(lambda t: Literal(t[0], datatype=t[1])),
    st.sampled_from([datetime(2026, 1, 1, 8, tzinfo=UTC), datetime(2026, 1, 1, 8),
                     datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=1)))]).map(Literal),
)
quads = st.tuples(
    st.sampled_from(SUBJECTS), st.sampled_from(PREDICATES),
    st.one_of(literals, literals, st.sampled_from(SUBJECTS), st.sampled_from(CLASSES)),
    st.sampled_from([GraphName.ASSERTED] * 3 + list(GraphName)),
)


class _Capture:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.labels: dict[str, set[str]] = {}
        self.edges: set[tuple[str, str, str, str]] = set()

    def run(self, query: str, params: dict[str, Any] | None = None, **kw: Any) -> _Capture:
        p = {**(params or {}), **kw}
        if "CREATE (n:Resource" in query:
            keys = {int(i): k for k, i in _KEY.findall(query)}
            labels = set(query.split("CREATE (n:")[1].split(" ")[0].split(":"))
            for row in p["rows"]:
                self.nodes[row[0]] = {keys[i]: v for i, v in enumerate(row) if i}
                self.labels[row[0]] = labels
        elif "CREATE (a)-[:" in query:
            rtype = query.split("CREATE (a)-[:")[1].split("]")[0].split(" ")[0]
            self.edges |= {(s, rtype, o, p["g"]) for s, objs in p["rows"] for o in objs}
        return self

    def consume(self) -> None:
        return None


def expected(qs: set[Quad], ns: Namespaces) -> dict[str, dict[str, Any]]:
    groups: dict[tuple[str, str], list[tuple[GraphName, Literal]]] = defaultdict(list)
    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o, g in qs:
        nodes[node_uri(s)] = {}
        if isinstance(o, Literal):
            groups[(node_uri(s), str(p))].append((g, o))
        else:
            nodes[node_uri(o)] = {}
    for (s, p), pairs in groups.items():
        nodes[s].update(literal_props(ns.name(p), pairs, clear=False))
    return nodes


@pytest.mark.filterwarnings("ignore:Parsing weird boolean")  # rdflib, for "x"^^xsd:boolean
@settings(max_examples=300, deadline=None)
@given(st.sets(quads, max_size=25))
def test_created_nodes_hold_literal_props_layout(qs: set[Quad]) -> None:
    tx = _Capture()
    ns = Namespaces()
    apply_commit(tx, Delta.model_construct(adds=frozenset(qs)),  # type: ignore[arg-type]
                 CommitMeta(author="t", message="m"), ns, None)
    want = expected(qs, ns)  # the names the commit allocated
    assert tx.nodes == want
    names = ns
    assert tx.edges == {(node_uri(s), names.name(str(p)), node_uri(o), g.value)
                        for s, p, o, g in qs if not isinstance(o, Literal)}
    assert tx.labels == {uri: {"Resource", *(["BNode"] if uri.startswith("_:") else []),
                               *(names.name(str(o)) for s, p, o, _ in qs
                                 if p == RDF.type and type(o) is URIRef and node_uri(s) == uri)}
                         for uri in want}
    assert sorted(ns.pending) == sorted(set(ns.rows()) - set(Namespaces().rows()))
    for props in tx.nodes.values():  # every inexact value has its term keys beside it
        for k, v in props.items():
            if isinstance(v, datetime):
                assert props[k + SHADOW]
