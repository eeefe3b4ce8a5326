"""`validate --record` writes a hash-chained decision: audited, verified, still replayable."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import Literal

from engine.cli import app
from engine.provenance import record_iri, verify_chain
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import OPS, GraphName
from tests.support.plans import FREEZE_PLAN

REPO = Path(__file__).resolve().parents[3]
PLAN = FREEZE_PLAN


def _run(spec: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--store", spec, *args])
    return res.exit_code, res.output


def _recorded(tmp_path: Path) -> str:
    spec = str(tmp_path / "w.db")
    assert _run(spec, "init")[0] == 0
    assert _run(spec, "load", str(REPO / "ontology/ops.ttl"),
                str(REPO / "ontology/examples/estate.ttl"))[0] == 0
    plan = tmp_path / "plan.ttl"
    plan.write_text(PLAN)
    assert _run(spec, "validate", "--plan", str(plan), "--record")[0] == 1  # blocked
    return spec


def test_recorded_decision_is_listed_by_blocked_plans_and_verified(tmp_path: Path) -> None:
    spec = _recorded(tmp_path)
    code, out = _run(spec, "--format", "json", "audit", "blocked-plans")
    assert code == 0, out
    rows = json.loads(out)["rows"]
    assert {r["plan"] for r in rows} == {"urn:tier1:run:p"}
    assert "https://w3id.org/tier1/shapes#ChangeFreeze" in {r["shape"] for r in rows}
    code, out = _run(spec, "--format", "json", "audit", "verify")
    assert code == 0 and json.loads(out)["records"] == 1, out
    diff = json.loads(_run(spec, "--format", "json", "shapes", "diff", str(REPO / "shapes"),
                           str(REPO / "shapes"), "--against-history")[1])
    assert diff["replayed"] == 1 and diff["skipped"] == 0


def test_tampering_with_a_recorded_decision_is_detected(tmp_path: Path) -> None:
    spec = _recorded(tmp_path)
    store = SqliteStore(Path(spec))
    try:
        d = record_iri(1)
        store.commit(Delta.of([(d, OPS.status, Literal("allowed"))],
                              [(d, OPS.status, Literal("blocked"))], GraphName.PROVENANCE),
                     CommitMeta(author="mallory", message="unblock"))
        assert verify_chain(store).records_with("modified") == (d,)
    finally:
        store.close()
