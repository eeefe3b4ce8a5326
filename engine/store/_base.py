"""The world-store contract: one small Protocol every backend implements.

A backend keeps the asserted, inferred and provenance graphs apart, applies
each :class:`Delta` atomically as one :class:`Commit`, and answers pattern
reads now or as of any earlier commit. The embedded SQLite store is the
reference; the in-memory store is its twin for tests; Neo4j must agree with
both (the contract suite in ``tests/contract`` runs on all of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

from engine.errors import CommitNotFound, ConflictError
from engine.store._model import Commit, CommitMeta, CommitRef, Delta, Diff, Pattern, Quad, Triple
from engine.vocab import GraphName

__all__ = [
    "ALL_GRAPHS",
    "Capabilities",
    "GraphStore",
    "OverlappedCommit",
    "check_absent",
    "only_match",
    "resolve_ref",
    "triples",
]

ALL_GRAPHS: tuple[GraphName, ...] = tuple(GraphName)


class Capabilities(BaseModel):
    """What a backend can do, declared as flags (like rdflib's ``Store``)."""

    model_config = ConfigDict(frozen=True)

    persistent: bool
    time_travel: bool = True
    cypher: bool = False


@runtime_checkable
class GraphStore(Protocol):
    """A versioned store of quads in three named graphs.

    ``at`` is a commit sequence number (``Commit.seq``); ``None`` means now.
    """

    capabilities: ClassVar[Capabilities]
    location: str

    def commit(self, delta: Delta, meta: CommitMeta) -> Commit:
        """Apply ``delta`` atomically. Adds already present and removes already
        absent are dropped; the commit counts only effective changes."""
        ...

    def quads(
        self, pattern: Pattern = (None, None, None), *,
        graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None,
    ) -> Iterator[Quad]:
        """Quads matching ``pattern`` in ``graphs``, now or as of commit ``at``."""
        ...

    def count(self, *, graphs: Iterable[GraphName] = ALL_GRAPHS, at: int | None = None) -> int:
        """Number of quads in ``graphs``, now or as of commit ``at``."""
        ...

    def head(self) -> Commit | None:
        """The newest commit, or ``None`` for an empty store."""
        ...

    def log(self, *, limit: int | None = None) -> list[Commit]:
        """Commits, newest first."""
        ...

    def find_commit(self, ref: CommitRef) -> Commit:
        """The commit ``ref`` names; ``HEAD~N`` is resolved by :func:`resolve_ref`."""
        ...

    def diff(self, frm: int, to: int) -> Diff:
        """Quads added and removed going from commit ``frm`` to ``to`` (0 = empty)."""
        ...

    def close(self) -> None:
        ...


@runtime_checkable
class OverlappedCommit(Protocol):
    """A store that can run the caller's work while it writes, inside the same commit (the
    embedded store: SQLite releases the GIL inside a statement). Optional: a caller checks
    ``isinstance(store, OverlappedCommit)`` and otherwise commits the usual way."""

    def commit_while(self, first: Delta, work: Callable[[], Delta], meta: CommitMeta,
                     then: Delta | None = None) -> Commit:
        """Commit ``first | work() | then`` exactly as ``commit`` would, running ``work`` on a
        worker thread while ``first`` is written. ``work`` must not use the store."""
        ...


def check_absent(meta: CommitMeta, live: Callable[[Quad], bool], location: str) -> None:
    """Enforce ``meta.expect_absent`` (every backend calls this inside its transaction, with
    ``live`` reading that transaction's state): a live quad there is a lost race."""
    from engine.terms import curie

    for q in sorted(meta.expect_absent, key=str):
        if live(q):
            raise ConflictError(
                f"{location}: another writer committed {curie(q[0])} {curie(q[1])} "
                f"{curie(q[2])} first, which this commit expected to add itself; nothing of it "
                "was written: re-run the command (it reads the store afresh)"
            )


def triples(
    store: GraphStore, pattern: Pattern = (None, None, None), *,
    graph: GraphName = GraphName.ASSERTED, at: int | None = None,
) -> Iterator[Triple]:
    """Triples of one graph (helper over :meth:`GraphStore.quads`)."""
    for s, p, o, _ in store.quads(pattern, graphs=(graph,), at=at):
        yield (s, p, o)


def resolve_ref(store: GraphStore, ref: str | CommitRef) -> Commit:
    """Resolve what a user typed (``HEAD~2``, ``12``, ``3fa9c1``, an ISO time) to a commit."""
    r = CommitRef.parse(ref) if isinstance(ref, str) else ref
    if r.back is not None:
        head = store.head()
        if head is None:
            raise CommitNotFound("the store has no commits yet; load something first (tier1 load)")
        if r.back >= head.seq:
            raise CommitNotFound(f"HEAD~{r.back} is before the first commit; use at most HEAD~{head.seq - 1}")
        if r.back == 0:
            return head
        return store.find_commit(CommitRef(seq=head.seq - r.back))
    return store.find_commit(r)


_T = TypeVar("_T")


def only_match(hits: Sequence[_T], ref: CommitRef) -> _T:
    """The single commit (or row) a ref matched; none or several is a :class:`CommitNotFound`
    that says what to do. Every backend's ``find_commit`` ends here."""
    if not hits:
        raise CommitNotFound(f"no commit matches {str(ref)!r}; list them with 'tier1 log'")
    if len(hits) > 1:
        raise CommitNotFound(f"{str(ref)!r} matches several commits; give more digits of the id")
    return hits[0]
