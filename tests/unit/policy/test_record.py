"""Decisions in the provenance graph: recorded, read back, replayed under new shapes."""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, URIRef

from engine.policy import PolicyGate, load_shapes
from engine.policy._impact import impact_on_history
from engine.policy._record import read_decisions, report_to_delta
from engine.store import CommitMeta, Delta, MemoryStore
from engine.vocab import OPS, RUN, GraphName

EX = "http://example.org/r#"
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <http://example.org/r#> .
<http://example.org/r> a owl:Ontology ; owl:versionInfo "{v}" .
ex:S sh:targetClass ex:Service ; sh:property [ sh:path ex:owner ; sh:minCount {n} ] .
"""


def _shapes(tmp_path: Path, v: str, n: int) -> Path:
    d = tmp_path / v
    d.mkdir()
    (d / "s.ttl").write_text(SHAPES.replace("{v}", v).replace("{n}", str(n)))
    return d


def test_record_read_back_and_replay(tmp_path: Path) -> None:
    store = MemoryStore()
    svc = URIRef(EX + "svc")
    commit = store.commit(Delta.of(adds=[(svc, URIRef(EX + "owner"), URIRef(EX + "t"))]),
                          CommitMeta(author="t", message="world"))
    old, new = load_shapes([_shapes(tmp_path, "1", 1)]), load_shapes([_shapes(tmp_path, "2", 2)])
    plan = RUN["plan-1"]
    delta = Delta.of(adds=[(svc, RDF.type, URIRef(EX + "Service")), (plan, RDF.type, OPS.Plan)])
    report = PolicyGate(old).what_if(store, delta)
    assert report.verdict == "allowed"
    prov = report_to_delta(report, RUN["decision-1"], plan=plan, delta=delta, commit=commit)
    assert prov.graphs() == {GraphName.PROVENANCE}
    store.commit(prov, CommitMeta(author="t", message="decision"))

    [rec] = read_decisions(store)
    assert (rec.plan, rec.verdict, rec.commit_seq) == (plan, "allowed", commit.seq)
    assert (rec.shape_hash, rec.version_info) == (old.version.hash, "1")
    assert rec.delta == delta

    impact = impact_on_history(store, old, new)
    assert impact.replayed == 1
    [row] = impact.changed
    assert (row.recorded, row.old, row.new) == ("allowed", "allowed", "blocked")
    assert impact_on_history(store, old, old).changed == ()


def test_results_are_queryable_in_provenance(tmp_path: Path) -> None:
    store = MemoryStore()
    svc = URIRef(EX + "svc")
    gate = PolicyGate(load_shapes([_shapes(tmp_path, "1", 1)]))
    delta = Delta.of(adds=[(svc, RDF.type, URIRef(EX + "Service"))])
    report = gate.what_if(store, delta)
    assert report.blocking
    store.commit(report_to_delta(report, RUN["d"], delta=delta), CommitMeta(author="t", message="d"))
    from engine.policy._lint import SH

    focus = [o for _, _, o, _ in store.quads((None, SH.focusNode, None),
                                              graphs=[GraphName.PROVENANCE])]
    assert focus == [svc]
