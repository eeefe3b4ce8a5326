"""A commit's statement rows, and how batches of rows go to the server.

A row is one statement's ``Stmt`` properties (``k, g, s, p, o, oh``: hash, graph,
subject ``uri``, predicate IRI, object term key, object hash) plus its quad.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from neo4j import Transaction

from engine.store._neo4j_mapping import BNODE, check_quad, node_uri, quad_hash, term_hash
from engine.terms import Quad, encode

__all__ = ["BATCH", "Row", "batched", "chunks", "column", "object_uri", "statement_rows"]

BATCH = 5000


class Row(NamedTuple):
    k: str
    g: str
    s: str
    p: str
    o: str
    oh: str
    quad: Quad


_new_row = tuple.__new__  # a NamedTuple's own __new__ is Python code: a third of a row's cost


def statement_rows(quads: Iterable[Quad]) -> dict[str, Row]:
    """The statement rows of ``quads`` by key. Objects repeat (classes, services, enum
    values: 19k distinct in 100k generated triples), so each is hashed once."""
    hashes: dict[str, str] = {}
    out: dict[str, Row] = {}
    for q in quads:
        check_quad(q)
        g, s, p, o = q[3]._value_, node_uri(q[0]), str(q[1]), encode(q[2])
        oh = hashes.get(o)
        if oh is None:
            oh = hashes[o] = term_hash(o)
        k = quad_hash(g, s, p, o)
        out[k] = _new_row(Row, (k, g, s, p, o, oh, q))
    return out


class _Batch(list[Any]):
    """The rows of one batch: a list whose ``repr`` is its length. The driver formats
    every RUN message for its debug log before looking at the log level, and the rows
    are most of that message: as much CPU as packing them (1-2 s on a 1M-triple load)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[_Batch]:
    for i in range(0, len(items), size):
        yield _Batch(items[i:i + size])


def column(tx: Transaction, query: str, name: str, items: Sequence[Any], **params: Any) -> list[Any]:
    """Run ``query`` over ``items`` in batches; the items of every batch's one collected list."""
    out: list[Any] = []
    for chunk in chunks(items):
        out.extend(tx.run(query, {name: chunk, **params}).single(strict=True)[0])
    return out


def batched(tx: Transaction, query: str, name: str, items: Sequence[Any], **params: Any) -> None:
    for chunk in chunks(items):
        tx.run(query, {name: chunk, **params}).consume()


def object_uri(r: Row) -> str:
    """The ``uri`` of the node a relationship row points at (its object key is ``U…``/``B…``)."""
    return r.o[1:] if r.o[0] == "U" else BNODE + r.o[1:]
