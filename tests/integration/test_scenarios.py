"""Every bundled scenario meets its expected outcome and writes the expected provenance,
on the embedded store and on the Bolt server; plus the CLI approval flow across calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Literal

from engine.cli import app
from engine.planning._runner import ScenarioResult, run_scenario, scenario_files
from engine.planning._scenario import load_scenario
from engine.planning._wiring import LoopSetup, real_ports
from engine.provenance import verify_chain
from engine.store import GraphStore, SqliteStore, triples
from engine.vocab import EX, OPS, PROV, GraphName

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = scenario_files(REPO / "scenarios")
SETUP = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))


def play(store: GraphStore, path: Path) -> ScenarioResult:
    sc = load_scenario(path)
    return run_scenario(store, sc, lambda st, s: real_ports(st, s, SETUP, s.start),
                        config=SETUP.config)


def check(result: ScenarioResult, store: GraphStore) -> None:
    assert result.passed, "; ".join(result.problems)
    chain = verify_chain(store)
    assert chain.ok and chain.records > 0, chain.problems
    if result.outcome == "resolved":
        _check_step_provenance(store)
    assert _suspects(store) == []  # the world the loop leaves is consistent with the ontology
    if result.id == "alert-storm":  # 500 alerts: one alert and 499 duplicates, one plan
        (plan,) = [e for e in result.events if e.kind == "plan"]
        assert "1 trigger(s)" in plan.text
        dups = [o for _, _, o in triples(store, (None, OPS.duplicateOf, None))]
        assert len(dups) == 499 and set(dups) == {EX["alert-search-2-down-1"]}
        (storm,) = [e for e in result.events if e.kind == "events"]
        assert "(499 repeat ex:alert-search-2-down-1: recorded as duplicates)" in storm.text


def _suspects(store: GraphStore) -> list[str]:
    """What probably makes the ontology plus every graph of ``store`` inconsistent (a plan
    typed ops:Alert through ops:fingerprint's old domain, QA pass 13)."""
    import rdflib

    from engine.world._diagnose import find_suspects

    g = rdflib.Graph().parse(REPO / "ontology" / "ops.ttl")
    for name in GraphName:
        for t in triples(store, graph=name):
            g.add(t)
    return find_suspects(g)


def _check_step_provenance(store: GraphStore) -> None:
    """The step that fixed it cites the decision that allowed it, what informed it and,
    when a rule proposed it, the rule id and version."""
    prov = (GraphName.PROVENANCE,)
    steps = [s for s, _, _, _ in store.quads((None, OPS.status, Literal("succeeded")), graphs=prov)
             if (s, RDF.type, OPS.StepExecution, GraphName.PROVENANCE) in set(
                 store.quads((s, RDF.type, None), graphs=prov))]
    assert steps
    for s in steps:
        links = {(p, o) for _, p, o, _ in store.quads((s, None, None), graphs=prov)}
        if (OPS.executedAction, OPS.Page) in links:
            continue
        assert any(p == PROV.wasInformedBy for p, _ in links), "no policy decision cited"
        assert any(p == PROV.wasInfluencedBy for p, _ in links), "no alert or goal cited"
        assert any(p == OPS.shapeSetVersion for p, _ in links)


def test_at_least_the_five_required_scenarios_ship() -> None:
    ids = {p.stem for p in SCENARIOS}
    assert {"primary-db-down", "bad-deploy", "disk-full", "freeze-crash-loop",
            "alert-storm"} <= ids


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_on_the_embedded_store(path: Path, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "world.db", create=True)
    try:
        check(play(store, path), store)
    finally:
        store.close()


# The 500-alert storm runs on the embedded store only: its cost is the rule engine's
# (the same on any store), and over Bolt it would take minutes of the suite's budget.
BOLT_SCENARIOS = [p for p in SCENARIOS if p.stem != "alert-storm"]


@pytest.mark.neo4j
@pytest.mark.parametrize("path", BOLT_SCENARIOS, ids=lambda p: p.stem)
def test_scenario_on_the_bolt_server(path: Path, neo4j_store: GraphStore) -> None:
    check(play(neo4j_store, path), neo4j_store)


def test_cli_run_parks_and_a_later_call_approves(tmp_path: Path) -> None:
    """`tier1 run` parks the failover; a separate `tier1 approve` call (new process state,
    same store) approves it and the plan runs to completion."""
    store = str(tmp_path / "world.db")
    runner = CliRunner()
    sc = tmp_path / "db.toml"
    text = (REPO / "scenarios" / "primary-db-down.toml").read_text()
    text = text.replace("../ontology", str(REPO / "ontology")).replace(
        '"calm.ru"', f'"{REPO / "scenarios" / "calm.ru"}"')
    head, _, _ = text.partition("[[answers]]")
    sc.write_text(head + '[expect]\noutcome = "awaiting_approval"\n')
    r = runner.invoke(app, ["--store", store, "run", str(sc), "--format", "json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", store, "plans", "--state", "awaiting_approval",
                            "--format", "json"])
    parked = json.loads(r.output)
    assert len(parked) == 1
    plan = parked[0]["iri"]
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert "completed" in r.output
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])
    assert r.exit_code == 1 and "PlanningError" in r.output
