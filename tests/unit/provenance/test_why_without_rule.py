"""``why`` answers for steps no rule proposed (a runbook's failover, a page to the on-call)
instead of crashing: their ``rules`` are empty, everything else is still there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF

from engine.cli import app
from engine.planning._runner import run_scenario
from engine.planning._scenario import load_scenario
from engine.planning._wiring import LoopSetup, real_ports
from engine.provenance import run_audit
from engine.store import GraphStore, SqliteStore
from engine.vocab import EX, OPS, GraphName

REPO = Path(__file__).resolve().parents[3]
SETUP = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))


def _play(store: GraphStore, scenario: str) -> None:
    sc = load_scenario(REPO / "scenarios" / f"{scenario}.toml")
    result = run_scenario(store, sc, lambda st, s: real_ports(st, s, SETUP, s.start),
                          config=SETUP.config)
    assert result.passed, result.problems


def _steps(store: GraphStore) -> list[str]:
    return sorted(str(s) for s, _, _, _ in store.quads(
        (None, RDF.type, OPS.StepExecution), graphs=(GraphName.PROVENANCE,)))


@pytest.mark.parametrize(("scenario", "action", "target", "approver"), [
    ("primary-db-down", OPS.Failover, EX["orders-db"], EX.chen),  # from the failover runbook
    ("freeze-crash-loop", OPS.Page, EX.sofia, None),  # escalation after the policy block
])
def test_why_of_a_step_no_rule_proposed(tmp_path, scenario, action, target, approver):
    store = SqliteStore(tmp_path / "w.db", create=True)
    _play(store, scenario)
    (activity,) = _steps(store)
    (row,) = run_audit(store, "why", {"subject": activity}).rows
    assert row["rules"] == []
    assert (row["action"], row["target"]) == (str(action), str(target))
    assert row["approver"] == (str(approver) if approver else None)
    assert row["status"] == "succeeded" and row["decision"] and row["informed_by"]
    by_step = run_audit(store, "why", {"subject": row["step"]}).rows
    assert [r["activity"] for r in by_step] == [activity]
    store.close()


def test_cli_why_of_a_runbook_step_prints_an_answer(tmp_path):
    spec = str(tmp_path / "w.db")
    store = SqliteStore(tmp_path / "w.db", create=True)
    _play(store, "primary-db-down")
    (activity,) = _steps(store)
    store.close()
    res = CliRunner().invoke(app, ["--store", spec, "audit", "why", "--subject", activity])
    assert res.exit_code == 0 and res.exception is None, res.output
    assert "ops:Failover" in res.output and "no rule proposed" in res.output
    res = CliRunner().invoke(app, ["--store", spec, "--format", "json", "audit", "why",
                                   "--subject", activity])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)["rows"]
    assert row["rules"] == [] and row["approver"] == str(EX.chen)


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_why_of_ruleless_steps_citing_little_or_nothing(tmp_path, store):
    from provlog import add_ruleless_steps, build_log  # type: ignore[import-not-found]

    from engine.store import MemoryStore

    log = build_log(MemoryStore() if store == "memory" else SqliteStore(tmp_path / "w.db",
                                                                       create=True))
    add_ruleless_steps(log)
    (failover,) = run_audit(log.store, "why", {"subject": "run:step/runbook"}).rows
    assert failover["rules"] == [] and failover["informed_by"] == [str(EX["alert-3"])]
    assert failover["approver"] == str(EX.chen) and failover["verdict"] == "allowed"
    (page,) = run_audit(log.store, "why", {"subject": str(log.records[-1].iri)}).rows
    assert page["rules"] == [] and page["informed_by"] == [] and page["decision"] is None
    assert (page["action"], page["target"]) == (str(OPS.Page), str(EX.sofia))
    (ruled,) = run_audit(log.store, "why", {"subject": "run:step/1"}).rows
    assert ruled["rules"] == ["restart-crashed@2"]
