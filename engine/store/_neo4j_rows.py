"""A commit's statement rows, and how batches of rows go to the server.

A row is one statement's ``Stmt`` properties as a list ``[k, g, s, p, o, oh]``: hash,
graph, subject ``uri``, predicate IRI, object term key, object hash. It is sent as it
is (a list: the packer hands a tuple to a Python hook first), and the view reads the
same rows (a literal object comes back from its key with ``decode``, cached).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from hashlib import blake2b
from itertools import repeat
from operator import attrgetter
from typing import Any

from neo4j import Transaction
from rdflib import Literal, URIRef

from engine.store._neo4j_mapping import BNODE, QUAD_SEP, check_quad, node_uri
from engine.terms import Node, Quad, encode

__all__ = ["BATCH", "Row", "batched", "chunks", "column", "object_uri", "statement_rows"]

BATCH = 5000


Row = list[str]  # [k, g, s, p, o, oh]


_graph_value = attrgetter("_value_")
_copy_str = str.__str__  # an exact str copy of a term, without the call of the type str
_BLANK = blake2b(digest_size=12)
_URIREF = {URIRef}


def _hashes(texts: Sequence[str]) -> list[str]:
    """``term_hash`` of each of ``texts``, without a Python call per text. Copying a
    fresh hash object costs a quarter less than making one (its parameters are parsed)."""
    n = len(texts)
    data = map(str.encode, texts, repeat("utf-8", n), repeat("surrogatepass", n))  # no kwargs dict
    hs = list(map(blake2b.copy, repeat(_BLANK, n)))
    deque(map(blake2b.update, hs, data), maxlen=0)
    return list(map(blake2b.hexdigest, hs))


def statement_rows(quads: Iterable[Quad]) -> dict[str, Row]:
    """The statement rows of ``quads`` by key, built a column at a time: each step is
    one C-level pass (``map``/``zip``) where it can be, and each distinct object is
    hashed once (19k distinct objects in 100k generated triples)."""
    qs = list(quads)
    if not qs:
        return {}
    subjects, preds, objects, graphs = zip(*qs, strict=True)
    ss = _subject_uris(qs, subjects, preds)
    ps = list(map(_copy_str, preds))
    os = _object_keys(objects)
    distinct = list(dict.fromkeys(os))
    ohs = list(map(dict(zip(distinct, _hashes(distinct), strict=True)).__getitem__, os))
    gs = list(map(_graph_value, graphs))
    ks = _hashes(list(map(QUAD_SEP.join, zip(gs, ss, ps, os, strict=True))))  # quad_hash, column-wise
    return dict(zip(ks, map(list, zip(ks, gs, ss, ps, os, ohs, strict=True)), strict=True))


def _object_keys(objects: Sequence[Node]) -> list[str]:
    """``encode`` of each object, IRIs and literals inline."""
    cat = str.__add__
    return [cat("U", o) if type(o) is URIRef
            else f"L{o._datatype or ''}\x00{o._language or ''}\x00{o}" if type(o) is Literal
            else encode(o) for o in objects]


def _subject_uris(qs: list[Quad], subjects: tuple[Node, ...], preds: tuple[Node, ...]) -> list[str]:
    """The subjects' ``uri``s, after the check of :func:`check_quad` on every quad: at once
    when all subjects and predicates are plain IRIs, else quad by quad (raising the same error
    for the same first bad quad)."""
    if (set(map(type, subjects)) == _URIREF and set(map(type, preds)) == _URIREF
            and not any(map(str.startswith, subjects, repeat(BNODE)))
            and not any(map(str.startswith, preds, repeat(BNODE)))):
        return list(map(_copy_str, subjects))
    for q in qs:
        check_quad(q)
    return list(map(node_uri, subjects))


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


def object_uri(o: str) -> str:
    """The ``uri`` of the node a relationship's object key (``U…``/``B…``) stands for."""
    return o[1:] if o[0] == "U" else BNODE + o[1:]
