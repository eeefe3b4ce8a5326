"""The property-graph view of one commit's effective changes (``Resource`` nodes, labels,
properties, relationships), in the same transaction as its statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from operator import itemgetter
from typing import Any

from neo4j import Transaction
from rdflib import Literal

from engine.store import _neo4j_cypher as cy
from engine.store._neo4j_mapping import (
    BNODE,
    RDF_TYPE,
    SHADOW,
    Namespaces,
    literal_props,
    single_value,
)
from engine.store._neo4j_rows import Row, batched, column, object_uri
from engine.store._neo4j_temporal import DatetimeEncoder
from engine.terms import decode
from engine.vocab import GraphName

__all__ = ["View"]

RDF_TYPE_IRI = str(RDF_TYPE)


def _split(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """``rows`` as (relationships: node objects, properties: literal objects), by object key."""
    rels: list[Row] = []
    lits: list[Row] = []
    for r in rows:
        (lits if r[4][0] == "L" else rels).append(r)
    return rels, lits


_subject = itemgetter(2)


def _relationships(
    rows: list[Row],
) -> tuple[dict[tuple[str, str], dict[str, list[str]]], dict[str, list[str]], list[str]]:
    """Relationship rows grouped by (predicate IRI, graph), then subject: object ``uri``s;
    and the class IRIs of each subject (``rdf:type`` to an IRI), in one pass. Every order
    is first-seen, and so is the list of class IRIs (their names are allocated in it)."""
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    classes: dict[str, list[str]] = defaultdict(list)
    order: list[str] = []
    for _, g, s, p, o, _ in rows:
        by_subject = groups.get((p, g))
        if by_subject is None:
            by_subject = groups[(p, g)] = defaultdict(list)
        if o[0] == "U":
            by_subject[s].append(o[1:])
            if p == RDF_TYPE_IRI:
                classes[s].append(o[1:])
                order.append(o[1:])
        else:
            by_subject[s].append(BNODE + o[1:])
    return groups, classes, order


def _sendable(value: Any, datetimes: DatetimeEncoder) -> Any:
    """``value`` (one property value or a list of them) with its datetimes prepared."""
    if isinstance(value, datetime):
        return datetimes(value)
    if isinstance(value, list):
        return [datetimes(v) if isinstance(v, datetime) else v for v in value]
    return value


class View:
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

    def update(self, added: list[Row], removed: list[Row]) -> None:
        rel_add, lit_add = _split(added)
        rel_del, lit_del = _split(removed)
        for (rtype, g), rows in self._by_type(rel_del).items():
            asserted = g == GraphName.ASSERTED.value
            batched(self.tx, cy.rels_delete(rtype, asserted), "rows", rows, g=g)
        self._drop_labels(rel_del)
        groups, classes, order = _relationships(rel_add)
        new = set(map(_subject, added))
        for by_subject in groups.values():
            new.update(*by_subject.values())
        new -= self.existing  # the nodes this commit creates
        props = self._literal_props(lit_add, lit_del, new)
        classes = self._names(classes, order)
        self._create_nodes(new, props, classes)
        sets = [[u, p] for u, p in props.items() if u not in new]
        batched(self.tx, cy.NODES_SET, "rows", sets)
        self._add_labels(classes, new)
        self._create_relationships(groups)
        touched = {r[2] for r in removed} | {object_uri(r[4]) for r in rel_del}
        batched(self.tx, cy.NODES_DROP_ORPHANS, "uris", sorted(touched))
        if self.ns.pending:
            batched(self.tx, cy.PREFIXES_ADD, "rows", [list(r) for r in self.ns.pending])

    def _create_relationships(self, groups: dict[tuple[str, str], dict[str, list[str]]]) -> None:
        """Rows ``[subject, [objects]]``: the server looks each subject up once per batch."""
        name = self.ns.name
        for (p, g), by_subject in groups.items():
            asserted = g == GraphName.ASSERTED.value
            rows: list[list[Any]] = [[s, objs] for s, objs in by_subject.items()]
            batched(self.tx, cy.rels_create(name(p), asserted), "rows", rows, g=g)

    def _by_type(self, rows: Iterable[Row]) -> dict[tuple[str, str], list[list[str]]]:
        out: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
        name = self.ns.name
        for _, g, s, p, o, _ in rows:
            out[(name(p), g)].append([s, object_uri(o)])
        return out

    def _names(self, classes: dict[str, list[str]], order: list[str]) -> dict[str, list[str]]:
        """``uri`` → class labels, from ``uri`` → class IRIs. Names are allocated in the
        order the classes first appear, then (by the caller) the relationship types."""
        name = self.ns.name
        for iri in order:
            name(iri)
        return {uri: [name(iri) for iri in iris] for uri, iris in classes.items()}

    def _literal_props(
        self, lit_add: list[Row], lit_del: list[Row], new: set[str],
    ) -> dict[str, dict[str, Any]]:
        """New node properties of every (subject, predicate) the commit touched; a node in
        ``new`` (created by this commit) has no keys to clear."""
        props: dict[str, dict[str, Any]] = defaultdict(dict)
        old = {(r[2], r[3]) for r in lit_del}
        full = self._single_values(lit_add, props, old)
        groups: dict[tuple[str, str], list[tuple[GraphName, Literal]]] = {}
        if full:  # a new subject's values are the commit's own
            subjects = {s for s, _ in full}
            for _, g, s, p, o, _ in lit_add:
                if s in subjects and (s, p) in full:
                    groups.setdefault((s, p), []).append((GraphName(g), decode(o)))  # type: ignore[arg-type]
        for key in old:  # an existing subject's are read back (history is already written)
            groups[key] = []
        for s, p, g, o in column(self.tx, cy.STMT_LITERALS, "rows", [list(k) for k in old]):
            groups[(s, p)].append((GraphName(g), decode(o)))  # type: ignore[arg-type]
        name = self.ns.name
        for (uri, pred), pairs in groups.items():
            prop = name(pred)
            found = literal_props(prop, pairs, clear=uri not in new)
            if found.get(prop + SHADOW) is not None:  # only inexact values can be datetimes
                found[prop] = _sendable(found[prop], self.datetimes)
            props[uri].update(found)
        return props

    def _single_values(
        self, rows: list[Row], props: dict[str, dict[str, Any]], old: set[tuple[str, str]],
    ) -> set[tuple[str, str]]:
        """Lay out, into ``props``, the predicates of new subjects that have one asserted
        literal (most of a load); each distinct literal is laid out once. Returns the
        (subject, predicate) keys of new subjects that need the full layout (several
        values, other graphs); those of existing subjects go into ``old`` (read back)."""
        asserted, existing, name = GraphName.ASSERTED.value, self.existing, self.ns.name
        layout: dict[str, tuple[Any, bool]] = {}
        names: dict[str, str] = {}
        full: set[tuple[str, str]] = set()
        for _, g, s, p, o, _ in rows:
            prop = names.get(p)
            if prop is None:
                prop = names[p] = name(p)
            if s in existing:
                old.add((s, p))
                continue
            d = props[s]
            if prop in d or g != asserted:
                full.add((s, p))
                continue
            value = layout.get(o)
            if value is None:
                value = layout[o] = self._single(o)
            d[prop] = value[0]
            if value[1]:
                d[prop + SHADOW] = [o]
        for s, p in full:  # their full layout replaces what was set above
            d, prop = props[s], names[p]
            d.pop(prop, None)
            d.pop(prop + SHADOW, None)
        return full

    def _single(self, key: str) -> tuple[Any, bool]:
        value, inexact = single_value(key)
        return (_sendable(value, self.datetimes), True) if inexact else (value, False)

    def _create_nodes(
        self, new: set[str], props: dict[str, dict[str, Any]], classes: dict[str, list[str]],
    ) -> None:
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[list[Any]]] = defaultdict(list)
        label_sets: dict[tuple[str, ...], tuple[str, ...]] = {}
        shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # property keys as set -> sorted
        none: dict[str, Any] = {}
        for uri in sorted(new):
            names = (*classes.get(uri, ()), "BNode") if uri.startswith(BNODE) else (*classes.get(uri, ()),)
            labels = label_sets.get(names)
            if labels is None:
                labels = label_sets[names] = tuple(sorted(set(names)))
            values = props.get(uri, none)  # a new node's: no None to clear
            keys = shapes.get(shape := tuple(values))
            if keys is None:
                keys = shapes[shape] = tuple(sorted(values))
            groups[(labels, keys)].append([uri, *map(values.__getitem__, keys)])
        for (labels, keys), rows in groups.items():
            batched(self.tx, cy.nodes_create(labels, keys), "rows", rows)

    def _add_labels(self, classes: dict[str, list[str]], new: set[str]) -> None:
        by_label: dict[str, list[str]] = defaultdict(list)
        for uri, labels in classes.items():
            if uri not in new:
                for label in labels:
                    by_label[label].append(uri)
        for label, uris in sorted(by_label.items()):
            batched(self.tx, cy.label_add(label), "uris", uris)

    def _drop_labels(self, rel_del: list[Row]) -> None:
        by_class: dict[str, list[str]] = defaultdict(list)
        for _, _, s, p, o, _ in rel_del:
            if p == RDF_TYPE_IRI and o[0] == "U":
                by_class[o[1:]].append(s)
        for cls, uris in sorted(by_class.items()):
            batched(self.tx, cy.label_drop(self.ns.name(cls)), "uris", uris, cls=cls)
