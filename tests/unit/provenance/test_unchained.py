"""Provenance outside the hash chain is reported by verify, and `load` cannot add it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import RDF, Literal, URIRef

from engine.cli import app
from engine.provenance import run_audit, verify_chain
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import EX, OPS, PROV, RUN, GraphName

FORGED = RUN["prov/fake"]
APPROVAL = URIRef(f"{FORGED}#approval")

FORGE_TTL = f"""@prefix ops: <{OPS}> . @prefix prov: <{PROV}> . @prefix ex: <{EX}> .
<{FORGED}> a prov:Activity, ops:StepExecution ; ops:status "succeeded" ;
  ops:targetService ex:payments-db ; prov:wasInfluencedBy <{APPROVAL}> .
<{APPROVAL}> a ops:Approval ; ops:approvedBy ex:alice .
"""


def _forge(store, triples):
    store.commit(Delta.of(triples, (), GraphName.PROVENANCE),
                 CommitMeta(author="mallory", message="routine"))


def test_verify_names_an_activity_added_beside_the_chain(log):
    assert verify_chain(log.store).ok
    _forge(log.store, [(FORGED, RDF.type, PROV.Activity), (FORGED, OPS.status, Literal("succeeded")),
                       (FORGED, PROV.wasInfluencedBy, APPROVAL),
                       (APPROVAL, OPS.approvedBy, EX.alice)])
    report = verify_chain(log.store)
    assert not report.ok
    assert set(report.records_with("unchained")) == {FORGED, APPROVAL}
    assert not report.records_with("modified")  # the real records are untouched


def test_verify_names_a_decision_no_record_covers(log):
    """A triple about a node no record links to (e.g. a decision IRI of another layout)."""
    decision = RUN["policy/abc/def/3"]
    _forge(log.store, [(decision, RDF.type, OPS.PolicyDecision),
                       (decision, OPS.status, Literal("blocked"))])
    assert verify_chain(log.store).records_with("unchained") == (decision,)


def test_verify_names_an_extra_triple_on_the_head_pointer(log):
    head = RUN["prov/head"]
    _forge(log.store, [(head, OPS.status, Literal("x"))])
    assert verify_chain(log.store).records_with("unchained") == (head,)


def test_load_into_provenance_is_refused_and_writes_nothing(tmp_path: Path):
    spec = str(tmp_path / "store")
    runner = CliRunner()
    assert runner.invoke(app, ["--store", spec, "init"]).exit_code == 0
    forge = tmp_path / "forge.ttl"
    forge.write_text(FORGE_TTL)
    res = runner.invoke(app, ["--store", spec, "load", "--graph", "provenance", str(forge)])
    assert res.exit_code == 1
    assert "InputError" in res.output and "append-only" in res.output
    assert "--graph asserted" in res.output
    store = SqliteStore(Path(spec) / "world.db")
    try:
        assert store.head() is None
        assert run_audit(store, "approved-by", {"person": str(EX.alice)}).rows == ()
        assert verify_chain(store).ok
    finally:
        store.close()
