"""`ingest` on both stores: a storm with a crash, fed as JSON lines, is one plan that runs to
completion on the twin, with an intact provenance chain."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.planning import Loop, PlanState, load_plans
from engine.planning._events import parse_events
from engine.planning._intake import ingest
from engine.planning._wiring import LoopSetup, real_ports
from engine.provenance import verify_chain
from engine.store import GraphStore, SqliteStore
from engine.vocab import EX
from tests.unit.planning.conftest import estate

REPO = Path(__file__).resolve().parents[2]
SETUP = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))
NOW = datetime(2026, 11, 28, 9, 0, 30, tzinfo=UTC)
EVENTS = [json.dumps({"alert": f"ex:search-storm-{i}", "about": "ex:search-2",
                      "time": "2026-11-28T09:00:30Z"}) for i in range(40)]
EVENTS.append(json.dumps({"about": "ex:search-2", "observe": {"ops:health": "crashed"}}))


def feed(store: GraphStore) -> None:
    estate(store)
    loop = Loop(store, real_ports(store, None, SETUP, NOW), now=NOW, config=SETUP.config)
    report = ingest(loop, parse_events("\n".join(EVENTS), "storm.jsonl"), batch=16)
    assert (report.events, report.batches, report.duplicates) == (41, 3, 39)
    (plan,) = load_plans(store)
    assert plan.state is PlanState.COMPLETED, plan.reason
    assert plan.triggers == 1  # the first alert; the other 39 are its duplicates
    chain = verify_chain(store)
    assert chain.ok and chain.records > 0, chain.problems


def test_ingest_on_the_embedded_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.db", create=True)
    try:
        feed(store)
    finally:
        store.close()


@pytest.mark.neo4j
def test_ingest_on_the_bolt_server(neo4j_store: GraphStore) -> None:
    feed(neo4j_store)
    # docs/loop.md's Cypher for an alert's duplicates answers on the property graph
    text = (REPO / "docs" / "loop.md").read_text()
    (query,) = re.findall(r"`(MATCH \(d:ops__DuplicateAlert\).*?)`", text, re.S)
    rows = neo4j_store.run_cypher(" ".join(query.split()),  # type: ignore[attr-defined]
                                  {"alert": str(EX["search-storm-0"])})
    assert sorted(r["d.uri"] for r in rows) == sorted(str(EX[f"search-storm-{i}"])
                                                     for i in range(1, 40))
    assert all(r["d.ops__repeatedAt"] for r in rows)
