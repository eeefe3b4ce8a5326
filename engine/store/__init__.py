"""World stores: versioned named graphs behind one Protocol.

``open_store(spec)`` picks the backend; ``GraphStore`` is the contract.
"""

from engine.store._base import (
    ALL_GRAPHS,
    Capabilities,
    GraphStore,
    OverlappedCommit,
    resolve_ref,
    triples,
)
from engine.store._memory import MemoryStore
from engine.store._model import Commit, CommitMeta, CommitRef, Delta, Diff
from engine.store._open import is_neo4j_uri, open_store
from engine.store._sqlite import SqliteStore

__all__ = [
    "ALL_GRAPHS",
    "Capabilities",
    "Commit",
    "CommitMeta",
    "CommitRef",
    "Delta",
    "Diff",
    "GraphStore",
    "MemoryStore",
    "OverlappedCommit",
    "SqliteStore",
    "is_neo4j_uri",
    "open_store",
    "resolve_ref",
    "triples",
]
