"""The shipped provenance audits (Cypher) on the Neo4j view answer exactly what the
SPARQL form answers on the in-memory store, for the same provenance log."""

from __future__ import annotations

import pytest

from engine.provenance import AUDITS, run_audit
from engine.store import MemoryStore
from engine.store._neo4j import Neo4jStore
from tests.unit.provenance.provlog import build_log

pytestmark = pytest.mark.neo4j


def test_cypher_audits_on_neo4j_equal_sparql_on_memory(neo4j_store: Neo4jStore) -> None:
    neo, ref = build_log(neo4j_store), build_log(MemoryStore())
    params = {"why": {"subject": str(neo.records[3].iri)}, "service-history": {"service": "ex:checkout"},
              "approved-by": {"person": "ex:alice"}}
    for name in AUDITS:
        got = run_audit(neo4j_store, name, params.get(name, {}))
        want = run_audit(ref.store, name, params.get(name, {}))
        assert (got.language, want.language) == ("cypher", "sparql")
        assert got.rows == want.rows, name
        assert got.rows, f"audit {name} found nothing: the comparison would prove nothing"
