"""Integration fixtures: a real Bolt server for the whole session, a clean store per test.

``bolt_server`` takes, in order, a server from ``TIER1_TEST_NEO4J_URI`` /
``_USER`` / ``_PASSWORD``, testcontainers' Neo4j (where Docker works), or
ArcadeDB from the ``arcadedb-embedded`` wheel. If none starts, every test
that needs it fails with the reason: the Bolt tests are never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.store import GraphStore
from engine.store._neo4j import Neo4jStore
from tests.support.bolt import BoltServer, BoltServerError, wipe
from tests.support.bolt import bolt_server as start_bolt_server


@pytest.fixture(scope="session")
def bolt_server() -> Iterator[BoltServer]:
    try:
        ctx = start_bolt_server()
        server = ctx.__enter__()
    except BoltServerError as exc:
        pytest.fail(f"no Bolt server for the neo4j tests, and they must not be skipped: {exc}")
    try:
        yield server
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture
def neo4j_env(bolt_server: BoltServer, monkeypatch: pytest.MonkeyPatch) -> BoltServer:
    """Credentials in the environment, where ``Neo4jStore.connect`` reads them."""
    monkeypatch.setenv("TIER1_NEO4J_USER", bolt_server.user)
    monkeypatch.setenv("TIER1_NEO4J_PASSWORD", bolt_server.password)
    return bolt_server


@pytest.fixture
def neo4j_store(neo4j_env: BoltServer) -> Iterator[GraphStore]:
    """A Neo4j store on an emptied database."""
    wipe(neo4j_env)
    store = Neo4jStore.connect(neo4j_env.uri, create=True)
    yield store
    store.close()
