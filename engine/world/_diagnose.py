"""Best-effort explanation of an inconsistent world.

HermiT only answers *inconsistent*. These checks look, in the merged RDF
graph, for the usual culprits: an individual in two disjoint classes (also
through rdfs:domain/range and rdfs:subClassOf), two different values for a
functional property, a literal outside its property's range, and a
self-edge on an irreflexive property. They are not a proof; they name
where to look first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from engine.terms import curie

__all__ = ["find_suspects"]

_NUMERIC = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.decimal, XSD.nonNegativeInteger,
            XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger}


def find_suspects(graph: Graph, limit: int = 20) -> list[str]:
    """Up to ``limit`` human-readable statements that probably make ``graph`` inconsistent."""
    found = [
        *_disjoint_clashes(graph),
        *_functional_clashes(graph),
        *_literal_clashes(graph),
        *_irreflexive_clashes(graph),
    ]
    return list(dict.fromkeys(found))[:limit]


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        return curie(node)
    if isinstance(node, Literal):
        if node.datatype in _NUMERIC or node.datatype == XSD.boolean:
            return str(node)
        if node.datatype in (None, XSD.string):
            return f'"{node}"' + (f"@{node.language}" if node.language else "")
        return f'"{node}"^^{curie(node.datatype)}'
    return f"_:{node}"


def _members(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if isinstance(head, BNode) else []


def _named_classes(graph: Graph, cls: Node) -> list[URIRef]:
    """``cls`` itself if named, else the named members of an owl:unionOf."""
    if isinstance(cls, URIRef):
        return [cls]
    union = graph.value(cls, OWL.unionOf)
    return [c for c in _members(graph, union) if isinstance(c, URIRef)] if union else []


def _disjoint_pairs(graph: Graph) -> set[frozenset[URIRef]]:
    pairs: set[frozenset[URIRef]] = set()
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        listed = _members(graph, graph.value(group, OWL.members))
        members = [m for m in listed if isinstance(m, URIRef)]
        pairs.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1:])
    for a, b in graph.subject_objects(OWL.disjointWith):
        for x in _named_classes(graph, a):
            pairs.update(frozenset((x, y)) for y in _named_classes(graph, b) if y != x)
    return pairs


def _types(graph: Graph) -> dict[Node, set[URIRef]]:
    """Named types of every node: asserted, from domains and ranges, closed under subClassOf."""
    direct: dict[Node, set[URIRef]] = defaultdict(set)
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(o, URIRef):
            direct[s].add(o)
    for prop, dom in graph.subject_objects(RDFS.domain):
        if isinstance(dom, URIRef):
            for s in graph.subjects(prop, None):
                direct[s].add(dom)
    for prop, rng in graph.subject_objects(RDFS.range):
        if isinstance(rng, URIRef) and (rng, RDF.type, OWL.Class) in graph:
            for o in graph.objects(None, prop):
                direct[o].add(rng)
    return {node: _supers(graph, types) for node, types in direct.items()}


def _supers(graph: Graph, classes: set[URIRef]) -> set[URIRef]:
    out = set(classes)
    for c in classes:
        out.update(s for s in graph.transitive_objects(c, RDFS.subClassOf) if isinstance(s, URIRef))
    return out


def _disjoint_clashes(graph: Graph) -> Iterator[str]:
    pairs = _disjoint_pairs(graph)
    for node, types in _types(graph).items():
        for pair in pairs:
            if pair <= types:
                a, b = sorted(pair)
                yield f"{_show(node)} is both {_show(a)} and {_show(b)}, which are disjoint"


def _different(
    graph: Graph, a: Node, b: Node, types: dict[Node, set[URIRef]],
    pairs: set[frozenset[URIRef]],
) -> bool:
    if (a, OWL.differentFrom, b) in graph or (b, OWL.differentFrom, a) in graph:
        return True
    for group in graph.subjects(RDF.type, OWL.AllDifferent):
        members = _members(graph, graph.value(group, OWL.distinctMembers))
        if a in members and b in members:
            return True
    return any(frozenset((x, y)) in pairs for x in types.get(a, ()) for y in types.get(b, ()))


def _functional_clashes(graph: Graph) -> Iterator[str]:
    types, pairs = _types(graph), _disjoint_pairs(graph)
    for prop in graph.subjects(RDF.type, OWL.FunctionalProperty):
        values: dict[Node, list[Node]] = defaultdict(list)
        for s, o in graph.subject_objects(prop):
            values[s].append(o)
        for s, objs in values.items():
            clash = [(a, b) for i, a in enumerate(objs) for b in objs[i + 1:]
                     if isinstance(a, Literal) or _different(graph, a, b, types, pairs)]
            if clash:
                shown = ", ".join(sorted(_show(o) for o in objs))
                yield f"{_show(s)} has several values for functional {_show(prop)}: {shown}"


def _literal_clashes(graph: Graph) -> Iterator[str]:
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        rng = graph.value(prop, RDFS.range)
        for s, o in graph.subject_objects(prop):
            why = _bad_value(graph, o, rng)
            if why:
                yield f"{_show(s)} {_show(prop)} {_show(o)}: {why}"


def _bad_value(graph: Graph, value: Node, rng: Node | None) -> str | None:
    if not isinstance(value, Literal):
        return "a data property needs a literal value"
    if value.ill_typed:
        return f"not a valid {_show(value.datatype) if value.datatype else 'literal'}"
    if isinstance(rng, URIRef):
        return _bad_datatype(value, rng)
    if rng is None:
        return None
    choices = graph.value(rng, OWL.oneOf)
    if choices is not None:
        allowed = [str(c) for c in _members(graph, choices)]
        return None if str(value) in allowed else f"must be one of {', '.join(allowed)}"
    base = graph.value(rng, OWL.onDatatype)
    return _bad_restricted(graph, value, rng, base) if isinstance(base, URIRef) else None


def _bad_datatype(value: Literal, rng: URIRef) -> str | None:
    dt = value.datatype
    ok = {
        XSD.string: dt in (None, XSD.string) and value.language is None,
        XSD.integer: dt in _NUMERIC and _is_integral(value),
        XSD.decimal: dt in _NUMERIC,
        XSD.dateTime: dt in (XSD.dateTime, XSD.dateTimeStamp),
        XSD.boolean: dt == XSD.boolean,
    }.get(rng, True)
    return None if ok else f"expected {_show(rng)}"


def _is_integral(value: Literal) -> bool:
    v = value.toPython()
    return isinstance(v, int | Decimal) and not isinstance(v, bool) and v == int(v)


def _bad_restricted(graph: Graph, value: Literal, rng: Node, base: URIRef) -> str | None:
    wrong_type = _bad_datatype(value, base)
    if wrong_type:
        return wrong_type
    number = value.toPython()
    for facet in _members(graph, graph.value(rng, OWL.withRestrictions)):
        low, high = graph.value(facet, XSD.minInclusive), graph.value(facet, XSD.maxInclusive)
        if isinstance(low, Literal) and number < low.toPython():
            return f"must be at least {low}"
        if isinstance(high, Literal) and number > high.toPython():
            return f"must be at most {high}"
    return None


def _irreflexive_clashes(graph: Graph) -> Iterator[str]:
    for prop in graph.subjects(RDF.type, OWL.IrreflexiveProperty):
        for s, o in graph.subject_objects(prop):
            if s == o:
                yield f"{_show(s)} {_show(prop)} itself, but {_show(prop)} is irreflexive"
