"""Read-only rdflib views over a world store, so SPARQL runs on any backend at any commit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.store import Store

from engine.errors import InputError
from engine.store import ALL_GRAPHS, GraphStore
from engine.terms import Node, Pattern
from engine.vocab import PREFIXES, GraphName

__all__ = ["StoreView", "rows_of", "run_sparql", "view_graph"]


class StoreView(Store):
    """An rdflib ``Store`` answering ``triples()`` from a :class:`GraphStore`.

    The graphs given are read as one union graph, as of commit ``at``.
    """

    def __init__(
        self, store: GraphStore, graphs: Sequence[GraphName] = ALL_GRAPHS, at: int | None = None,
    ) -> None:
        super().__init__()
        self._store = store
        self._graphs = tuple(graphs)
        self._at = at
        for pfx, ns in PREFIXES.items():
            self.bind(pfx, rdflib.URIRef(ns))

    def triples(
        self, triple_pattern: tuple[Any, Any, Any], context: Any = None,
    ) -> Iterator[tuple[tuple[Any, Any, Any], Iterator[Any]]]:
        s, p, o = triple_pattern
        pattern: Pattern = (_term(s), _term(p), _term(o))
        seen: set[tuple[Any, Any, Any]] = set()
        for qs, qp, qo, _ in self._store.quads(pattern, graphs=self._graphs, at=self._at):
            t = (qs, qp, qo)
            if len(self._graphs) > 1:
                if t in seen:
                    continue
                seen.add(t)
            yield t, iter(())

    def __len__(self, context: Any = None) -> int:
        return self._store.count(graphs=self._graphs, at=self._at)

    def add(self, *_: Any, **__: Any) -> None:
        raise InputError("this view of the world is read-only; change it with a commit (tier1 load)")

    def remove(self, *_: Any, **__: Any) -> None:
        raise InputError("this view of the world is read-only; change it with a commit")


def _term(t: Any) -> Node | None:
    return t if isinstance(t, URIRef | BNode | Literal) else None


def view_graph(
    store: GraphStore, graphs: Sequence[GraphName] = ALL_GRAPHS, at: int | None = None,
) -> rdflib.Graph:
    """An rdflib ``Graph`` over the store: queries read through, nothing is copied."""
    return rdflib.Graph(store=StoreView(store, graphs, at))


def run_sparql(
    store: GraphStore, query: str, graphs: Sequence[GraphName] = ALL_GRAPHS,
    at: int | None = None,
) -> Result:
    """Run a SPARQL query; a syntax error becomes an :class:`InputError` naming the position."""
    g = view_graph(store, graphs, at)
    try:
        prepared = prepareQuery(query, initNs=PREFIXES)
        _refuse_what_a_view_cannot_answer(prepared.algebra)
        return g.query(prepared)
    except Exception as exc:
        if type(exc).__name__ == "ParseException" and _UPDATE.match(query):
            raise InputError("this is a SPARQL update, and queries only read: change the world "
                             "with tier1 load (a file) or a plan") from None
        if type(exc).__name__ == "ParseException":
            raise InputError(
                f"SPARQL syntax error at line {getattr(exc, 'lineno', '?')}, column "
                f"{getattr(exc, 'col', '?')}: {getattr(exc, 'msg', exc)}; known prefixes: "
                f"{', '.join(sorted(PREFIXES))}{_slash_curie_hint(query)}"
            ) from None
        if "Unknown namespace prefix" in str(exc):
            raise InputError(f"{exc}: declare it with PREFIX or use one of "
                             f"{', '.join(sorted(PREFIXES))}") from None
        raise


_UNANSWERABLE = {
    "ServiceGraphPattern": "SERVICE asks another endpoint over the network, and queries here "
                           "read only the store: drop the SERVICE clause",
    "Graph": "GRAPH needs named graphs, and a query here sees one union graph: drop GRAPH "
             "and choose the graphs with --graph asserted|inferred|provenance|all",
    "DatasetClause": "FROM / FROM NAMED would load other graphs (from the network), and a "
                     "query here reads only the store: drop them and choose the graphs with "
                     "--graph asserted|inferred|provenance|all",
}


def _refuse_what_a_view_cannot_answer(node: object) -> None:
    """Refuse, before any evaluation, the parts of SPARQL the store's one-graph view cannot
    answer (rdflib fails on them midway with a bare exception) or that would leave it."""
    if isinstance(node, CompValue):
        why = _UNANSWERABLE.get(node.name)
        if why is not None:
            raise InputError(why)
        for value in node.values():
            _refuse_what_a_view_cannot_answer(value)
    elif isinstance(node, list | tuple):
        for value in node:
            _refuse_what_a_view_cannot_answer(value)


_UPDATE = re.compile(r"(?is)^\s*(?:(?:PREFIX|BASE)\s+[^{]*?>\s*)*"
                     r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b")


def rows_of(result: Result) -> tuple[list[str], list[list[Any]]]:
    """Variables and rows of a SELECT result (ASK gives one 'ask' column)."""
    if result.type == "ASK":
        return ["ask"], [[bool(result.askAnswer)]]
    rows = [list(row) for row in cast(Iterable[Any], result)]  # ASK handled above
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return ["subject", "predicate", "object"], rows
    return [str(v) for v in (result.vars or [])], rows


_CURIE = re.compile(r"(?<![\w<:/#?])([A-Za-z][\w-]*):([^\s{}()<>,;\"'^|]*)")


def _slash_curie_hint(query: str) -> str:
    """A hint when ``query`` writes a CURIE as tier1 prints it with a ``/`` in its local part
    (``run:prov/00000004``), which SPARQL does not read as one prefixed name; a property
    path (``ops:dependsOn/ops:tier``) is not one."""
    for m in _CURIE.finditer(query):
        prefix, local = m.groups()
        if prefix in PREFIXES and "/" in local.strip("/") and ":" not in local:
            return (f". {m.group(0)} is not a SPARQL prefixed name ('/' may not stand in its "
                    f"local part): write the IRI in full, <{PREFIXES[prefix]}{local}>")
    return ""
