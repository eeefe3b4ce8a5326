"""Regression: a bare alert (no crash, no bad deploy: nothing a rule proposes to fix) made the
planner fall back on the runbooks written for the service: it rolled back checkout's deploy of
nine days before, and parked a failover of the healthy orders database (QA pass 10 #1). A
runbook's actions stand for proposed fixes only; with none, there is no plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app


@pytest.mark.parametrize("about", ["ex:checkout-1", "ex:orders-db-1"])
def test_a_bare_alert_makes_no_runbook_plan(tmp_path: Path, about: str) -> None:
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "run", "disk-full"]).exit_code == 0  # a calm world
    before = {p["iri"] for p in json.loads(r.invoke(app, ["--store", spec, "--format", "json",
                                                          "plans"]).output)}
    line = json.dumps({"alert": "ex:a-1", "about": about, "severity": "critical"})
    done = r.invoke(app, ["--store", spec, "ingest"], input=line + "\n")
    assert done.exit_code == 0, done.output
    assert "0 action(s) proposed" in done.output, done.output
    plans = json.loads(r.invoke(app, ["--store", spec, "--format", "json", "plans"]).output)
    assert [p for p in plans if p["iri"] not in before] == []
    goals = r.invoke(app, ["--store", spec, "goal", "list"]).output
    assert "open" in goals  # the incident's goal waits for evidence of what is wrong
