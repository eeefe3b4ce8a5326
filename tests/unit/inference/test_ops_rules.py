"""rules/ops on a tiny estate: the behaviours the demo relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from engine.inference import InferenceResult, Reasoner, load_rules
from engine.vocab import EX, OPS

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> Graph:
    return Graph().parse(ROOT / "tests" / "data" / "ops_world.ttl")


def infer(world: Graph, now: datetime = NOW) -> tuple[Reasoner, InferenceResult]:
    r = Reasoner(load_rules([ROOT / "rules" / "ops"]))
    return r, r.run(world, now=now)


def proposals(res: InferenceResult) -> set[tuple[URIRef, object]]:
    return {(p.action, p.target) for p in res.proposals}


def incidents(res: InferenceResult) -> dict[object, set[object]]:
    out: dict[object, set[object]] = {}
    for s, p, o in res.inferred:
        if p == OPS.affects:
            out.setdefault(o, set()).add(s)
    return out


def test_degraded_when_fewer_healthy_than_minimum(world: Graph) -> None:
    _, res = infer(world)
    degraded = {s for s, p, o in res.inferred if p == OPS.health and o == Literal("degraded")}
    assert degraded == {EX.web}  # 1 healthy < 2; db and batch meet their minimum


def test_one_incident_per_service_for_tier1_critical_and_for_storms(world: Graph) -> None:
    _, res = infer(world)
    inc = incidents(res)
    assert set(inc) == {EX.web, EX.batch}  # tier-1 critical; tier-3 storm of 3 in 5 minutes
    assert all(len(v) == 1 for v in inc.values())  # two alerts on web collapse to one incident
    (web_inc,) = inc[EX.web]
    triggered = {o for s, p, o in res.inferred if s == web_inc and p == OPS.triggeredBy}
    assert triggered == {EX.a1}  # the earliest alert of the duplicate fingerprint
    _, later = infer(world, NOW + timedelta(minutes=10))
    assert set(incidents(later)) == {EX.web}  # the batch storm window has passed


def _repeated(world: Graph, *minutes_ago: int, keep: tuple[URIRef, ...] = (EX.a3,),
              status: str = "firing") -> Graph:
    """``world`` with the batch storm as the alerts ``keep`` (of a3, a4, a5) and duplicates
    of a3 repeated ``minutes_ago``."""
    g = Graph()
    for t in world:
        if t[0] not in {EX.a3, EX.a4, EX.a5} - set(keep):
            g.add(t)
    for i, m in enumerate(minutes_ago):
        d = EX[f"a3-dup-{i}"]
        g += [(d, RDF.type, OPS.DuplicateAlert), (d, OPS.duplicateOf, EX.a3),
              (d, OPS.status, Literal(status)),
              (d, OPS.repeatedAt, Literal((NOW - timedelta(minutes=m)).isoformat(),
                                          datatype=XSD.dateTime))]
    return g


@pytest.mark.parametrize(("keep", "minutes_ago", "status", "storm"), [
    ((EX.a3,), (3, 1), "firing", True),  # one alert repeated twice: 3 notifications
    ((EX.a3,), (1,), "firing", False),  # repeated once: 2
    ((EX.a3,), (9, 1), "firing", False),  # one repeat is older than 5 minutes
    ((EX.a3, EX.a4), (1,), "firing", True),  # two alerts, one repeated once
    ((EX.a3,), (3, 1), "resolved", False),  # monitoring resolved the repeats
    ((EX.a3,), (4, 3, 1), "firing", True),  # three repeats (the alert itself may be older)
])
def test_duplicates_count_towards_a_storm(world: Graph, keep: tuple[URIRef, ...],
                                          minutes_ago: tuple[int, ...], status: str,
                                          storm: bool) -> None:
    """The loop records new alerts that repeat a firing one as its duplicates: with the
    alerts of the fingerprint they make the 3 notifications in 5 minutes of a storm."""
    _, res = infer(_repeated(world, *minutes_ago, keep=keep, status=status))
    assert set(incidents(res)) == ({EX.web, EX.batch} if storm else {EX.web})


def test_an_old_alert_repeated_three_times_is_a_storm(world: Graph) -> None:
    g = _repeated(world, 4, 3, 1)
    g.set((EX.a3, OPS.firedAt, Literal((NOW - timedelta(hours=1)).isoformat(),
                                       datatype=XSD.dateTime)))
    _, res = infer(g)
    assert set(incidents(res)) == {EX.web, EX.batch}


def test_likely_cause_follows_depends_on(world: Graph) -> None:
    g = Graph()
    for t in world:
        g.add(t)
    g.add((EX.a9, RDF.type, OPS.Alert))
    for p, o in ((OPS.about, EX.db), (OPS.severity, Literal("critical")),
                 (OPS.status, Literal("firing"))):
        g.add((EX.a9, p, o))
    _, res = infer(g)
    causes = {(s, o) for s, p, o in res.inferred if p == OPS.likelyCause}
    assert (EX.a1, EX.db) in causes  # web's alert points at the failing database
    assert (EX.a1, EX.web) not in causes
    assert (EX.a9, EX.db) in causes  # the database's own alert points at itself
    _, plain = infer(world)
    assert (EX.a1, EX.web) in {(s, o) for s, p, o in plain.inferred if p == OPS.likelyCause}


def test_remediation_proposals(world: Graph) -> None:
    _, res = infer(world)
    assert proposals(res) == {
        (OPS.Rollback, EX.web),  # deployed 07:45, alerting since 07:50, now 08:00
        (OPS.Restart, EX["web-2"]), (OPS.ScaleOut, EX.web), (OPS.ClearDisk, EX.h2),
    }  # batch was deployed at 05:00, and its alerts began three hours after: no rollback
    assert next(p.action for p in res.proposals) == OPS.Rollback  # highest salience first
    _, later = infer(world, NOW + timedelta(hours=2))
    assert (OPS.Rollback, EX.web) in proposals(later)  # the alert began 5 min after the change


def test_an_alert_that_began_long_after_a_change_does_not_roll_it_back(world: Graph) -> None:
    g = Graph()
    for t in world:
        if not (t[0] in (EX.a1, EX.a2) and t[1] == OPS.firedAt):
            g.add(t)
    for a in (EX.a1, EX.a2):  # 35 minutes after the 07:45 deploy
        g.add((a, OPS.firedAt, Literal("2026-11-28T08:20:00Z", datatype=XSD.dateTime)))
    _, res = infer(g, NOW + timedelta(minutes=25))
    assert (OPS.Rollback, EX.web) not in proposals(res)
    assert (OPS.Restart, EX["web-2"]) in proposals(res)


def test_incremental_recovery_withdraws_proposals(world: Graph) -> None:
    r, _ = infer(world)
    d = r.update([(EX["web-2"], OPS.health, Literal("healthy"))],
                 [(EX["web-2"], OPS.health, Literal("crashed"))], now=NOW)
    gone = {(p.action, p.target) for p in d.proposals_withdrawn}
    assert gone == {(OPS.Restart, EX["web-2"]), (OPS.ScaleOut, EX.web)}
    assert (EX.web, OPS.health, Literal("degraded")) in d.removed
