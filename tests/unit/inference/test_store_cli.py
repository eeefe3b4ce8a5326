"""infer_store commits one inferred-graph delta; the CLI commands over a real store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from rdflib import Literal
from rdflib.namespace import RDF

from engine.cli import app
from engine.inference import RuleSet, infer_store, parse_text
from engine.store import CommitMeta, Delta, MemoryStore, triples
from engine.vocab import EX, OPS, GraphName

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
RULES = """
rule crashed
  salience 70
when
  ?i ops:health "crashed"
then
  ?i ex:needsAttention true
  propose ops:Restart ?i
end
"""

WORLD = """@prefix ex: <https://example.org/estate/> .
@prefix ops: <https://w3id.org/tier1/ops#> .
ex:i1 a ops:Instance ; ops:health "crashed" .
ex:h1 a ops:Host ; ops:diskUsedPercent 40.0 .
"""


def test_infer_store_one_commit_inferred_graph_only() -> None:
    store = MemoryStore()
    store.commit(Delta.of([(EX.i1, OPS.health, Literal("crashed")),
                           (EX.i2, RDF.type, OPS.Instance)]), CommitMeta(author="t", message="m"))
    rs = RuleSet.of(parse_text(RULES))
    dry = infer_store(store, rs, now=NOW, author="t", dry_run=True)
    assert dry.commit is None and len(dry.added) == 1 and store.head().seq == 1  # type: ignore[union-attr]
    out = infer_store(store, rs, now=NOW, author="t")
    assert out.commit is not None and out.commit.seq == 2
    assert set(triples(store, graph=GraphName.INFERRED)) == {(EX.i1, EX.needsAttention,
                                                             Literal(True))}
    assert len(set(triples(store, graph=GraphName.ASSERTED))) == 2
    assert [p.target for p in out.proposals] == [EX.i1]
    again = infer_store(store, rs, now=NOW, author="t")
    assert again.commit is None and not again.added and not again.removed
    store.commit(Delta.of([], [(EX.i1, OPS.health, Literal("crashed"))]),
                 CommitMeta(author="t", message="fixed"))
    gone = infer_store(store, rs, now=NOW, author="t")
    assert len(gone.removed) == 1 and not set(triples(store, graph=GraphName.INFERRED))


def _cli(tmp_path: Path) -> tuple[CliRunner, list[str], Path]:
    runner = CliRunner()
    base = ["--store", str(tmp_path / "w.db")]
    assert runner.invoke(app, [*base, "init"]).exit_code == 0
    world = tmp_path / "world.ttl"
    world.write_text(WORLD)
    res = runner.invoke(app, [*base, "load", str(world)])
    assert res.exit_code == 0, res.output
    rules = tmp_path / "r.rules"
    rules.write_text(RULES)
    return runner, base, rules


def test_cli_infer_explain_why_not(tmp_path: Path) -> None:
    runner, base, rules = _cli(tmp_path)
    now = ["--now", "2026-11-28T08:00:00Z", "--rules", str(rules)]
    res = runner.invoke(app, [*base, "infer", "--dry-run", *now])
    assert res.exit_code == 0, res.output
    assert "would add 1" in res.output and "ex:i1 ex:needsAttention true" in res.output
    res = runner.invoke(app, [*base, "--format", "json", "infer", *now])
    data = json.loads(res.output)
    assert data["commit"] is not None and len(data["added"]) == 1
    pid = data["proposals"][0]["id"]
    res = runner.invoke(app, [*base, "explain", "ex:i1 ex:needsAttention true", *now])
    assert res.exit_code == 0, res.output
    assert "rule crashed v1" in res.output and "asserted in commit" in res.output
    res = runner.invoke(app, [*base, "--format", "json", "explain", pid, *now])
    tree = json.loads(res.output)
    assert tree["kind"] == "proposal" and tree["premises"][0]["commit"]
    res = runner.invoke(app, [*base, "why-not", "crashed", "--bind", "i=ex:h1", *now])
    assert res.exit_code == 0 and 'r.rules:5: ?i ops:health "crashed"' in res.output
    res = runner.invoke(app, [*base, "--format", "json", "why-not", "crashed", "--bind",
                              "i=ex:i1", *now])
    assert json.loads(res.output)["matched"] is True


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner, base, rules = _cli(tmp_path)
    bad = tmp_path / "bad.rules"
    bad.write_text("rule x\nwhen\n ?a zz:p ?b\nthen\n ?a ex:q ?b\nend\n")
    res = runner.invoke(app, [*base, "rules", "check", str(bad)])
    assert res.exit_code == 1 and f"ParseError: {bad}:3" in res.output
    res = runner.invoke(app, [*base, "rules", "check", str(rules)])
    assert res.exit_code == 0 and "1 rules" in res.output
    res = runner.invoke(app, [*base, "infer", "--rules", str(rules), "--now", "yesterday"])
    assert res.exit_code == 1 and "ConfigError" in res.output
    res = runner.invoke(app, [*base, "why-not", "crashed", "--bind", "oops", "--rules", str(rules)])
    assert res.exit_code == 1 and "VAR=VALUE" in res.output


def test_cli_rules_check_bundled_packs(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["--store", str(tmp_path / "w.db"), "rules", "check"])
    assert res.exit_code == 0, res.output
    assert all(p in res.output for p in ("ops", "rdfs", "owl2rl"))
