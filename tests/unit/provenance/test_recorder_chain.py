"""PROV-O records and the hash chain: what is written, and tampering being caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH

from engine.provenance import (
    ApprovalRecord,
    ProvenanceRecorder,
    claims,
    read_head,
    record_iri,
    verify_chain,
)
from engine.store import CommitMeta, Delta, triples
from engine.vocab import EX, OPS, PROV, RUN, GraphName

G = GraphName.PROVENANCE


def _objects(store, s, p):  # type: ignore[no-untyped-def]
    return {o for _, _, o in triples(store, (s, p, None), graph=G)}


def test_step_execution_is_prov_o(log):
    store, act = log.store, log.records[3].iri
    assert {PROV.Activity, OPS.StepExecution} <= _objects(store, act, RDF.type)
    assert _objects(store, act, PROV.wasAssociatedWith) == {RUN["agent/restart"]}
    (assoc,) = _objects(store, act, PROV.qualifiedAssociation)
    assert _objects(store, assoc, PROV.hadPlan) == {RUN["plan/a"]}
    assert _objects(store, assoc, PROV.agent) == {RUN["agent/restart"]}
    assert len(_objects(store, act, PROV.startedAtTime)) == 1
    assert len(_objects(store, act, PROV.endedAtTime)) == 1
    assert EX["checkout-2"] in _objects(store, act, PROV.used)
    assert _objects(store, act, PROV.wasInformedBy) == {log.records[1].iri}  # the decision
    influences = _objects(store, act, PROV.wasInfluencedBy)
    assert {EX["alert-1"], RUN["goal/g1"]} <= influences
    (rule,) = _objects(store, act, OPS.proposedBy)
    assert _objects(store, rule, OPS.ruleId) == {Literal("restart-crashed")}
    assert _objects(store, rule, OPS.ruleVersion) == {Literal("2")}
    assert _objects(store, act, OPS.shapeSetVersion) == {Literal("shapes-v1")}
    (approval,) = {i for i in influences if OPS.Approval in _objects(store, i, RDF.type)}
    assert _objects(store, approval, OPS.approvedBy) == {EX.alice}
    assert _objects(store, act, OPS.status) == {Literal("succeeded")}
    assert _objects(store, act, OPS.idempotencyKey) == {Literal("key-1")}


def test_policy_decision_names_blocking_shape_and_report(log):
    store, dec = log.store, log.records[0].iri
    assert {PROV.Activity, OPS.PolicyDecision} <= _objects(store, dec, RDF.type)
    assert _objects(store, dec, OPS.status) == {Literal("blocked")}
    assert _objects(store, dec, OPS.blockedBy) == {EX.FreezeShape}  # not the warning's shape
    (report,) = _objects(store, dec, PROV.generated)
    assert _objects(store, report, SH.conforms) == {Literal(False)}
    results = _objects(store, report, SH.result)
    shapes = {o for r in results for o in _objects(store, r, SH.sourceShape)}
    assert shapes == {EX.FreezeShape, EX.TierShape}


def test_only_the_provenance_graph_is_written(log):
    for r in log.records:
        assert r.delta.graphs() == {G}


def test_records_are_chained(log):
    assert [r.seq for r in log.records] == list(range(1, 7))
    for before, after in zip(log.records, log.records[1:], strict=False):
        assert after.previous == before.hash
    assert read_head(log.store) == (6, log.records[-1].hash)
    report = verify_chain(log.store)
    assert report.ok and report.records == 6


def test_a_new_recorder_continues_the_chain(log):
    r = ProvenanceRecorder(log.store).approval(_approval())
    assert r.seq == 7 and r.previous == log.records[-1].hash


def _approval() -> ApprovalRecord:
    at = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    return ApprovalRecord(plan=RUN["plan/c"], approver=EX.bob, decision="rejected", at=at)


def _tamper(store, adds=(), removes=()):  # type: ignore[no-untyped-def]
    store.commit(Delta.of(adds, removes, G), CommitMeta(author="mallory", message="edit"))


def test_verify_catches_a_modified_record(log):
    act = log.records[3].iri
    _tamper(log.store, adds=[(act, OPS.status, Literal("failed"))],
            removes=[(act, OPS.status, Literal("succeeded"))])
    report = verify_chain(log.store)
    assert not report.ok
    assert report.records_with("modified") == (act,)


def test_verify_catches_a_modified_sub_node(log):
    act = log.records[3].iri
    (rule,) = _objects(log.store, act, OPS.proposedBy)
    _tamper(log.store, adds=[(rule, OPS.ruleVersion, Literal("9"))],
            removes=[(rule, OPS.ruleVersion, Literal("2"))])
    assert verify_chain(log.store).records_with("modified") == (act,)


def test_verify_catches_a_modified_record_whose_hash_was_rewritten(log):
    from engine.provenance import record_hash
    from engine.provenance._chain import record_triples

    act = log.records[2].iri
    old_hash = log.records[2].hash
    _tamper(log.store, adds=[(act, OPS.status, Literal("rejected"))],
            removes=[(act, OPS.status, Literal("approved"))])
    body = [t for t in record_triples(log.store, act) if t[1] != OPS.recordHash]
    _tamper(log.store, adds=[(act, OPS.recordHash, Literal(record_hash(body)))],
            removes=[(act, OPS.recordHash, Literal(old_hash))])
    assert verify_chain(log.store).records_with("modified") == (act,)


def test_verify_catches_a_deleted_record(log):
    act = log.records[4].iri
    gone = list(triples(log.store, (act, None, None), graph=G))
    gone += [t for s in [URIRef(f"{act}#association"), URIRef(f"{act}#rule-0")]
             for t in triples(log.store, (s, None, None), graph=G)]
    _tamper(log.store, removes=gone)
    report = verify_chain(log.store)
    assert report.records_with("deleted") == (record_iri(5),)
    assert "record 5" in report.problems[0].detail


def test_verify_catches_deleting_the_newest_record(log):
    act = log.records[-1].iri
    _tamper(log.store, removes=list(triples(log.store, (act, None, None), graph=G)))
    assert verify_chain(log.store).records_with("deleted") == (act,)


def test_records_committed_out_of_order_still_verify(log):
    rec = ProvenanceRecorder(log.store)
    first, second = rec.approval(_approval()), rec.approval(_approval())
    for r in (second, first):
        log.store.commit(r.delta, CommitMeta(author="t", message="late"))
    assert verify_chain(log.store).ok and read_head(log.store)[0] == 8


def test_empty_store_verifies():
    from engine.store import MemoryStore

    assert verify_chain(MemoryStore()).ok


def _commit_claiming(store, record) -> None:  # type: ignore[no-untyped-def]
    store.commit(record.delta, CommitMeta(author="t", message="turn",
                                          expect_absent=claims(record.delta)))


def test_a_recorder_behind_the_chain_conflicts_instead_of_merging_records(log):
    """Two tier1 commands at once: both recorders read the chain before either commits. The
    second one's record claims a number the first took, so its commit is refused whole; it
    used to merge into the first record and break the chain (QA4 #1)."""
    from engine.errors import ConflictError

    first, second = ProvenanceRecorder(log.store), ProvenanceRecorder(log.store)
    head = read_head(log.store)[0]
    _commit_claiming(log.store, first.approval(_approval()))
    late = second.approval(_approval())
    assert claims(late.delta) == {(late.iri, OPS.recordSeq, Literal(head + 1), GraphName.PROVENANCE)}
    before = set(log.store.quads())
    with pytest.raises(ConflictError, match="another writer committed"):
        _commit_claiming(log.store, late)
    assert set(log.store.quads()) == before
    for _ in range(2):  # a recorder made afterwards (the command re-run) continues the chain
        _commit_claiming(log.store, ProvenanceRecorder(log.store).approval(_approval()))
    assert verify_chain(log.store).ok and read_head(log.store)[0] == head + 3
