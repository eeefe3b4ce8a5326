"""Commits large enough to run on the writer thread, on a real Bolt server: what they
write equals the embedded store's, and a failure, in the server or in the caller,
reaches the caller unchanged, stops the thread and leaves nothing written."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal

from bench.worldgen import generate
from engine.store import CommitMeta, Delta, SqliteStore
from engine.store import _neo4j_cypher as cy
from engine.store._neo4j import Neo4jStore, _head
from engine.store._neo4j_mapping import Namespaces
from engine.store._neo4j_write import PIPELINE_MIN, apply_commit
from engine.vocab import EX, OPS, GraphName

pytestmark = pytest.mark.neo4j
META = CommitMeta(author="alice", message="big")


def writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tier1-neo4j-writer"]


def in_tx(store: Neo4jStore, work: Callable[[Any, Namespaces], Any]) -> Any:
    """``work(tx, namespaces)`` in one transaction of ``store``'s server, committed if it returns."""
    with store._driver.session(database=store.database) as session, \
            session.begin_transaction() as tx:
        ns = Namespaces((r["prefix"], r["ns"]) for r in tx.run(cy.PREFIXES_READ))
        out = work(tx, ns)
        if not tx.closed():
            tx.commit()
        return out


@pytest.fixture
def loaded(neo4j_store: Neo4jStore) -> Iterator[Neo4jStore]:
    """A store holding one small commit."""
    neo4j_store.commit(Delta.of([(EX[f"s{i}"], OPS.tier, Literal(i)) for i in range(10)]), META)
    yield neo4j_store


def big_delta(n: int = PIPELINE_MIN + 1000) -> Delta:
    triples = generate(n)
    stamp = Literal(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    return Delta.of([*triples, (EX.clock, OPS.firedAt, stamp)])


def test_large_commits_over_existing_subjects_equal_sqlite(
        neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    ref = SqliteStore(tmp_path / "ref.db", create=True)
    world = list(dict.fromkeys(generate(3 * PIPELINE_MIN)))
    first, rest = world[: 2 * PIPELINE_MIN], world[2 * PIPELINE_MIN:]
    steps = [Delta.of(first),  # no head: statements go out while the view is built
             Delta.of(rest, first[: PIPELINE_MIN // 2]),  # existing subjects: reads between writes
             Delta.of(first[: PIPELINE_MIN + 10], graph=GraphName.INFERRED)]
    for delta in steps:
        assert len(delta) > PIPELINE_MIN
        for store in (ref, neo4j_store):
            store.commit(delta, META)
    for seq in range(len(steps) + 1):
        assert set(neo4j_store.quads(at=seq)) == set(ref.quads(at=seq))
    assert neo4j_store.diff(0, len(steps)) == ref.diff(0, len(steps))
    assert [(c.seq, c.added, c.removed) for c in neo4j_store.log()] == [
        (c.seq, c.added, c.removed) for c in ref.log()]
    assert neo4j_store.export_view() == set(ref.quads())
    assert writers() == []


def test_an_error_in_a_queued_write_is_raised_unchanged_and_stops_later_ones(
        loaded: Neo4jStore) -> None:
    """A value the driver cannot send (here a datetime encoder's bad output) fails the
    node-creating statement on the writer thread, after the ``Stmt`` writes were queued:
    ``apply_commit`` raises the driver's own exception, and within the same transaction
    the server holds the statements queued before it but none queued after (no ``Commit``)."""
    seen: dict[str, Any] = {}

    def work(tx: Any, ns: Namespaces) -> None:
        head = _head(tx)
        with pytest.raises(Exception) as caught:
            apply_commit(tx, big_delta(), META, ns, head, lambda value: object())
        seen["error"] = caught.value
        seen["writers"] = writers()
        seen["stmts"] = tx.run("MATCH (s:Stmt) WHERE s.added = 2 RETURN count(s)").single()[0]
        seen["commits"] = tx.run("MATCH (c:Commit) RETURN count(c)").single()[0]
        tx.rollback()

    in_tx(loaded, work)
    error = seen["error"]
    assert type(error) is ValueError and "are not supported" in str(error)  # the driver's own
    assert seen["writers"] == [] and seen["stmts"] > PIPELINE_MIN and seen["commits"] == 1
    assert [c.seq for c in loaded.log()] == [1]
    assert loaded.export_view() == set(loaded.quads())


def test_an_interrupt_while_statements_are_queued_stops_the_thread_and_writes_nothing(
        loaded: Neo4jStore) -> None:
    """``KeyboardInterrupt`` raised on the caller's thread while the view is being built
    (the statements already queued): it leaves ``apply_commit`` once the writer is stopped,
    the transaction rolls back, and the store takes the next commit."""
    before = loaded.count()
    queued: list[int] = []

    def interrupt(value: datetime) -> object:
        queued.append(len(writers()))  # the writer is running
        raise KeyboardInterrupt

    def work(tx: Any, ns: Namespaces) -> object:
        return apply_commit(tx, big_delta(), META, ns, _head(tx), interrupt)

    with pytest.raises(KeyboardInterrupt):
        in_tx(loaded, work)
    assert queued == [1] and writers() == []
    assert loaded.count() == before and [c.seq for c in loaded.log()] == [1]
    after = loaded.commit(big_delta(), META)
    assert after.seq == 2 and loaded.export_view() == set(loaded.quads())
