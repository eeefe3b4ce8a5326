"""The indexed in-memory working set: terms interned to ints, two hash indexes.

``so[p][s]`` is the set of objects and ``os[p][o]`` the set of subjects of
predicate ``p``; both hold the union of asserted (``base``) and derived facts.
``derived`` maps each derived fact to the sequence number of its insertion:
a fact always has a derivation whose premises all carry smaller numbers
(asserted facts count as 0), which keeps explanations well-founded.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Container, Iterable, Iterator
from datetime import datetime
from typing import Any

from rdflib import Literal

from engine.inference._values import to_value
from engine.terms import Node

__all__ = ["Fact", "TermTable", "WorkingSet"]

Fact = tuple[int, int, int]
EMPTY: frozenset[int] = frozenset()


class _Ids(dict[Node, int]):
    """Term -> id; subscripting a new term interns it (``.get`` only looks)."""

    def __init__(self, nodes: list[Node]) -> None:
        super().__init__()
        self.nodes = nodes

    def __missing__(self, node: Node) -> int:
        i = self[node] = len(self.nodes)
        self.nodes.append(node)
        return i


class TermTable:
    """Interns RDF terms to dense ints and caches their Python values."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.ids: dict[Node, int] = _Ids(self.nodes)
        self._values: dict[int, object] = {}
        self._ints: dict[int, int] = {}

    def intern(self, node: Node) -> int:
        return self.ids[node]

    def intern_all(self, triples: Iterable[tuple[Node, Node, Node]]) -> list[Fact]:
        """The facts of ``triples``, interning new terms (a batch's way in: the lookups stay
        in C for the terms already known)."""
        ids = self.ids
        return [(ids[s], ids[p], ids[o]) for s, p, o in triples]

    def integer(self, n: int) -> int:
        """The id of the integer literal ``n`` (a count's value), cached: building a Literal
        per count was a third of a storm's rule evaluation."""
        i = self._ints.get(n)
        if i is None:
            i = self._ints[n] = self.intern(Literal(n))
        return i

    def value(self, i: int) -> object:
        v = self._values.get(i, self)
        if v is self:
            v = self._values[i] = to_value(self.nodes[i])
        return v


class WorkingSet:
    """Facts as int triples, indexed by predicate then subject / object."""

    def __init__(self) -> None:
        self.terms = TermTable()
        self.so: dict[int, dict[int, set[int]]] = {}
        self.os: dict[int, dict[int, set[int]]] = {}
        self.base: set[Fact] = set()
        self.derived: dict[Any, int] = {}  # Fact or proposal key -> insertion seq
        self.proposals: set[Any] = set()
        """The proposal keys of ``derived`` (the agenda reads them without a scan of every
        derived fact: 400k+ of them at 1M triples)."""
        self.seq = 0
        self.watch: dict[int, list[tuple[Any, int, int]]] = {}
        """Predicates of time-window patterns: facts sorted by (datetime value, s, o)."""
        self.watching = False
        self.minted: dict[int, tuple[str, tuple[int, ...]]] = {}
        """Minted IRI id -> (mint label, key term ids), filled by :class:`~._heads.Mint`."""
        self.hidden: dict[int, set[tuple[int, int]]] = {}
        """Facts (``{p: {(s, o)}}``) that ``not``/``count`` blocks skip: DRed fills it with the
        added facts while it evaluates the old state, instead of taking them out of the index."""
        self.gone: dict[int, set[tuple[int, int]]] = {}
        """While DRed over-deletes: the removed facts, which a block's new-state variant skips."""
        self.newnow: list[int | None] = [None]
        """While DRed over-deletes: the new clock value, which a block's new-state variant reads."""
        self.oldnow: list[int | None] = [None]
        """Likewise the old clock value (a key's settle test reads it: ``_codegen.py``)."""

    def rebuild_watch(self) -> None:
        """Sort the watched predicates' facts (after a bulk load) and keep them sorted."""
        val = self.terms.value
        for p in self.watch:
            rows = [(val(o), s, o) for s, objs in self.so.get(p, {}).items() for o in objs]
            self.watch[p] = sorted(r for r in rows if type(r[0]) is datetime)
        self.watching = bool(self.watch)

    def _watch(self, f: Fact, add: bool) -> None:
        lst = self.watch.get(f[1])
        if lst is None:
            return
        v = self.terms.value(f[2])
        if type(v) is not datetime:
            return
        row = (v, f[0], f[2])
        i = bisect_left(lst, row)
        if add:
            if i == len(lst) or lst[i] != row:
                lst.insert(i, row)
        elif i < len(lst) and lst[i] == row:
            del lst[i]

    def has(self, f: Fact) -> bool:
        return f[2] in self.so.get(f[1], _E).get(f[0], EMPTY)

    def present(self, f: Any) -> bool:
        return self.has(f) if len(f) == 3 else f in self.derived

    def index_add(self, f: Fact) -> None:
        self.index_add_all((f,))

    def index_add_all(self, facts: Iterable[Fact]) -> None:
        """Index ``facts`` (a batch at a time: one call, the indexes bound once)."""
        so, os_ = self.so, self.os
        watch: Container[int] = self.watch if self.watching else EMPTY
        for f in facts:
            s, p, o = f
            d = so.get(p)
            if d is None:
                d = so[p] = {}
                os_[p] = {}
            objs = d.get(s)
            if objs is None:
                d[s] = {o}
            else:
                objs.add(o)
            r = os_[p]
            subs = r.get(o)
            if subs is None:
                r[o] = {s}
            else:
                subs.add(s)
            if p in watch:
                self._watch(f, True)

    def index_remove(self, f: Fact) -> None:
        s, p, o = f
        d = self.so.get(p)
        if d is None or s not in d or o not in d[s]:
            return
        d[s].discard(o)
        if not d[s]:
            del d[s]
        r = self.os[p][o]
        r.discard(s)
        if not r:
            del self.os[p][o]
        if self.watching:
            self._watch(f, False)

    def add_derived(self, f: Any) -> bool:
        """Insert a derived fact if absent; True when it is new."""
        if len(f) == 3:
            if self.has(f):
                return False
            self.index_add(f)
        elif f in self.derived:
            return False
        else:
            self.proposals.add(f)
        self.seq += 1
        self.derived[f] = self.seq
        return True

    def drop_derived(self, f: Any) -> bool:
        """Forget a derived fact; True when it is no longer present at all."""
        if self.derived.pop(f, None) is None:
            return False
        self.proposals.discard(f)
        if len(f) == 3 and f not in self.base:
            self.index_remove(f)
            return True
        return len(f) != 3

    def seq_of(self, f: Fact) -> int:
        return 0 if f in self.base else self.derived.get(f, 1 << 62)

    def match(self, s: int | None, p: int | None, o: int | None) -> Iterator[Fact]:
        """Facts matching a pattern; ``None`` is a wildcard."""
        preds = [p] if p is not None else list(self.so)
        for q in preds:
            so = self.so.get(q)
            if not so:
                continue
            if s is not None:
                objs = so.get(s, EMPTY)
                if o is not None:
                    if o in objs:
                        yield (s, q, o)
                else:
                    for x in list(objs):
                        yield (s, q, x)
            elif o is not None:
                for x in list(self.os[q].get(o, EMPTY)):
                    yield (x, q, o)
            else:
                for x, objs in list(so.items()):
                    for y in list(objs):
                        yield (x, q, y)


_E: dict[int, set[int]] = {}
