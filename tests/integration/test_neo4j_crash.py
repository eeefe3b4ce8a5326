"""A Bolt server killed in the middle of a commit: after a restart the commit is
either fully present or fully absent, and the store goes on working.

Uses its own ArcadeDB process (not the session server) so it can SIGKILL it.
Against a server from TIER1_TEST_NEO4J_URI this test cannot kill anything,
so it runs on ArcadeDB from the wheel in every case.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from rdflib import Literal

from bench.worldgen import generate
from engine.errors import StoreError
from engine.store import CommitMeta, Delta
from engine.store._neo4j import Neo4jStore
from engine.vocab import EX, OPS
from tests.support.bolt import ARCADE_PASSWORD, ArcadeServer

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
META = CommitMeta(author="loader", message="big load")


@pytest.fixture
def own_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ArcadeServer:
    server = ArcadeServer(tmp_path / "arcadedb")
    server.start()
    monkeypatch.setenv("TIER1_NEO4J_USER", "root")
    monkeypatch.setenv("TIER1_NEO4J_PASSWORD", ARCADE_PASSWORD)
    yield server  # type: ignore[misc]
    server.kill()


def test_kill_mid_commit_leaves_it_all_or_nothing(own_server: ArcadeServer) -> None:
    store = Neo4jStore.connect(own_server.uri, create=True)
    small = [(EX[f"s{i}"], OPS.tier, Literal(i)) for i in range(100)]
    store.commit(Delta.of(small), CommitMeta(author="loader", message="small"))
    big = Delta.of(generate(40_000))
    outcome: list[object] = []

    def load() -> None:
        try:
            outcome.append(store.commit(big, META))
        except StoreError as exc:
            outcome.append(exc)

    writer = threading.Thread(target=load)
    writer.start()
    time.sleep(1.5)  # well inside a commit of 40k triples (several seconds)
    own_server.kill()
    writer.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], StoreError), (
        f"the commit was not interrupted ({outcome}); make it bigger")
    store.close()

    own_server.start()
    after = Neo4jStore.connect(own_server.uri)
    head = after.head()
    assert head is not None and head.seq in (1, 2)
    expected = len(small) if head.seq == 1 else len(small) + len(big)
    assert after.count() == expected
    assert after.export_view() == set(after.quads())
    later = after.commit(Delta.of([(EX.after, OPS.tier, Literal(1))]), META)
    assert later.seq == head.seq + 1
    after.close()
