"""Compile the triple patterns of a ``sh:sparql`` constraint into the read automaton.

Variables joined to ``$this`` become states reached from the shape's
context state; constants are checked at the far end of an edge. Patterns not
joined to ``$this`` (a clock, a global count) are reads that may change the
verdict of every focus node; they are anchored so the walk can tell. Queries
we cannot analyse (sub-selects, ``$PATH``, ``GRAPH``/``SERVICE``) make their
shape re-check all its targets on any change.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from engine.policy._lint import SH, sparql_prefixes
from engine.policy._reach import Automaton

__all__ = ["compile_sparql"]

_OPAQUE = {"ToMultiSet", "ServiceGraphPattern", "Graph", "GraphGraphPattern"}


def compile_sparql(g: Graph, auto: Automaton, constraint: Node, anchor: int) -> None:
    """Add the reads of the SPARQL constraint ``constraint`` (on a shape at ``anchor``)."""
    select = g.value(constraint, SH.select)
    text = str(select) if select is not None else ""
    if not text or "$PATH" in text:
        auto.always_global.add(anchor)
        return
    algebra = prepareQuery(text, initNs=sparql_prefixes(g, constraint)).algebra
    patterns: list[tuple[Any, Any, Any]] = []
    if not _collect(algebra, patterns):
        auto.always_global.add(anchor)
        return
    _Patterns(auto, anchor).add_all(patterns)


def _collect(node: Any, out: list[tuple[Any, Any, Any]]) -> bool:
    """Gather every triple pattern; False if the query has an opaque part."""
    if isinstance(node, CompValue):
        if node.name in _OPAQUE:
            return False
        if "triples" in node and node.name in ("BGP", "TriplesBlock"):
            flat = [x for t in node["triples"] for x in t]
            out.extend((flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat) - 2, 3))
        return all(_collect(v, out) for k, v in node.items() if k != "_vars")
    if isinstance(node, list | tuple):
        return all(_collect(v, out) for v in node)
    return True


class _Patterns:
    def __init__(self, auto: Automaton, anchor: int) -> None:
        self.a = auto
        self.anchor = anchor
        self.vars: dict[str, int] = {"this": anchor}

    def state(self, term: Any) -> int | None:
        if isinstance(term, Variable | BNode):
            key = str(term) if isinstance(term, Variable) else f"_:{term}"
            if key not in self.vars:
                self.vars[key] = self.a.new()
                self.a.anchor_of[self.vars[key]] = self.anchor
            return self.vars[key]
        return None

    def add_all(self, patterns: list[tuple[Any, Any, Any]]) -> None:
        depth = self._depths(patterns)
        for s, p, o in patterns:
            ss, so = self.state(s), self.state(o)
            # orient each join away from $this (BFS depth): every read stays reachable
            # from $this along a tree path, and the backward walk cannot loop
            if ss is not None and so is not None and ss in depth and so in depth:
                forward = depth[ss] <= depth[so]
                self._add(s, p, o, ss, so, forward, not forward)
            else:
                self._add(s, p, o, ss, so, True, True)

    def _depths(self, patterns: list[tuple[Any, Any, Any]]) -> dict[int, int]:
        adj: dict[int, set[int]] = {}
        for s, _p, o in patterns:
            a, b = self.state(s), self.state(o)
            if a is not None and b is not None:
                adj.setdefault(a, set()).add(b)
                adj.setdefault(b, set()).add(a)
        depth = {self.anchor: 0}
        frontier = [self.anchor]
        while frontier:
            nxt = []
            for x in frontier:
                for y in adj.get(x, ()):
                    if y not in depth:
                        depth[y] = depth[x] + 1
                        nxt.append(y)
            frontier = nxt
        return depth

    def _add(self, s: Any, p: Any, o: Any, ss: int | None, so: int | None, forward: bool,
             backward: bool) -> None:
        """Edges for one pattern: read ``p`` out of ``ss`` (forward) and/or into ``so``."""
        if ss is None and so is None:
            if isinstance(p, URIRef):
                self.a.ground.setdefault((s, p, o), set()).add(self.anchor)
            else:
                self.a.always_global.add(self.anchor)
            return
        if isinstance(p, Path):
            if ss is not None and forward:
                self.a.eps.append((self.path(ss, p, False), self._to(so)))
            if so is not None and backward:
                self.a.eps.append((self.path(so, p, True), self._to(ss)))
            return
        pred = p if isinstance(p, URIRef) else None
        if ss is not None and forward:
            self.a.edge(ss, self._to(so), pred, False, None if so is not None else o)
        if so is not None and backward:
            self.a.edge(so, self._to(ss), pred, True, None if ss is not None else s)

    def _to(self, state: int | None) -> int:
        """Where an edge may lead: never back into ``$this`` (the walk starts there; an
        edge into it would let the backward walk loop through every joined focus node)."""
        return 0 if state is None or state == self.anchor else state

    def path(self, a: int, p: Any, inverse: bool) -> int:
        auto = self.a
        if isinstance(p, URIRef | NegatedPath):
            b = auto.new()
            auto.anchor_of[b] = self.anchor
            auto.edge(a, b, p if isinstance(p, URIRef) else None, inverse)
            if isinstance(p, NegatedPath):  # reads both directions of unknown predicates
                auto.edge(a, b, None, not inverse)
            return b
        if isinstance(p, InvPath):
            return self.path(a, p.arg, not inverse)
        if isinstance(p, SequencePath):
            cur = a
            for step in reversed(p.args) if inverse else p.args:
                cur = self.path(cur, step, inverse)
            return cur
        b = auto.new()
        auto.anchor_of[b] = self.anchor
        if isinstance(p, AlternativePath):
            for alt in p.args:
                auto.eps.append((self.path(a, alt, inverse), b))
        elif isinstance(p, MulPath):
            if p.zero:
                auto.eps.append((a, b))
            auto.eps.append((self.path(a, p.path, inverse), b))
            if p.more:
                auto.eps.append((self.path(b, p.path, inverse), b))
        return b
