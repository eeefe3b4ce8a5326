"""A goal someone adds for a healthy service waits for evidence: the loop does not act on it
(it used to take the service's rollback runbook with no alert and roll back a good deploy;
QA pass 2)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_a_goal_for_a_healthy_service_makes_no_plan(tmp_path: Path) -> None:
    store = ["--store", str(tmp_path / "w.db")]
    run = CliRunner().invoke
    assert run(app, [*store, "init"]).exit_code == 0
    onto = [str(REPO / "ontology" / "ops.ttl"), str(REPO / "ontology" / "examples" / "estate.ttl")]
    assert run(app, [*store, "load", *onto]).exit_code == 0
    assert run(app, [*store, "goal", "add", "ex:checkout"]).exit_code == 0
    r = run(app, [*store, "run", "disk-full", "--format", "json"])  # checkout stays healthy
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert result["passed"] and result["actions"] == ["ops:ClearDisk"], result
    plans = json.loads(run(app, [*store, "plans", "--format", "json"]).output)
    assert [p["entity"] for p in plans if "checkout" in p["entity"]] == []
    goals = json.loads(run(app, [*store, "goal", "list", "--format", "json"]).output)
    assert [g["status"] for g in goals if g["target"].endswith("/checkout")] == ["open"]
