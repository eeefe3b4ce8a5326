"""Regression: `tier1 explain` of a fact in the store's inferred graph, with rules that do not
derive it, said it was "neither asserted nor inferred" (QA pass 3, #17). It now says the fact
is in the inferred graph, made by which rule set, and how to ask again."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]
MINE = ('prefix ops: <https://w3id.org/tier1/ops#>\nrule qa.x\n  version 1\nwhen\n'
        '  ?h a ops:Host\nthen\n  ?h ops:health "degraded"\nend\n')


def test_explain_says_a_fact_was_inferred_by_other_rules(tmp_path: Path) -> None:
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "load", str(REPO / "ontology/ops.ttl"),
                          str(REPO / "ontology/examples/estate.ttl")]).exit_code == 0
    assert r.invoke(app, ["--store", spec, "infer", "--now", "2026-11-28T08:05:00Z"]).exit_code == 0
    mine = tmp_path / "mine.rules"
    mine.write_text(MINE)
    fact = "ex:alert-checkout-2-down ops:likelyCause ex:checkout"
    res = r.invoke(app, ["--store", spec, "explain", fact, "--now", "2026-11-28T08:05:00Z"])
    assert res.exit_code == 0 and "ops.likely-cause" in res.output, res.output
    res = r.invoke(app, ["--store", spec, "explain", fact, "--rules", str(mine)])
    assert res.exit_code == 1
    assert "is in the store's inferred graph (made by rule set" in res.output, res.output
    res = r.invoke(app, ["--store", spec, "explain", "ex:checkout ops:health \"nonsense\""])
    assert res.exit_code == 1 and "neither asserted nor inferred" in res.output
