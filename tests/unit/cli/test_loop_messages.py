"""The loop's commit messages write IRIs the one way the CLI prints them (``run:plan/...``,
``ex:orders-db``), which ``expand`` reads back; they used to mix full IRIs and CURIEs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import URIRef

from engine.cli import app
from engine.terms import expand, shorten
from engine.vocab import PREFIXES


def test_shorten_keeps_a_slash_that_expand_reads_back() -> None:
    iri = PREFIXES["run"] + "plan/5acc-0"
    assert shorten(f"plan: {iri} by {PREFIXES['ex']}chen") == "plan: run:plan/5acc-0 by ex:chen"
    assert expand(shorten(iri)) == URIRef(iri)
    assert shorten("https://elsewhere.example/x") == "https://elsewhere.example/x"


def _messages(store: str) -> list[str]:
    log = CliRunner().invoke(app, ["--store", store, "--format", "json", "log"])
    return [c["message"] for c in json.loads(log.stdout)]


def _long_forms(messages: list[str]) -> list[str]:
    return [ns for ns in PREFIXES.values() if any(ns in m for m in messages)]


def test_a_scenario_run_commits_no_long_iris(tmp_path: Path) -> None:
    store = str(tmp_path / "w.db")
    run = CliRunner().invoke(app, ["--store", store, "run", "primary-db-down"])
    assert run.exit_code == 0, run.output
    messages = _messages(store)
    assert "action: ops:Failover on ex:orders-db" in messages
    assert any(m.startswith("approval: run:plan/") and m.endswith(" by ex:chen") for m in messages)
    assert _long_forms(messages) == []


def test_an_escalation_and_a_break_glass_approval_neither(tmp_path: Path) -> None:
    store = str(tmp_path / "w.db")
    run = CliRunner().invoke(app, ["--store", store, "run", "freeze-crash-loop"])
    assert run.exit_code == 0, run.output
    plans = CliRunner().invoke(app, ["--store", store, "--format", "json", "plans"])
    [plan] = json.loads(plans.stdout)
    CliRunner().invoke(app, ["--store", store, "approve", plan["iri"], "--as", "ex:sofia",
                             "--emergency"])  # payments' on-call (shapes 1.2.0)
    messages = _messages(store)
    assert any(m.startswith("escalate: run:plan/") for m in messages)
    assert any(m.startswith("emergency approval: run:plan/") and m.endswith(" by ex:sofia")
               for m in messages)
    assert _long_forms(messages) == []


def test_the_summary_names_each_person_once() -> None:
    """QA pass 9 N7: the approver who was also paged was listed twice ('ex:chen, ex:chen')."""
    from engine.cli.loop import _result_row
    from engine.planning._runner import ScenarioResult

    r = ScenarioResult(id="s", title="t", passed=True, outcome="resolved", expected="resolved",
                       actions=(), plans=1, approved_by=("ex:chen",), paged=("ex:chen", "ex:sofia"),
                       blocked_by=(), problems=(), events=(), wall_s=0.1, sim_s=1.0)
    assert _result_row(r)[4] == "ex:chen, ex:sofia"
