"""The shipped audits give the same answers in Cypher on a real Bolt server as in SPARQL
on the embedded store, and the provenance chain verifies after a round trip through Neo4j."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal

from engine.provenance import AUDITS, run_audit, verify_chain
from engine.store import CommitMeta, Delta, GraphStore, SqliteStore
from engine.vocab import OPS, GraphName

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "provenance"))
from provlog import Log, add_ruleless_steps, build_log  # type: ignore[import-not-found]

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def neo4j_log(bolt_server) -> Iterator[Log]:  # type: ignore[no-untyped-def]
    """One log on the Bolt server, shared by the read-only audit tests of this module."""
    from engine.store._neo4j import Neo4jStore
    from tests.support.bolt import wipe

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIER1_NEO4J_USER", bolt_server.user)
        mp.setenv("TIER1_NEO4J_PASSWORD", bolt_server.password)
        wipe(bolt_server)
        store = Neo4jStore.connect(bolt_server.uri, create=True)
    assert store.capabilities.cypher
    yield _log(store)
    store.close()


@pytest.fixture(scope="module")
def embedded_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Log]:
    store: GraphStore = SqliteStore(tmp_path_factory.mktemp("audit") / "world.db", create=True)
    yield _log(store)
    store.close()


def _log(store: GraphStore) -> Log:
    log = build_log(store)
    add_ruleless_steps(log)  # a runbook's failover and a bare page: no rule proposed either
    return log


CASES = [
    ("why", {"subject": "run:prov/00000004"}),
    ("why", {"subject": "run:step/2"}),
    ("why", {"subject": "run:prov/00000099"}),
    ("why", {"subject": "run:step/runbook"}),
    ("why", {"subject": "run:step/page"}),
    ("service-history", {"service": "ex:checkout"}),
    ("service-history", {"service": "ex:checkout", "from": "2026-11-28T10:30:00Z",
                         "to": "2026-11-28T23:00:00+00:00"}),
    ("service-history", {"service": "ex:payments", "to": "2026-11-28T10:00:00Z"}),
    ("blocked-plans", {}),
    ("blocked-plans", {"from": "2026-11-29"}),
    ("approved-by", {"person": "ex:alice"}),
    ("approved-by", {"person": "ex:bob"}),
    ("approved-by", {"person": "ex:chen"}),
    ("service-history", {"service": "ex:orders-db"}),
    ("top-rules", {}),
    ("top-rules", {"limit": "1"}),
]


def test_every_audit_is_covered():
    assert {name for name, _ in CASES} == set(AUDITS)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_cypher_and_embedded_audits_agree(neo4j_log, embedded_log, name, params):
    graph = run_audit(neo4j_log.store, name, params)
    embedded = run_audit(embedded_log.store, name, params)
    assert (graph.language, embedded.language) == ("cypher", "sparql")
    assert graph.rows == embedded.rows


@pytest.mark.parametrize("step", ["run:step/runbook", "run:step/page"])
def test_why_of_a_step_no_rule_proposed_agrees(neo4j_log, embedded_log, step):
    graph = run_audit(neo4j_log.store, "why", {"subject": step})
    embedded = run_audit(embedded_log.store, "why", {"subject": step})
    (row,) = embedded.rows
    assert row["rules"] == [] and graph.rows == embedded.rows


def test_chain_verifies_on_neo4j_and_catches_tampering(neo4j_store):
    log = build_log(neo4j_store)
    store = log.store
    assert verify_chain(store).ok
    act = log.records[3].iri
    store.commit(Delta.of([(act, OPS.status, Literal("failed"))],
                          [(act, OPS.status, Literal("succeeded"))], GraphName.PROVENANCE),
                 CommitMeta(author="mallory", message="cover up"))
    assert verify_chain(store).records_with("modified") == (act,)


def test_executor_on_neo4j_records_and_never_acts_twice(neo4j_store):
    from datetime import UTC, datetime

    from rdflib.namespace import RDF

    from engine.agents import ActionRequest, DigitalTwin, Executor, SimClock
    from engine.vocab import EX, RUN

    neo4j_store.commit(Delta.of([(EX.svc, RDF.type, OPS.Service)]),
                       CommitMeta(author="t", message="world"))
    clock = SimClock(datetime(2026, 11, 28, tzinfo=UTC))
    req = ActionRequest(step=RUN["step/1"], plan=RUN["plan/1"], action=OPS.Page, target=EX.svc,
                        idempotency_key="neo4j-1")
    first = Executor(neo4j_store, DigitalTwin.from_store(neo4j_store, clock=clock), clock=clock)
    assert first.execute(req).status == "succeeded"
    again = Executor(neo4j_store, DigitalTwin.from_store(neo4j_store, clock=clock), clock=clock)
    assert again.execute(req).status == "skipped_duplicate"
    assert verify_chain(neo4j_store).ok
    (row,) = run_audit(neo4j_store, "service-history", {"service": str(EX.svc)}).rows[:1]
    assert row["status"] == "succeeded" and row["action"] == str(OPS.Page)
