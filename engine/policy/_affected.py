"""Find the focus nodes a delta can affect: walk the read automaton backwards.

A changed triple ``(s, p, o)`` is *read* by a node ``n`` in state ``q`` when
``q`` follows ``p`` out of ``n == s`` (or into ``n == o``). From every such
``(n, q)`` we walk the automaton's edges backwards over the world before
*and* after the delta (a removed edge may have connected a focus node before,
an added one after) until we reach the context state of a shape with
targets: that node is a candidate focus node of that shape. Reads not joined
to ``$this`` (e.g. a clock in a SPARQL constraint) make every target of the
shapes that contain them a candidate.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from engine.policy._reach import Automaton, Edge, compile_shapes
from engine.terms import Triple

__all__ = ["Affected", "Reach"]

TripleReader = Callable[[tuple[Any, Any, Any]], Iterator[Triple]]


class Affected:
    """Candidate focus nodes per root shape, and the roots to re-check entirely."""

    def __init__(self) -> None:
        self.nodes: dict[Node, set[Node]] = defaultdict(set)
        self.everything: set[Node] = set()


class Reach:
    """The read automaton of a shape set, indexed for backward walks."""

    def __init__(self, g: Graph, roots: list[Node]) -> None:
        self.auto: Automaton = compile_shapes(g, roots)
        a = self.auto
        self._fwd: dict[URIRef | None, list[Edge]] = defaultdict(list)
        self._inv: dict[URIRef | None, list[Edge]] = defaultdict(list)
        self._into: dict[int, list[Edge]] = defaultdict(list)
        self._eps_into: dict[int, list[int]] = defaultdict(list)
        for e in a.edges:
            (self._inv if e.inverse else self._fwd)[e.pred].append(e)
            self._into[e.dst].append(e)
        for src, dst in a.eps:
            self._eps_into[dst].append(src)
        self._roots_at: dict[int, list[Node]] = defaultdict(list)
        for r in roots:
            self._roots_at[a.context[r]].append(r)
        self._reaching = self._roots_reaching(roots)

    def _roots_reaching(self, roots: list[Node]) -> dict[int, set[Node]]:
        out: dict[int, list[int]] = defaultdict(list)
        for e in self.auto.edges:
            out[e.src].append(e.dst)
        for src, dst in self.auto.eps:
            out[src].append(dst)
        reach: dict[int, set[Node]] = defaultdict(set)
        for r in roots:
            todo, seen = [self.auto.context[r]], {self.auto.context[r]}
            while todo:
                st = todo.pop()
                reach[st].add(r)
                for nxt in out[st]:
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
        return reach

    def affected(self, changed: Iterable[Triple], union: TripleReader) -> Affected:
        """Candidates for ``changed`` triples; ``union`` reads the world before or after."""
        res = Affected()
        todo: deque[tuple[Node, int]] = deque()
        seen: set[tuple[Node, int]] = set()
        any_change = False
        for t in changed:
            any_change = True
            self._seed(t, todo, res)
        if any_change:
            for anchor in self.auto.always_global:
                res.everything |= self._reaching.get(anchor, set())
        while todo:
            item = todo.popleft()
            if item in seen:
                continue
            seen.add(item)
            self._step(item, todo, res, union)
        return res

    def _seed(self, t: Triple, todo: deque[tuple[Node, int]], res: Affected) -> None:
        s, p, o = t
        for anchor in self.auto.ground.get(t, ()):
            res.everything |= self._reaching.get(anchor, set())
        for e in (*self._fwd.get(p, ()), *self._fwd.get(None, ())):  # type: ignore[arg-type]
            if e.const is None or e.const == o:
                todo.append((s, e.src))
        for e in (*self._inv.get(p, ()), *self._inv.get(None, ())):  # type: ignore[arg-type]
            if e.const is None or e.const == s:
                todo.append((o, e.src))

    def _step(self, item: tuple[Node, int], todo: deque[tuple[Node, int]], res: Affected,
              union: TripleReader) -> None:
        n, st = item
        if st not in self._reaching:
            # not reachable from any validated shape: either unused, or a SPARQL read
            # not joined to $this, which may change the verdict on every focus node
            anchor = self.auto.anchor_of.get(st)
            if anchor is not None:
                res.everything |= self._reaching.get(anchor, set())
            return
        for r in self._roots_at.get(st, ()):
            res.nodes[r].add(n)
        for src in self._eps_into.get(st, ()):
            todo.append((n, src))
        for e in self._into.get(st, ()):
            if e.inverse:
                todo.extend((x[2], e.src) for x in union((n, e.pred, None)))
            else:
                todo.extend((x[0], e.src) for x in union((None, e.pred, n)))
