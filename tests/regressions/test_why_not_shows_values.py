"""Regression: `tier1 why-not` said "fails at line 9: filter ?used > 80" without the file (with
several --rules, "line 9" is ambiguous) and without the value that failed (QA pass 3, #17)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]
HOT = ('prefix ops: <https://w3id.org/tier1/ops#>\n\nrule qa.host-hot\n  version 1\nwhen\n'
       '  ?h a ops:Host\n  ?h ops:diskUsedPercent ?used\n  filter ?used > 80\nthen\n'
       '  ?h ops:health "degraded"\nend\n')


def test_why_not_names_the_file_and_the_values_that_failed(tmp_path: Path) -> None:
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "load", str(REPO / "ontology/examples/estate.ttl")]
                    ).exit_code == 0
    rules = tmp_path / "hot.rules"
    rules.write_text(HOT)
    args = ["--store", spec, "why-not", "qa.host-hot", "--bind", "h=ex:host-01", "--rules",
            str(rules)]
    res = r.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert f"fails at {rules}:8: filter ?used > 80" in res.output
    assert "tried: ?used = 47.0" in res.output
    data = json.loads(r.invoke(app, [*args, "--format", "json"]).output)
    assert data["source"] == str(rules) and data["tried"] == [[["used", "47.0"]]]
