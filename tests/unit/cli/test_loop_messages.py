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


def test_a_scenario_run_commits_no_long_iris(tmp_path: Path) -> None:
    store = str(tmp_path / "w.db")
    run = CliRunner().invoke(app, ["--store", store, "run", "primary-db-down"])
    assert run.exit_code == 0, run.output
    log = CliRunner().invoke(app, ["--store", store, "--format", "json", "log"])
    messages = [c["message"] for c in json.loads(log.stdout)]
    assert "action: ops:Failover on ex:orders-db" in messages
    assert any(m.startswith("approval: run:plan/") and m.endswith(" by ex:chen") for m in messages)
    long_forms = [ns for ns in PREFIXES.values() if any(ns in m for m in messages)]
    assert long_forms == []
