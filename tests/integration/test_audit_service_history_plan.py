"""service-history finds a plan's page through the plan the same way in Cypher and SPARQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine.provenance import run_audit
from engine.store import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "provenance"))
from provlog import add_ruleless_steps, build_log  # type: ignore[import-not-found]
from test_service_history_by_plan import plan_on_orders  # type: ignore[import-not-found]

pytestmark = pytest.mark.neo4j


def test_cypher_finds_the_page_through_the_plan(neo4j_store, tmp_path):
    embedded = SqliteStore(tmp_path / "world.db", create=True)
    try:
        rows = []
        for store in (neo4j_store, embedded):
            log = build_log(store)
            add_ruleless_steps(log)
            plan_on_orders(store)
            result = run_audit(store, "service-history", {"service": "ex:orders"})
            rows.append((result.language, result.rows))
        (lang_g, graph), (lang_e, emb) = rows
        assert (lang_g, lang_e) == ("cypher", "sparql")
        assert [r["action"] for r in graph] == ["https://w3id.org/tier1/ops#Page"]
        assert graph == emb
    finally:
        embedded.close()
