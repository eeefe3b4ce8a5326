"""Audit output names shapes as pol: CURIEs, like `tier1 validate`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from rdflib import URIRef

from engine.cli import app
from engine.provenance import PolicyDecisionRecord, ProvenanceRecorder, Violation
from engine.store import CommitMeta, SqliteStore
from engine.vocab import RUN

POL = "https://w3id.org/tier1/shapes#"


def test_blocked_plans_prints_pol_curies(tmp_path: Path):
    spec = str(tmp_path / "w.db")
    store = SqliteStore(Path(spec), create=True)
    try:
        rec = ProvenanceRecorder(store).policy_decision(PolicyDecisionRecord(
            plan=RUN["plan/x"], verdict="blocked", shape_set_version="v1",
            started=datetime(2026, 11, 28, 9, tzinfo=UTC), ended=datetime(2026, 11, 28, 9, tzinfo=UTC),
            violations=(Violation(shape=URIRef(f"{POL}ChangeFreeze")),)))
        store.commit(rec.delta, CommitMeta(author="t", message="decision"))
    finally:
        store.close()
    out = CliRunner().invoke(app, ["--store", spec, "audit", "blocked-plans"]).output
    assert "pol:ChangeFreeze" in out and POL not in out
