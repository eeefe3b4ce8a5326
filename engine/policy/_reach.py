"""Which data a shape reads, compiled to a small automaton over the graph.

Each shape gets a *context state* (a node being validated against it). Path
steps become labelled edges (``fwd p`` / ``inv p``), nested shapes
(``sh:node``, ``sh:property``, logical and qualified shapes) become epsilon
edges into their context state, ``sh:class`` and class targets read
``rdf:type`` and then ``rdfs:subClassOf`` upwards, ``sh:closed`` reads every
predicate. :mod:`engine.policy._affected` walks this automaton backwards from
the changed triples to find the focus nodes a delta can affect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from engine.policy._lint import SH

__all__ = ["Automaton", "Edge", "compile_shapes", "target_classes"]

_NESTED = (SH.node, SH["not"], SH.qualifiedValueShape)
_LISTS = (SH["and"], SH["or"], SH.xone)
_PAIRS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)


@dataclass(frozen=True)
class Edge:
    """At a node in ``src``, follow ``pred`` (any predicate if ``None``) out of it,
    or into it when ``inverse``, to a node in ``dst``. ``const`` is the only node
    the far end may be (SPARQL constants)."""

    src: int
    dst: int
    pred: URIRef | None
    inverse: bool
    const: Node | None = None


@dataclass
class Automaton:
    """States are ints; ``context[shape]`` is the state of nodes validated against it."""

    size: int = 1  # state 0 is the sink: reads nothing further
    edges: list[Edge] = field(default_factory=list)
    eps: list[tuple[int, int]] = field(default_factory=list)
    context: dict[Node, int] = field(default_factory=dict)
    anchor_of: dict[int, int] = field(default_factory=dict)  # SPARQL state -> its shape's state
    ground: dict[tuple[Node, Node, Node], set[int]] = field(default_factory=dict)  # -> anchors
    always_global: set[int] = field(default_factory=set)  # anchors of unanalysable SPARQL

    def new(self) -> int:
        self.size += 1
        return self.size - 1

    def edge(self, src: int, dst: int, pred: URIRef | None, inverse: bool = False,
             const: Node | None = None) -> None:
        self.edges.append(Edge(src, dst, pred, inverse, const))

    def reads_types(self, state: int) -> None:
        """``state`` reads rdf:type, then rdfs:subClassOf upwards (sh:class, targets)."""
        t = self.new()
        self.edge(state, t, RDF.type)
        self.edge(t, t, RDFS.subClassOf)


def target_classes(g: Graph, shape: Node) -> set[Node]:
    """``sh:targetClass`` values plus the shape itself when it is also a class."""
    out: set[Node] = set(g.objects(shape, SH.targetClass))
    classes = {RDFS.Class, OWL.Class, *g.subjects(RDFS.subClassOf, RDFS.Class)}
    if any(t in classes for t in g.objects(shape, RDF.type)):
        out.add(shape)
    return out


def compile_shapes(g: Graph, shapes: list[Node]) -> Automaton:
    """The read automaton of ``shapes`` and every shape they reach."""
    auto = Automaton()
    for s in shapes:
        _Compiler(g, auto).shape(s)
    return auto


class _Compiler:
    def __init__(self, g: Graph, auto: Automaton) -> None:
        self.g = g
        self.a = auto

    def shape(self, s: Node) -> int:
        if s in self.a.context:
            return self.a.context[s]
        q = self.a.context[s] = self.a.new()
        self._targets(s, q)
        path = self.g.value(s, SH.path)
        v = self.path(q, path, False) if path is not None else q
        self._value_reads(s, v)
        for p2 in (o for pr in _PAIRS for o in self.g.objects(s, pr)):
            if isinstance(p2, URIRef):
                self.a.edge(q, 0, p2)
        for c in self.g.objects(s, SH.sparql):
            from engine.policy._sparql_reach import compile_sparql

            compile_sparql(self.g, self.a, c, q)
        return q

    def _targets(self, s: Node, q: int) -> None:
        if target_classes(self.g, s):
            self.a.reads_types(q)
        for p in self.g.objects(s, SH.targetSubjectsOf):
            self.a.edge(q, 0, p if isinstance(p, URIRef) else None)
        for p in self.g.objects(s, SH.targetObjectsOf):
            self.a.edge(q, 0, p if isinstance(p, URIRef) else None, inverse=True)

    def _value_reads(self, s: Node, v: int) -> None:
        g, a = self.g, self.a
        if any(True for _ in g.objects(s, SH["class"])):
            a.reads_types(v)
        if g.value(s, SH.closed) == Literal(True):
            a.edge(v, 0, None)
        nested = [o for pr in _NESTED for o in g.objects(s, pr)]
        nested += [i for pr in _LISTS for lst in g.objects(s, pr) for i in g.items(lst)]
        nested += list(g.objects(s, SH.property))
        if g.value(s, SH.qualifiedValueShapesDisjoint) == Literal(True):
            nested += [q for parent in g.subjects(SH.property, s)
                       for sib in g.objects(parent, SH.property)
                       for q in g.objects(sib, SH.qualifiedValueShape)]
        for n in nested:
            a.eps.append((v, self.shape(n)))

    def path(self, a: int, p: Node | None, inverse: bool) -> int:
        """Compile a SHACL path from state ``a``; returns the state of its value nodes."""
        g, auto = self.g, self.a
        if isinstance(p, URIRef):
            b = auto.new()
            auto.edge(a, b, p, inverse)
            return b
        if not isinstance(p, BNode):
            return a
        if (p, RDF.first, None) in g:
            items = list(g.items(p))
            cur = a
            for item in reversed(items) if inverse else items:
                cur = self.path(cur, item, inverse)
            return cur
        if (inner := g.value(p, SH.inversePath)) is not None:
            return self.path(a, inner, not inverse)
        b = auto.new()
        if (alts := g.value(p, SH.alternativePath)) is not None:
            for alt in g.items(alts):
                auto.eps.append((self.path(a, alt, inverse), b))
            return b
        for key, zero, many in ((SH.zeroOrMorePath, True, True), (SH.oneOrMorePath, False, True),
                                (SH.zeroOrOnePath, True, False)):
            if (inner := g.value(p, key)) is not None:
                if zero:
                    auto.eps.append((a, b))
                auto.eps.append((self.path(a, inner, inverse), b))
                if many:
                    auto.eps.append((self.path(b, inner, inverse), b))
        return b
