"""One commit as one Neo4j transaction: statements (history) first, then the view.

``Stmt`` nodes are the versioned rows of the SQLite design (``added`` and
``removed`` commit numbers), so as-of reads and diffs are the same range
queries. The property-graph view (``Resource`` nodes, labels, properties,
relationships) is brought up to date in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from neo4j import Transaction
from rdflib import Literal

from engine._gc import paused_gc
from engine.store import _neo4j_cypher as cy
from engine.store._model import Commit, CommitMeta, Delta
from engine.store._neo4j_mapping import (
    BNODE,
    RDF_TYPE,
    SHADOW,
    Namespaces,
    check_quad,
    literal_props,
    node_uri,
    quad_hash,
    term_hash,
)
from engine.store._neo4j_temporal import DatetimeEncoder, unchanged
from engine.store._sqlite import _commit_id
from engine.terms import Quad, decode, encode
from engine.vocab import GraphName

__all__ = ["BATCH", "apply_commit"]

BATCH = 5000
RDF_TYPE_IRI = str(RDF_TYPE)


class _Row(NamedTuple):
    k: str
    g: str
    s: str
    p: str
    o: str
    oh: str
    quad: Quad


_new_row = tuple.__new__  # a NamedTuple's own __new__ is Python code: a third of a row's cost


def _rows(quads: Iterable[Quad]) -> dict[str, _Row]:
    """The statement rows of ``quads`` by key. Objects repeat (classes, services, enum
    values: 19k distinct in 100k generated triples), so each is hashed once."""
    hashes: dict[str, str] = {}
    out: dict[str, _Row] = {}
    for q in quads:
        check_quad(q)
        g, s, p, o = q[3]._value_, node_uri(q[0]), str(q[1]), encode(q[2])
        oh = hashes.get(o)
        if oh is None:
            oh = hashes[o] = term_hash(o)
        k = quad_hash(g, s, p, o)
        out[k] = _new_row(_Row, (k, g, s, p, o, oh, q))
    return out



class _Batch(list[Any]):
    """The rows of one batch: a list whose ``repr`` is its length. The driver formats
    every RUN message for its debug log before looking at the log level, and the rows
    are most of that message: as much CPU as packing them (1-2 s on a 1M-triple load)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[_Batch]:
    for i in range(0, len(items), size):
        yield _Batch(items[i:i + size])


def _column(tx: Transaction, query: str, name: str, items: Sequence[Any], **params: Any) -> list[Any]:
    """Run ``query`` over ``items`` in batches; the items of every batch's one collected list."""
    out: list[Any] = []
    for chunk in _chunks(items):
        out.extend(tx.run(query, {name: chunk, **params}).single(strict=True)[0])
    return out


def _batched(tx: Transaction, query: str, name: str, items: Sequence[Any], **params: Any) -> None:
    for chunk in _chunks(items):
        tx.run(query, {name: chunk, **params}).consume()


def apply_commit(
    tx: Transaction, delta: Delta, meta: CommitMeta, ns: Namespaces, head: Commit | None,
    datetimes: DatetimeEncoder = unchanged,
) -> Commit:
    """Write ``delta`` as the commit after ``head``; returns the commit written.
    ``datetimes`` prepares datetime property values for the server's Bolt version."""
    with paused_gc():
        return _apply(tx, delta, meta, ns, head, datetimes)


def _apply(
    tx: Transaction, delta: Delta, meta: CommitMeta, ns: Namespaces, head: Commit | None,
    datetimes: DatetimeEncoder,
) -> Commit:
    adds = _rows(delta.adds)
    removes = _rows(delta.removes)
    seq = (head.seq if head else 0) + 1
    ts = (meta.timestamp or datetime.now(UTC)).astimezone(UTC)
    if head and ts < head.timestamp:
        ts = head.timestamp
    gone = _column(tx, cy.STMT_REMOVE, "ks", list(removes), seq=seq)
    existing = _existing_nodes(tx, adds.values()) if head is not None else set()
    maybe_live = [k for k, r in adds.items() if r.s in existing]
    for k in _column(tx, cy.STMT_LIVE, "ks", maybe_live):
        del adds[k]
    rows = [list(r[:6]) for r in adds.values()]  # lists: the packer hands each tuple to a Python hook
    _batched(tx, cy.STMT_CREATE, "rows", rows, seq=seq)
    added = list(adds.values())
    removed = [removes[k] for k in gone]
    _View(tx, ns, existing, datetimes).update(added, removed)
    parent = head.id if head else None
    cid = _commit_id(parent, seq, ts, meta, len(added), len(removed))
    tx.run(cy.COMMIT_CREATE, id=cid, seq=seq, ts=ts, author=meta.author, message=meta.message,
           parent=parent, added=len(added), removed=len(removed),
           pseq=head.seq if head else None).consume()
    return Commit(id=cid, seq=seq, timestamp=ts, author=meta.author, message=meta.message,
                  parent=parent, added=len(added), removed=len(removed))


def _existing_nodes(tx: Transaction, adds: Iterable[_Row]) -> set[str]:
    """The nodes, among the subjects and objects of ``adds``, that exist before the commit.

    A statement whose subject has no node cannot be live (every live statement
    keeps its subject's node: a property or a relationship), so only the others
    are checked against history, and only their literals are read back: a bulk
    load of new subjects skips both.
    """
    uris = {r.s for r in adds}
    uris.update(_object_uri(r) for r in adds if r.o[0] != "L")
    return set(_column(tx, cy.NODES_EXISTING, "uris", sorted(uris)))


def _split(rows: list[_Row]) -> tuple[list[_Row], list[_Row]]:
    """``rows`` as (relationships: node objects, properties: literal objects), by object key."""
    rels: list[_Row] = []
    lits: list[_Row] = []
    for r in rows:
        (lits if r.o[0] == "L" else rels).append(r)
    return rels, lits


def _object_uri(r: _Row) -> str:
    """The ``uri`` of the node a relationship row points at (its object key is ``U…``/``B…``)."""
    return r.o[1:] if r.o[0] == "U" else BNODE + r.o[1:]


def _by_subject(pairs: list[list[str]]) -> list[list[Any]]:
    """``[s, o]`` rows as ``[s, [o, ...]]``: each subject is looked up once per batch."""
    out: dict[str, list[str]] = defaultdict(list)
    for s, o in pairs:
        out[s].append(o)
    return [[s, objs] for s, objs in out.items()]


def _sendable(value: Any, datetimes: DatetimeEncoder) -> Any:
    """``value`` (one property value or a list of them) with its datetimes prepared."""
    if isinstance(value, datetime):
        return datetimes(value)
    if isinstance(value, list):
        return [datetimes(v) if isinstance(v, datetime) else v for v in value]
    return value


class _View:
    """Brings the property-graph view in line with one commit's effective changes.

    It works on the statement rows (``uri`` strings and term keys already
    computed), not on rdflib terms: converting again cost a third of a load.
    """

    def __init__(
        self, tx: Transaction, ns: Namespaces, existing: set[str], datetimes: DatetimeEncoder,
    ) -> None:
        self.tx = tx
        self.ns = ns
        self.existing = existing  # nodes of the commit's adds that existed before it
        self.datetimes = datetimes

    def update(self, added: list[_Row], removed: list[_Row]) -> None:
        rel_add, lit_add = _split(added)
        rel_del, lit_del = _split(removed)
        for (rtype, g), rows in self._by_type(rel_del).items():
            asserted = g == GraphName.ASSERTED.value
            _batched(self.tx, cy.rels_delete(rtype, asserted), "rows", rows, g=g)
        self._drop_labels(rel_del)
        new = {r.s for r in added} | {_object_uri(r) for r in rel_add}
        new -= self.existing  # the nodes this commit creates
        props = self._literal_props(lit_add, lit_del, new)
        classes = self._classes(rel_add)
        self._create_nodes(new, props, classes)
        sets = [[u, p] for u, p in props.items() if u not in new]
        _batched(self.tx, cy.NODES_SET, "rows", sets)
        self._add_labels(classes, new)
        for (rtype, g), pairs in self._by_type(rel_add).items():
            asserted = g == GraphName.ASSERTED.value
            _batched(self.tx, cy.rels_create(rtype, asserted), "rows", _by_subject(pairs), g=g)
        touched = {r.s for r in removed} | {_object_uri(r) for r in rel_del}
        _batched(self.tx, cy.NODES_DROP_ORPHANS, "uris", sorted(touched))
        if self.ns.pending:
            _batched(self.tx, cy.PREFIXES_ADD, "rows", [list(r) for r in self.ns.pending])

    def _by_type(self, rows: Iterable[_Row]) -> dict[tuple[str, str], list[list[str]]]:
        out: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
        name = self.ns.name
        for r in rows:
            out[(name(r.p), r.g)].append([r.s, _object_uri(r)])
        return out

    def _classes(self, rows: Iterable[_Row]) -> dict[str, list[str]]:
        """``uri`` → class labels, for ``rdf:type`` statements with an IRI object."""
        out: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r.p == RDF_TYPE_IRI and r.o[0] == "U":
                out[r.s].append(self.ns.name(r.o[1:]))
        return out

    def _literal_props(
        self, lit_add: list[_Row], lit_del: list[_Row], new: set[str],
    ) -> dict[str, dict[str, Any]]:
        """New node properties of every (subject, predicate) the commit touched; a node in
        ``new`` (created by this commit) has no keys to clear."""
        groups: dict[tuple[str, str], list[tuple[GraphName, Literal]]] = {}
        for r in lit_add:  # a new subject's values are the commit's own
            groups.setdefault((r.s, r.p), []).append((r.quad[3], r.quad[2]))  # type: ignore[arg-type]
        old = {(r.s, r.p) for r in lit_add if r.s in self.existing} | {(r.s, r.p) for r in lit_del}
        for key in old:  # an existing subject's are read back (history is already written)
            groups[key] = []
        for s, p, g, o in _column(self.tx, cy.STMT_LITERALS, "rows", [list(k) for k in old]):
            groups[(s, p)].append((GraphName(g), decode(o)))  # type: ignore[arg-type]
        props: dict[str, dict[str, Any]] = defaultdict(dict)
        name = self.ns.name
        for (uri, pred), pairs in groups.items():
            prop = name(pred)
            found = literal_props(prop, pairs, clear=uri not in new)
            if found.get(prop + SHADOW) is not None:  # only inexact values can be datetimes
                found[prop] = _sendable(found[prop], self.datetimes)
            props[uri].update(found)
        return props

    def _create_nodes(
        self, new: set[str], props: dict[str, dict[str, Any]], classes: dict[str, list[str]],
    ) -> None:
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[list[Any]]] = defaultdict(list)
        label_sets: dict[tuple[str, ...], tuple[str, ...]] = {}
        none: dict[str, Any] = {}
        for uri in sorted(new):
            names = (*classes.get(uri, ()), "BNode") if uri.startswith(BNODE) else (*classes.get(uri, ()),)
            labels = label_sets.get(names)
            if labels is None:
                labels = label_sets[names] = tuple(sorted(set(names)))
            values = props.get(uri, none)  # a new node's: no None to clear
            keys = tuple(sorted(values))
            groups[(labels, keys)].append([uri, *(values[k] for k in keys)])
        for (labels, keys), rows in groups.items():
            _batched(self.tx, cy.nodes_create(labels, keys), "rows", rows)

    def _add_labels(self, classes: dict[str, list[str]], new: set[str]) -> None:
        by_label: dict[str, list[str]] = defaultdict(list)
        for uri, labels in classes.items():
            if uri not in new:
                for label in labels:
                    by_label[label].append(uri)
        for label, uris in sorted(by_label.items()):
            _batched(self.tx, cy.label_add(label), "uris", uris)

    def _drop_labels(self, rel_del: list[_Row]) -> None:
        by_class: dict[str, list[str]] = defaultdict(list)
        for r in rel_del:
            if r.p == RDF_TYPE_IRI and r.o[0] == "U":
                by_class[r.o[1:]].append(r.s)
        for cls, uris in sorted(by_class.items()):
            _batched(self.tx, cy.label_drop(self.ns.name(cls)), "uris", uris, cls=cls)
