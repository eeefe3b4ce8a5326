"""Regression: `tier1 export --to nt` failed with "Invalid value for '--format'".

``--to`` and the per-command ``--format`` shared one click parameter name, so
the RDF format landed in the output-format option.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

ESTATE = Path(__file__).resolve().parents[2] / "ontology" / "examples" / "estate.ttl"


def test_export_to_nt_and_json_wrapping(tmp_path: Path) -> None:
    store = ["--store", str(tmp_path / "s")]
    assert CliRunner().invoke(app, [*store, "load", str(ESTATE)]).exit_code == 0
    out = tmp_path / "w.nt"
    r = CliRunner().invoke(app, [*store, "export", "--to", "nt", "-o", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"rdf_format": "nt", "output": str(out)}
    assert out.read_text().count(" .\n") > 1000
