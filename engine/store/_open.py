"""Pick a backend from a store spec: a path, ``memory:``, or a Neo4j URI."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from engine.errors import ConfigError
from engine.store._base import GraphStore

__all__ = ["is_neo4j_uri", "open_store"]

_NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


_NEO4J_LIKE = re.compile(r"(?i)(neo4j|bolt)(\+s|\+ssc)?:")


def is_neo4j_uri(spec: str) -> bool:
    return spec.startswith(_NEO4J_SCHEMES)


def _check_neo4j_uri(spec: str) -> None:
    """Refuse what would silently go elsewhere: a database in the URI's path (the driver
    ignores it and uses the server's default database)."""
    path = urlsplit(spec).path
    if path not in ("", "/"):
        name = path.strip("/")
        raise ConfigError(
            f"{spec!r} names a database in its path, which the Neo4j driver ignores: drop "
            f"{path!r} from the URI and set TIER1_NEO4J_DATABASE={name} instead"
        )


def open_store(spec: str, *, create: bool = False) -> GraphStore:
    """Open the store ``spec`` names.

    Args:
        spec: ``memory:``; a ``neo4j://`` or ``bolt://`` URI; a ``.db``/``.sqlite``
            file; or a directory, which holds ``world.db``.
        create: create the embedded store if it does not exist yet.
    """
    if spec in ("memory:", ":memory:"):
        from engine.store._memory import MemoryStore

        return MemoryStore()
    if is_neo4j_uri(spec):
        from engine.store._neo4j import Neo4jStore

        _check_neo4j_uri(spec)
        return Neo4jStore.connect(spec, create=create)
    if _NEO4J_LIKE.match(spec):
        raise ConfigError(
            f"{spec!r} looks like a Neo4j URI but is not one (a path would make a local store "
            "of that name): write neo4j://host:7687 or bolt://host:7687"
        )
    if "://" in spec:
        raise ConfigError(
            f"unknown store scheme in {spec!r}: use a path for the embedded store, "
            "or a neo4j:// or bolt:// URI"
        )
    from engine.store._sqlite import SqliteStore

    path = Path(spec).expanduser()
    if path.is_dir() or (not path.suffix and not path.exists()):
        path = path / "world.db"
    return SqliteStore(path, create=create)
