"""A read-only view of "the world after this delta", without copying the world.

:class:`WorldView` answers triple patterns from a base (a :class:`GraphStore`
at some commit, or an rdflib ``Graph``) minus the delta's removes plus its
adds, merging the asserted and inferred graphs. :func:`as_rdflib_graph`
wraps a view as an rdflib ``Graph`` so pySHACL and rdflib SPARQL read it
like any other graph; nothing is ever written anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.store import Store

from engine.store import Delta, GraphStore
from engine.terms import Quad, Triple
from engine.vocab import GraphName

__all__ = ["VALIDATED_GRAPHS", "WorldView", "as_rdflib_graph", "new_namespaces", "prepared_query"]

VALIDATED_GRAPHS: tuple[GraphName, ...] = (GraphName.ASSERTED, GraphName.INFERRED)
"""Policies judge the asserted and inferred graphs merged; provenance is not policed."""

AnyPattern = tuple[Any, Any, Any]
QuadSource = Callable[[AnyPattern], Iterable[Quad]]


class WorldView:
    """Triples of ``base`` minus ``delta.removes`` plus ``delta.adds`` (per graph, merged).

    Args:
        base: answers a pattern with quads of the validated graphs.
        delta: the hypothetical change; ``None`` means the base as it is.
        memo: remember small answers to bound patterns (a what-if judges a
            handful of nodes and rdflib asks the same few patterns many times);
            at most ``MEMO_ENTRIES`` patterns of at most ``MEMO_TRIPLES`` triples.
    """

    MEMO_ENTRIES = 4096
    MEMO_TRIPLES = 64

    def __init__(self, base: QuadSource, delta: Delta | None = None, *, memo: bool = False
                 ) -> None:
        self._base = base
        self._memo: dict[AnyPattern, list[Triple]] | None = {} if memo else None
        d = delta or Delta()
        self._removes = frozenset(q for q in d.removes if q[3] in VALIDATED_GRAPHS)
        self._adds = [q for q in d.adds if q[3] in VALIDATED_GRAPHS]
        self._by: dict[tuple[int, Any], list[Triple]] = defaultdict(list)
        for s, p, o, _ in self._adds:
            for i, term in enumerate((s, p, o)):
                self._by[(i, term)].append((s, p, o))

    @classmethod
    def of_store(cls, store: GraphStore, delta: Delta | None = None, at: int | None = None,
                 *, memo: bool = False) -> WorldView:
        def base(pattern: AnyPattern) -> Iterable[Quad]:
            return store.quads(pattern, graphs=VALIDATED_GRAPHS, at=at)

        return cls(base, delta, memo=memo)

    @classmethod
    def of_graph(cls, graph: Graph, delta: Delta | None = None, *, memo: bool = False
                 ) -> WorldView:
        """A view over a plain rdflib graph, read as the asserted graph."""

        def base(pattern: AnyPattern) -> Iterator[Quad]:
            for s, p, o in graph.triples(pattern):
                yield (s, p, o, GraphName.ASSERTED)  # type: ignore[misc]

        return cls(base, delta, memo=memo)

    def triples(self, pattern: AnyPattern) -> Iterator[Triple]:
        """Distinct triples matching ``pattern`` in the post-delta world."""
        memo = self._memo
        if memo is None or pattern == (None, None, None):
            return self._triples(pattern)
        hit = memo.get(pattern)
        if hit is not None:
            return iter(hit)
        return self._remember(pattern, memo)

    def _remember(self, pattern: AnyPattern, memo: dict[AnyPattern, list[Triple]]
                  ) -> Iterator[Triple]:
        """Answer ``pattern``; if it was read to the end and is small, keep the answer."""
        got: list[Triple] | None = []
        for t in self._triples(pattern):
            if got is not None:
                got.append(t)
                if len(got) > self.MEMO_TRIPLES:
                    got = None
            yield t
        if got is not None:
            if len(memo) >= self.MEMO_ENTRIES:
                del memo[next(iter(memo))]
            memo[pattern] = got

    def _triples(self, pattern: AnyPattern) -> Iterator[Triple]:
        seen: set[Triple] = set()
        removes = self._removes
        for q in self._base(pattern):
            if removes and q in removes:
                continue
            t = (q[0], q[1], q[2])
            if t not in seen:
                seen.add(t)
                yield t
        for t in self._added(pattern):
            if t not in seen:
                seen.add(t)
                yield t

    def union_triples(self, pattern: AnyPattern) -> Iterator[Triple]:
        """Triples matching ``pattern`` before OR after the delta (may repeat)."""
        if not self._removes:  # nothing removed: before is part of after
            yield from self.triples(pattern)
            return
        for q in self._base(pattern):
            yield (q[0], q[1], q[2])
        yield from self._added(pattern)

    def _added(self, pattern: AnyPattern) -> Iterator[Triple]:
        if not self._adds:
            return
        bound = [(i, t) for i, t in enumerate(pattern) if t is not None]
        if not bound:
            yield from ((s, p, o) for s, p, o, _ in self._adds)
            return
        i, term = bound[0]
        for t in self._by.get((i, term), ()):
            if all(t[j] == v for j, v in bound[1:]):
                yield t


class _ViewStore(Store):
    """An rdflib store that reads a :class:`WorldView` and refuses writes."""

    context_aware = False
    formula_aware = False
    transaction_aware = False
    graph_aware = False

    def __init__(self, view: WorldView) -> None:
        super().__init__()
        self._view = view
        self._ns: dict[str, URIRef] = {}
        self._pfx: dict[URIRef, str] = {}

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:
        for t in self._view.triples(triple_pattern):
            yield t, iter((None,))

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self._view.triples((None, None, None)))

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        raise TypeError("a what-if world view is read-only")

    def remove(self, triple: Any, context: Any = None) -> None:
        raise TypeError("a what-if world view is read-only")

    def bind(self, prefix: str, namespace: Any, override: bool = True) -> None:
        if override or prefix not in self._ns:
            self._ns[prefix] = URIRef(namespace)
            self._pfx[URIRef(namespace)] = prefix

    def namespace(self, prefix: str) -> URIRef | None:
        return self._ns.get(prefix)

    def prefix(self, namespace: Any) -> str | None:
        return self._pfx.get(URIRef(namespace))

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        yield from self._ns.items()


@lru_cache(maxsize=1024)
def prepared_query(text: str) -> Any:
    """``text`` parsed and algebra-translated, once per process (any gate, any world):
    parsing is pyparsing and costs tens of milliseconds a query."""
    return prepareQuery(text)


class _ViewGraph(Graph):
    """A read-only graph over a view. SPARQL text is parsed once per distinct query:
    pySHACL sends the same constraint text for every focus node, and parsing it
    costs far more than answering it."""

    def __bool__(self) -> bool:  # never count a million triples to test truth
        return True

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str) and not args and set(kwargs) <= {"initBindings"}:
            # what Graph.query does with a prepared query, minus copying every
            # namespace binding of the graph (unused: the query has its prefixes)
            bindings = kwargs.get("initBindings") or {}
            return SPARQLResult(evalQuery(self, prepared_query(query_object), bindings))
        return super().query(query_object, *args, **kwargs)


def as_rdflib_graph(view: WorldView, namespaces: NamespaceManager | None = None) -> Graph:
    """An rdflib ``Graph`` reading ``view`` (read-only; writes raise ``TypeError``).

    ``namespaces``: a namespace manager to share (from :func:`new_namespaces`)
    instead of building rdflib's default bindings for every view.
    """
    return _ViewGraph(store=_ViewStore(view), namespace_manager=namespaces)


def new_namespaces() -> NamespaceManager:
    """rdflib's default prefix bindings, as a fresh ``Graph`` would get them."""
    return Graph().namespace_manager
