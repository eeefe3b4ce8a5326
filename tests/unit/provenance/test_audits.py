"""Each shipped audit answers its question on the embedded stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from provlog import build_log  # type: ignore[import-not-found]

from engine.errors import InputError
from engine.provenance import AUDITS, run_audit
from engine.store import GraphStore, MemoryStore, SqliteStore
from engine.vocab import EX, OPS, RUN


@pytest.fixture(params=["memory", "sqlite"])
def audited(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    store: GraphStore = MemoryStore() if request.param == "memory" else SqliteStore(
        tmp_path / "w.db", create=True)
    return build_log(store)


def test_every_audit_has_both_query_forms():
    for a in AUDITS.values():
        assert a.cypher.startswith("MATCH") and "SELECT" in a.sparql
        for p in a.params:
            assert (f"${p.name}" in a.cypher and f"?{p.name}" in a.sparql) or p.name == "limit"


def test_why_by_activity_and_by_step(audited):
    act = audited.records[3].iri
    (row,) = run_audit(audited.store, "why", {"subject": str(act)}).rows
    assert row["step"] == str(RUN["step/1"]) and row["action"] == str(OPS.Restart)
    assert row["rules"] == ["restart-crashed@2"]
    assert row["informed_by"] == sorted([str(EX["alert-1"]), str(RUN["goal/g1"])])
    assert row["decision"] == str(audited.records[1].iri) and row["verdict"] == "allowed"
    assert row["approver"] == str(EX.alice) and row["shape_set_version"] == "shapes-v1"
    by_step = run_audit(audited.store, "why", {"subject": "run:step/1"}).rows
    assert [r["activity"] for r in by_step] == [str(act)]


def test_why_of_an_unapproved_action_has_no_approver(audited):
    (row,) = run_audit(audited.store, "why", {"subject": str(audited.records[4].iri)}).rows
    assert row["approver"] is None and row["status"] == "failed"


def test_service_history_between_dates(audited):
    rows = run_audit(audited.store, "service-history", {"service": "ex:checkout"}).rows
    assert [r["target"] for r in rows] == [str(EX["checkout-2"]), str(EX["checkout-1"])]
    later = run_audit(audited.store, "service-history", {
        "service": "ex:checkout", "from": "2026-11-28T10:30:00Z", "to": "2026-11-28T23:00:00"})
    assert [r["status"] for r in later.rows] == ["failed"]
    assert run_audit(audited.store, "service-history", {"service": "ex:nothing"}).rows == ()


def test_blocked_plans_name_the_violated_shape_only(audited):
    rows = run_audit(audited.store, "blocked-plans", {}).rows
    assert [(r["plan"], r["shape"]) for r in rows] == [(str(RUN["plan/b"]), str(EX.FreezeShape))]


def test_approved_by_person(audited):
    alice = run_audit(audited.store, "approved-by", {"person": "ex:alice"}).rows
    bob = run_audit(audited.store, "approved-by", {"person": str(EX.bob)}).rows
    assert [r["target"] for r in alice] == [str(EX["checkout-2"])]
    assert [r["action"] for r in bob] == [str(OPS.Rollback)]


def test_top_rules_counts_actions_per_rule_version(audited):
    rows = run_audit(audited.store, "top-rules", {}).rows
    assert [(r["rule_id"], r["rule_version"], r["actions"]) for r in rows] == [
        ("restart-crashed", "2", 2), ("rollback-bad-deploy", "1", 1)]
    assert len(run_audit(audited.store, "top-rules", {"limit": "1"}).rows) == 1


@pytest.mark.parametrize(("name", "params", "needle"), [
    ("nope", {}, "no audit named"),
    ("why", {}, "needs --subject"),
    ("service-history", {"service": "ex:x", "from": "yesterday"}, "ISO 8601"),
    ("top-rules", {"limit": "many"}, "whole number"),
    ("why", {"subject": "zz:x"}, "known prefix"),
    ("why", {"subject": "ex:x", "bogus": "1"}, "no parameter"),
])
def test_bad_parameters_are_clear_errors(name, params, needle):
    with pytest.raises(InputError, match=needle):
        run_audit(MemoryStore(), name, params)


def test_docs_show_each_audit_with_its_current_cypher():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "provenance.md").read_text()
    for a in AUDITS.values():
        assert f"### `{a.name}`" in doc and a.cypher in doc, f"docs/provenance.md: update {a.name}"
