"""ontology/examples/estate.ttl: a realistic estate that uses only declared ops: terms."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from engine.vocab import EX, OPS

REPO = Path(__file__).resolve().parents[3]
ESTATE = REPO / "ontology" / "examples" / "estate.ttl"
NOW = datetime(2026, 11, 28, 8, 5, tzinfo=UTC)
ALLOWED_NS = (str(OPS._NS), str(EX), str(RDF), str(RDFS), str(XSD))


@pytest.fixture(scope="module")
def estate() -> Graph:
    return Graph().parse(ESTATE, format="turtle")


@pytest.fixture(scope="module")
def declared() -> set[URIRef]:
    onto = Graph().parse(REPO / "ontology" / "ops.ttl", format="turtle")
    return set(onto.subjects(RDF.type, None))


def services(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(OPS.tier, None) if isinstance(s, URIRef)}


def test_uses_only_declared_ops_terms(estate: Graph, declared: set[URIRef]) -> None:
    used = {t for triple in estate for t in triple
            if isinstance(t, URIRef) and t.startswith(str(OPS._NS))}
    assert used - declared == set()


def test_uses_only_ops_rdf_rdfs_xsd_and_ex(estate: Graph) -> None:
    iris = {t for triple in estate for t in triple if isinstance(t, URIRef)}
    iris |= {t.datatype for triple in estate for t in triple
             if isinstance(t, Literal) and t.datatype is not None}
    assert [i for i in iris if not str(i).startswith(ALLOWED_NS)] == []


def test_every_entity_has_a_label(estate: Graph) -> None:
    typed = {s for s in estate.subjects(RDF.type, None)}
    assert [s for s in typed if estate.value(s, RDFS.label) is None] == []


def test_about_twenty_services_in_three_tiers(estate: Graph) -> None:
    svc = services(estate)
    assert 18 <= len(svc) <= 24
    tiers = Counter(int(estate.value(s, OPS.tier)) for s in svc)
    assert set(tiers) == {1, 2, 3}
    typed = set(estate.subjects(RDF.type, OPS.Service)) | set(
        estate.subjects(RDF.type, OPS.DatabaseService))
    assert typed == svc


def test_tier1_database_with_replica(estate: Graph) -> None:
    dbs = set(estate.subjects(RDF.type, OPS.DatabaseService))
    assert EX["orders-db"] in dbs and EX["orders-db-replica"] in dbs
    assert (EX["orders-db-replica"], OPS.dependsOn, EX["orders-db"]) in estate
    assert estate.value(EX["orders-db"], OPS.tier) == Literal(1)


def test_dependencies_form_a_dag_between_services(estate: Graph) -> None:
    svc = services(estate)
    edges = {(s, o) for s, o in estate.subject_objects(OPS.dependsOn)}
    assert len(edges) >= len(svc) and all(s in svc and o in svc for s, o in edges)
    done: set[URIRef] = set()
    stack: set[URIRef] = set()

    def visit(node: URIRef) -> None:
        assert node not in stack, f"dependency cycle through {node}"
        if node in done:
            return
        stack.add(node)
        for _, dep in ((a, b) for a, b in edges if a == node):
            visit(dep)
        stack.discard(node)
        done.add(node)

    for s in svc:
        visit(s)


def test_instances_hosts_and_health(estate: Graph) -> None:
    svc = services(estate)
    per_service = Counter(estate.value(i, OPS.instanceOf)
                          for i in estate.subjects(RDF.type, OPS.Instance))
    assert set(per_service) == svc and all(2 <= n <= 4 for n in per_service.values())
    hosts = set(estate.subjects(RDF.type, OPS.Host))
    assert 10 <= len(hosts) <= 14
    assert {estate.value(i, OPS.runsOn) for i in per_service.elements()} <= hosts | {None}
    health = Counter(str(h) for h in estate.objects(None, OPS.health))
    assert health["healthy"] > 0.8 * sum(health.values())
    assert health["crashed"] >= 1 and health["degraded"] >= 1
    assert set(health) <= {"healthy", "degraded", "crashed", "unknown"}
    for s in svc:
        assert estate.value(s, OPS.minHealthyInstances) is not None
        assert estate.value(s, OPS.maxInstances) is not None
        assert estate.value(s, OPS.ownedBy) is not None


def when(g: Graph, node: URIRef, prop: URIRef) -> datetime:
    value = g.value(node, prop)
    assert isinstance(value, Literal) and value.datatype == XSD.dateTime
    moment = value.toPython()
    assert isinstance(moment, datetime) and moment.tzinfo is not None, f"{node} {prop} needs a timezone"
    return moment


def test_every_team_is_on_call_through_november_and_december(estate: Graph) -> None:
    for team in estate.subjects(RDF.type, OPS.Team):
        shifts = sorted((when(estate, s, OPS.startsAt), when(estate, s, OPS.endsAt))
                        for s in estate.subjects(OPS.onCallFor, team))
        covered_until = datetime(2026, 11, 1, tzinfo=UTC)
        for start, end in shifts:
            assert start <= covered_until, f"gap in the on-call for {team}"
            covered_until = max(covered_until, end)
        assert covered_until >= datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


def test_a_freeze_window_is_active_now_on_payments(estate: Graph) -> None:
    active = [w for w in estate.subjects(RDF.type, OPS.FreezeWindow)
              if when(estate, w, OPS.startsAt) <= NOW < when(estate, w, OPS.endsAt)]
    assert any((w, OPS.freezes, EX.payments) in estate for w in active)


def test_a_recent_completed_deployment(estate: Graph) -> None:
    recent = [d for d in estate.subjects(RDF.type, OPS.Deployment)
              if NOW - timedelta(hours=1) <= when(estate, d, OPS.changedAt) <= NOW]
    assert recent
    dep = recent[0]
    assert estate.value(dep, OPS.status) == Literal("completed")
    assert estate.value(dep, OPS.version) != estate.value(dep, OPS.previousVersion)
    assert estate.value(dep, OPS.changes) in services(estate)


def test_firing_alerts_and_an_open_incident(estate: Graph) -> None:
    firing = [a for a in estate.subjects(RDF.type, OPS.Alert)
              if estate.value(a, OPS.status) == Literal("firing")]
    assert len(firing) >= 2
    for a in firing:
        assert estate.value(a, OPS.fingerprint) is not None
        assert str(estate.value(a, OPS.severity)) in {"critical", "warning", "info"}
        assert (estate.value(a, OPS.about), RDF.type, None) in estate
        when(estate, a, OPS.firedAt)
    critical = [a for a in firing if estate.value(a, OPS.severity) == Literal("critical")]
    assert any(estate.value(estate.value(a, OPS.about), OPS.instanceOf) == EX.checkout
               for a in critical)
    incidents = [i for i in estate.subjects(RDF.type, OPS.Incident)
                 if estate.value(i, OPS.status) == Literal("open")]
    assert len(incidents) == 1
    inc = incidents[0]
    assert estate.value(inc, OPS.triggeredBy) in firing
    assert estate.value(inc, OPS.affects) in services(estate)
    when(estate, inc, OPS.openedAt)


def test_runbooks_cover_every_action_type(estate: Graph) -> None:
    generic = {estate.value(r, OPS.forActionType) for r in estate.subjects(RDF.type, OPS.Runbook)
               if estate.value(r, OPS.appliesTo) is None}
    assert generic == {OPS.Restart, OPS.ScaleOut, OPS.Failover, OPS.Rollback, OPS.Page,
                       OPS.OpenTicket, OPS.ClearDisk}
    assert list(estate.subjects(OPS.appliesTo, None)), "some runbooks are service-specific"


def test_software_agents_have_scopes(estate: Graph) -> None:
    agents = list(estate.subjects(RDF.type, OPS.SoftwareAgent))
    assert len(agents) >= 3
    for a in agents:
        assert list(estate.objects(a, OPS.canPerform)) and list(estate.objects(a, OPS.scopeService))
    assert list(estate.subjects(RDF.type, OPS.HumanAgent))
