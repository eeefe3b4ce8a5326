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
    assert "waits: 1 alert(s) fire, but no rule proposes a fix" in done.output  # QA 11 #7
    plans = json.loads(r.invoke(app, ["--store", spec, "--format", "json", "plans"]).output)
    assert [p for p in plans if p["iri"] not in before] == []
    goals = r.invoke(app, ["--store", spec, "goal", "list"]).output
    assert "open" in goals  # the incident's goal waits for evidence of what is wrong


REPO = Path(__file__).resolve().parents[2]


def test_a_runbook_does_not_stand_for_a_fix_on_a_host(tmp_path: Path) -> None:
    """QA pass 11 #4: checkout-1's host filled its disk and the clean-up failed; the re-plan
    took checkout's rollback runbook in its place (the host is in checkout's scope), rolled
    back a deploy of nine days before, met the goal and resolved the alert, the disk still
    full. A runbook stands for fixes on its own entity and that entity's instances only:
    here the loop escalates."""
    sc = tmp_path / "diskco.toml"
    sc.write_text(
        'title = "checkout errors while its host disk is full"\nsummary = "s"\n'
        "start = 2026-11-28T09:00:00Z\n[world]\n"
        f'files = ["{REPO}/ontology/examples/estate.ttl"]\n'
        f'updates = ["{REPO}/scenarios/calm.ru"]\n'
        '[[events]]\nat = 0\nalert = "ex:alert-checkout-5xx"\nabout = "ex:checkout-1"\n'
        'severity = "critical"\nlabel = "checkout-1 5xx"\n'
        '[[events]]\nat = 10\nabout = "ex:host-08"\n'
        'observe = { "ops:diskUsedPercent" = 96.0 }\n'
        '[[faults]]\nkind = "fail"\naction = "ops:ClearDisk"\ntarget = "ex:host-08"\n'
        "times = 50\n[expect]\noutcome = \"escalated\"\n")
    spec = str(tmp_path / "w.db")
    r = CliRunner().invoke(app, ["--store", spec, "--format", "json", "run", str(sc)])
    assert r.exit_code == 0, r.output
    plans = json.loads(CliRunner().invoke(app, ["--store", spec, "--format", "json",
                                                "plans"]).output)
    actions = [s["action"] for p in plans for s in p["steps"]]
    assert actions == ["https://w3id.org/tier1/ops#ClearDisk"], actions
    assert [p["state"] for p in plans] == ["escalated"]
