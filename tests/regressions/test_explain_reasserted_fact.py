"""Regression (QA3 #6): ``explain`` named the first commit that ever asserted a fact.

``ex:search-2 ops:health "healthy"`` held at commit 1, was removed (crashed), then asserted
again; ``asserted_commit`` binary-searched a presence that is not monotone and answered
commit 1 instead of the commit that made the fact hold now.
"""

from __future__ import annotations

from rdflib import Literal

from engine.inference import asserted_commit
from engine.store import CommitMeta, Delta, MemoryStore
from engine.vocab import EX, OPS

HEALTHY = (EX.s2, OPS.health, Literal("healthy"))
CRASHED = (EX.s2, OPS.health, Literal("crashed"))


def _commit(store: MemoryStore, adds: list[tuple[object, ...]], removes: list[tuple[object, ...]],
            msg: str) -> str:
    return store.commit(Delta.of(adds, removes), CommitMeta(author="t", message=msg)).id  # type: ignore[arg-type]


def test_reasserted_fact_names_the_last_assertion() -> None:
    store = MemoryStore()
    _commit(store, [HEALTHY], [], "estate")
    for i in range(5):
        _commit(store, [(EX[f"x{i}"], OPS.name, Literal(str(i)))], [], f"noise {i}")
    _commit(store, [CRASHED], [HEALTHY], "crashed")
    _commit(store, [], [CRASHED], "unknown")
    again = _commit(store, [HEALTHY], [], "observed: restart")
    _commit(store, [(EX.y, OPS.name, Literal("y"))], [], "later")
    assert asserted_commit(store, HEALTHY) == again


def test_one_commit_gap_is_seen() -> None:
    store = MemoryStore()
    _commit(store, [HEALTHY], [], "estate")
    _commit(store, [], [HEALTHY], "gone")
    again = _commit(store, [HEALTHY], [], "back")
    for i in range(4):
        _commit(store, [(EX[f"x{i}"], OPS.name, Literal(str(i)))], [], f"noise {i}")
    assert asserted_commit(store, HEALTHY) == again


def test_continuous_and_absent_facts() -> None:
    store = MemoryStore()
    first = _commit(store, [HEALTHY], [], "estate")
    _commit(store, [(EX.y, OPS.name, Literal("y"))], [], "later")
    assert asserted_commit(store, HEALTHY) == first
    assert asserted_commit(store, CRASHED) is None
