"""Regression: `tier1 validate --plan` read an ill-typed literal ("lots"^^xsd:decimal) that
`tier1 load` refuses, answered with a policy verdict about it (exit 1, "blocked") and leaked
rdflib's warning. A plan file goes through the loader's checks: file:line:col, exit 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

ESTATE = Path(__file__).resolve().parents[2] / "ontology" / "examples" / "estate.ttl"
HEAD = ("@prefix ops: <https://w3id.org/tier1/ops#> .\n@prefix ex: <https://example.org/estate/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")
BAD = 'ex:host-03 ops:diskUsedPercent "lots"^^xsd:decimal .\n'


@pytest.mark.parametrize(("name", "body", "where"), [
    ("plan.ttl", HEAD + BAD, "plan.ttl:4:32"),
    ("plan.trig", HEAD + "<urn:tier1:run:removes> {\n  " + BAD + "}\n", "plan.trig:5:"),
])
def test_an_ill_typed_plan_value_is_a_parse_error_not_a_verdict(
        tmp_path: Path, name: str, body: str, where: str) -> None:
    spec = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", spec, "load", str(ESTATE)]).exit_code == 0
    plan = tmp_path / name
    plan.write_text(body)
    r = CliRunner().invoke(app, ["--store", spec, "validate", "--plan", str(plan)])
    assert r.exit_code == 3, r.output
    assert where in r.output and '"lots" is not a valid xsd:decimal' in r.output, r.output
    assert "UserWarning" not in r.output


def test_a_plan_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    """A .trig plan in Latin-1 was a UnicodeDecodeError traceback; the loader's reader says it."""
    spec = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", spec, "init"]).exit_code == 0
    plan = tmp_path / "plan.trig"
    plan.write_bytes(b'<urn:tier1:run:adds> { <urn:a> <urn:b> "caf\xe9" . }\n')
    r = CliRunner().invoke(app, ["--store", spec, "validate", "--plan", str(plan)])
    assert r.exit_code == 3 and "not UTF-8 text" in r.output and "re-encode" in r.output, r.output
