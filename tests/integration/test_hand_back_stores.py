"""QA pass 9 N3 on both stores, with the real rules, shapes, agents and provenance: a restart
blocked by the payments freeze pages Sofia; she fixes payments-2 and resolves the alert, and
the goal is handed back; a later crash inside the freeze is a new plan, blocked, and a
second page (before, the goal stayed failed and nobody was paged)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.planning import Loop, PlanState, load_goals, load_plans
from engine.planning._events import parse_events
from engine.planning._intake import ingest
from engine.planning._wiring import LoopSetup, real_ports
from engine.provenance import verify_chain
from engine.store import GraphStore, SqliteStore, triples
from engine.vocab import EX, OPS, GraphName
from tests.unit.planning.conftest import estate

REPO = Path(__file__).resolve().parents[2]
SETUP = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _crash(alert: str, at: str) -> str:
    return "\n".join(json.dumps(e) for e in (
        {"alert": alert, "about": "ex:payments-2", "severity": "critical", "time": at},
        {"about": "ex:payments-2", "observe": {"ops:health": "crashed"}}))


def _fixed(alert: str) -> str:
    return "\n".join(json.dumps(e) for e in (
        {"about": "ex:payments-2", "observe": {"ops:health": "healthy"}},
        {"about": alert, "observe": {"ops:status": "resolved"}}))


def _pages(store: GraphStore) -> list[str]:
    prov = GraphName.PROVENANCE
    return sorted(str(o) for r, _, _ in triples(store, (None, OPS.executedAction, OPS.Page),
                                                graph=prov)
                  for _, _, o in triples(store, (r, OPS.actedOn, None), graph=prov))


def hand_back(store: GraphStore) -> None:
    estate(store)
    loop = Loop(store, real_ports(store, None, SETUP, NOW), now=NOW, config=SETUP.config)
    ingest(loop, parse_events(_crash("ex:pay-down-1", "2026-11-28T09:00:00Z")))
    assert [p.state for p in load_plans(store)] == [PlanState.BLOCKED]
    assert [g.status for g in load_goals(store)] == ["failed"]
    ingest(loop, parse_events(_fixed("ex:pay-down-1")))
    assert [g.status for g in load_goals(store)] == ["met"]
    ingest(loop, parse_events(_crash("ex:pay-down-2", "2026-11-28T11:00:00Z")))
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [(p.attempt, p.state) for p in plans] == [(0, PlanState.BLOCKED),
                                                     (1, PlanState.BLOCKED)]
    assert "freeze" in plans[1].reason
    assert _pages(store) == [str(EX.sofia)] * 2
    assert [g.status for g in load_goals(store)] == ["failed"]
    chain = verify_chain(store)
    assert chain.ok, chain.problems


def test_hand_back_on_the_embedded_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.db", create=True)
    try:
        hand_back(store)
    finally:
        store.close()


@pytest.mark.neo4j
def test_hand_back_on_the_bolt_server(neo4j_store: GraphStore) -> None:
    hand_back(neo4j_store)
