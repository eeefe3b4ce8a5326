"""Shared fixtures. ``any_store`` runs a test on every store backend.

The ``neo4j`` backend param uses the Bolt server that the integration
fixtures start (see tests/support/bolt.py); it never silently skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.store import GraphStore, MemoryStore, SqliteStore

REPO = Path(__file__).resolve().parents[1]
STORE_KINDS = ["memory", "sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> GraphStore:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqliteStore(tmp_path / "world.db", create=True)
    if kind == "neo4j":
        store: GraphStore = request.getfixturevalue("neo4j_store")
        return store
    raise ValueError(kind)


@pytest.fixture(params=STORE_KINDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh, empty store of each backend kind."""
    store = make_store(request.param, tmp_path, request)
    yield store
    store.close()


@pytest.fixture
def repo() -> Path:
    return REPO
