"""The in-memory twin of the embedded store: same contract, no file.

Used by unit tests, what-if scratch worlds and the digital twin. It keeps
the same versioned rows as :mod:`engine.store._sqlite` so both answer
as-of reads and diffs identically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import ClassVar

from engine.errors import CommitNotFound
from engine.store._base import ALL_GRAPHS, Capabilities, check_absent, only_match
from engine.store._model import Commit, CommitMeta, CommitRef, Delta, Diff
from engine.terms import Pattern, Quad, encode, sorted_quads
from engine.vocab import GraphName

__all__ = ["MemoryStore"]


class MemoryStore:
    """A versioned quad store in Python dicts; gone when the process ends."""

    capabilities: ClassVar[Capabilities] = Capabilities(persistent=False)

    def __init__(self) -> None:
        self.location = "memory:"
        self._rows: list[list[object]] = []  # [quad, added, removed]
        self._live: dict[Quad, int] = {}  # quad -> row index
        self._commits: list[Commit] = []

    def close(self) -> None:
        pass

    def commit(self, delta: Delta, meta: CommitMeta) -> Commit:
        _check_terms(delta)  # all-or-nothing: refuse bad terms before touching state
        check_absent(meta, self._live.__contains__, self.location)
        head = self.head()
        seq = (head.seq if head else 0) + 1
        ts = (meta.timestamp or datetime.now(UTC)).astimezone(UTC)
        if head and ts < head.timestamp:
            ts = head.timestamp
        removed = 0
        for q in delta.removes:
            idx = self._live.pop(q, None)
            if idx is not None:
                self._rows[idx][2] = seq
                removed += 1
        added = 0
        for q in delta.adds:
            if q not in self._live:
                self._live[q] = len(self._rows)
                self._rows.append([q, seq, None])
                added += 1
        parent = head.id if head else None
        text = f"{parent}|{seq}|{ts.isoformat()}|{meta.author}|{meta.message}|{added}|{removed}"
        commit = Commit(
            id=hashlib.sha256(text.encode()).hexdigest()[:40], seq=seq, timestamp=ts,
            author=meta.author, message=meta.message, parent=parent, added=added, removed=removed,
        )
        self._commits.append(commit)
        return commit

    def quads(
        self, pattern: Pattern = (None, None, None), *,
        graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None,
    ) -> Iterator[Quad]:
        gs = set(graphs)
        s, p, o = pattern
        source: Iterable[Quad] = self._live if at is None else self._alive_at(at)
        for q in list(source):
            if q[3] in gs and (s is None or q[0] == s) and (p is None or q[1] == p) and (
                o is None or q[2] == o
            ):
                yield q

    def _alive_at(self, at: int) -> Iterator[Quad]:
        for q, added, removed in self._rows:
            if added <= at and (removed is None or removed > at):  # type: ignore[operator]
                yield q  # type: ignore[misc]

    def count(self, *, graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None) -> int:
        return sum(1 for _ in self.quads(graphs=graphs, at=at))

    def head(self) -> Commit | None:
        return self._commits[-1] if self._commits else None

    def log(self, *, limit: int | None = None) -> list[Commit]:
        newest = self._commits[::-1]
        return newest if limit is None else newest[:limit]

    def find_commit(self, ref: CommitRef) -> Commit:
        hits: list[Commit]
        if ref.seq is not None:
            hits = [c for c in self._commits if c.seq == ref.seq]
        elif ref.id_prefix is not None:
            hits = [c for c in self._commits if c.id.startswith(ref.id_prefix)]
        elif ref.time is not None:
            before = [c for c in self._commits if c.timestamp <= ref.time]
            hits = before[-1:]
        else:
            raise CommitNotFound(f"{ref} is relative; resolve it with resolve_ref()")
        return only_match(hits, ref)

    def diff(self, frm: int, to: int) -> Diff:
        a = set(self.quads(at=frm)) if frm > 0 else set()
        b = set(self.quads(at=to)) if to > 0 else set()
        return Diff(frm=frm, to=to, added=sorted_quads(b - a), removed=sorted_quads(a - b))


def _check_terms(delta: Delta) -> None:
    for quad in (*delta.adds, *delta.removes):
        for term in quad[:3]:
            encode(term)
