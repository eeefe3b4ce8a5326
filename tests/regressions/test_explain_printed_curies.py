"""Regression: `tier1 explain` could not read the CURIEs the rest of the CLI prints
(`run:step/65e5...`: the rule language's names stop at '/'), and a lone plan id got a parse
error about '/' instead of where to look (QA pass 3, #24)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_explain_reads_printed_curies_and_points_a_plan_elsewhere(tmp_path: Path) -> None:
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "run", "disk-full"]).exit_code == 0
    plan = json.loads(r.invoke(app, ["--store", spec, "--format", "json", "plans"]).output)[0]
    step = plan["steps"][0]["iri"].replace("urn:tier1:run:", "run:")
    res = r.invoke(app, ["--store", spec, "explain", f"{step} ops:actionType ops:ClearDisk"])
    assert res.exit_code == 0 and "asserted in commit" in res.output, res.output
    res = r.invoke(app, ["--store", spec, "explain", plan["iri"].replace("urn:tier1:run:", "run:")])
    assert res.exit_code == 1 and "for a plan see 'tier1 plans'" in res.output, res.output
    res = r.invoke(app, ["--store", spec, "explain", 'ex:host-07 ops:name "run:x/y"'])
    assert "run:x/y" in res.output and "urn:tier1" not in res.output  # literals stay as written
