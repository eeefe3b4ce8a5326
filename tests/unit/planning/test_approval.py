"""Approval state lives in the store: a later process approves what an earlier one parked."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PlanningError
from engine.planning import LoopConfig, PlanState, approve, load_plans, reject, settle
from engine.store import SqliteStore, triples
from engine.vocab import EX, OPS
from tests.unit.planning.conftest import MakeLoop, alert, estate

DB_DOWN = ("DELETE { ex:orders-db-1 ops:health ?h . ex:orders-db ops:maxInstances ?m } "
           'INSERT { ex:orders-db-1 ops:health "crashed" . ex:orders-db ops:maxInstances 3 } '
           "WHERE { ex:orders-db-1 ops:health ?h . ex:orders-db ops:maxInstances ?m }")


def _park(path: Path, make_loop: MakeLoop) -> None:
    store = SqliteStore(path, create=True)
    estate(store, DB_DOWN)
    loop = make_loop(store, config=LoopConfig(max_retries=0))
    loop.ingest(alert(EX["orders-db-1"]), [], "alert")
    settle(loop)
    store.close()


def test_a_plan_parked_in_one_process_is_approved_in_the_next(tmp_path, make_loop: MakeLoop) -> None:
    _park(tmp_path / "w.db", make_loop)
    store = SqliteStore(tmp_path / "w.db")
    parked = [p for p in load_plans(store) if p.state is PlanState.AWAITING_APPROVAL]
    assert len(parked) == 1 and parked[0].steps[0].action == OPS.Failover
    loop = make_loop(store, now=store.head().timestamp)  # a new process: everything from the store
    done = approve(loop, parked[0].iri, EX.chen)
    assert done.state is PlanState.COMPLETED
    assert done.approver == EX.chen
    assert (done.iri, OPS.approvedBy, EX.chen) in set(triples(store))
    new = {s for s, _, _ in triples(store, (None, OPS.instanceOf, EX["orders-db"]))}
    assert len(new) == 3  # the failover started a fresh instance on the twin
    store.close()


def test_reject_stops_the_plan_and_a_second_answer_is_refused(tmp_path, make_loop: MakeLoop) -> None:
    _park(tmp_path / "w.db", make_loop)
    store = SqliteStore(tmp_path / "w.db")
    loop = make_loop(store, now=store.head().timestamp)
    (parked,) = [p for p in loop.plans.values() if p.state is PlanState.AWAITING_APPROVAL]
    tail = str(parked.iri).rsplit("/", 1)[-1][:8]
    from rdflib import URIRef

    done = reject(loop, URIRef(tail), EX.chen, "wait for the DBA")
    assert done.state is PlanState.REJECTED and "wait for the DBA" in done.reason
    with pytest.raises(PlanningError, match="not awaiting_approval"):
        approve(loop, parked.iri, EX.chen)
    store.close()


def test_only_a_person_may_approve(tmp_path, make_loop: MakeLoop) -> None:
    _park(tmp_path / "w.db", make_loop)
    store = SqliteStore(tmp_path / "w.db")
    loop = make_loop(store, now=store.head().timestamp)
    (parked,) = [p for p in loop.plans.values() if p.state is PlanState.AWAITING_APPROVAL]
    with pytest.raises(PlanningError, match="not a person"):
        approve(loop, parked.iri, EX["orders-db"])
    with pytest.raises(PlanningError, match="no plan"):
        approve(loop, EX["no-such-plan"], EX.chen)
    store.close()
