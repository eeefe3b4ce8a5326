"""Regression: an approval's provenance record named the approver (--as) but not who ran the
command (--author): anyone could approve as anyone, and the operator's name lived only in
commit metadata, outside the hash chain (QA pass 3, #14). The record now says both."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app
from engine.store import open_store
from engine.vocab import OPS, GraphName

REPO = Path(__file__).resolve().parents[2]


def test_the_approval_record_names_who_entered_it(tmp_path: Path) -> None:
    text = (REPO / "scenarios" / "primary-db-down.toml").read_text()
    text = re.sub(r"\[\[answers\]\].*?decision = \"approve\"\n", "", text, flags=re.S)
    text = re.sub(r"\[expect\].*", '[expect]\noutcome = "awaiting_approval"\n', text, flags=re.S)
    text = (text.replace('"../ontology/', f'"{REPO}/ontology/')
            .replace('"calm.ru"', f'"{REPO}/scenarios/calm.ru"'))
    scenario = tmp_path / "parked.toml"
    scenario.write_text(text)
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "run", str(scenario)]).exit_code == 0
    plans = json.loads(r.invoke(app, ["--store", spec, "--format", "json", "plans"]).output)
    parked = [p["iri"] for p in plans if p["state"] == "awaiting_approval"]
    assert parked
    res = r.invoke(app, ["--store", spec, "--author", "mallory", "approve", parked[0],
                         "--as", "ex:chen"])
    assert res.exit_code == 0, res.output
    store = open_store(spec)
    entered = {str(o) for _, _, o, _ in store.quads((None, OPS.enteredBy, None),
                                                     graphs=(GraphName.PROVENANCE,))}
    store.close()
    assert entered == {"mallory"}
    assert r.invoke(app, ["--store", spec, "audit", "verify"]).exit_code == 0
