"""Store specs that would silently go elsewhere are refused before anything connects (QA4 #4,
#5), and Neo4j's own credential variable is read (QA4 #10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import neo4j_credentials
from engine.errors import ConfigError
from engine.store import open_store


@pytest.mark.parametrize("spec", ["neo4j:/localhost:7687", "bolt:localhost:7687",
                                  "BOLT+S:host:7687", "neo4j+ssc:/h"])
def test_a_scheme_without_slashes_is_not_a_local_path(spec: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="looks like a Neo4j URI but is not one"):
        open_store(spec, create=True)
    assert list(tmp_path.iterdir()) == []  # no local store was made of it


def test_a_database_in_the_uri_path_is_refused_with_the_variable_to_set() -> None:
    with pytest.raises(ConfigError, match="set TIER1_NEO4J_DATABASE=s1 instead"):
        open_store("bolt://127.0.0.1:1/s1")


def test_neo4j_username_is_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TIER1_NEO4J_USER", "NEO4J_USER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NEO4J_USERNAME", "root")
    assert neo4j_credentials()[0] == "root"
    monkeypatch.setenv("TIER1_NEO4J_USER", "tier1")
    assert neo4j_credentials()[0] == "tier1"
