"""Configuration: the only module that reads environment variables (at call time)."""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import ConfigError

__all__ = ["default_store_spec", "neo4j_credentials", "neo4j_database", "neo4j_timeout"]

NEO4J_TIMEOUT_S = 15.0


def default_store_spec() -> str:
    """The per-user embedded store: ``$XDG_DATA_HOME/tier1/world.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "tier1" / "world.db")


def neo4j_credentials() -> tuple[str, str]:
    """User and password for Neo4j from ``TIER1_NEO4J_USER`` / ``TIER1_NEO4J_PASSWORD``
    (falling back to ``NEO4J_USERNAME`` or ``NEO4J_USER``, as Neo4j's own tools name them, and
    ``NEO4J_PASSWORD``)."""
    env = os.environ
    user = (env.get("TIER1_NEO4J_USER") or env.get("NEO4J_USERNAME") or env.get("NEO4J_USER")
            or "neo4j")
    password = env.get("TIER1_NEO4J_PASSWORD") or env.get("NEO4J_PASSWORD") or ""
    return user, password


def neo4j_database() -> str | None:
    """The Neo4j database to use from ``TIER1_NEO4J_DATABASE``; ``None`` means the
    server's default database."""
    return os.environ.get("TIER1_NEO4J_DATABASE") or None


def neo4j_timeout() -> float:
    """Seconds to wait for a Neo4j server to connect and answer the Bolt handshake, from
    ``TIER1_NEO4J_TIMEOUT`` (default 15: a server that accepts connections but never answers
    is reported after that, not after the driver's 60 s)."""
    raw = os.environ.get("TIER1_NEO4J_TIMEOUT")
    if not raw:
        return NEO4J_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise ConfigError(f"TIER1_NEO4J_TIMEOUT={raw!r} is not a number of seconds above 0; "
                          f"set it to e.g. 30, or unset it for the default {NEO4J_TIMEOUT_S:g}")
    return value
