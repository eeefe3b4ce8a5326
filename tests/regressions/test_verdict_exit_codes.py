"""Regression: `tier1 ontology check` and `tier1 shapes test` exited 1 both for their verdict
(inconsistent; a fixture fails) and for an error (a broken file), so a script could not tell
"the world is inconsistent" from "your file is broken". Errors now exit 3, as for validate."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]
PREFIXES = ("@prefix ex: <https://example.org/estate/> .\n"
            "@prefix ops: <https://w3id.org/tier1/ops#> .\n")


def test_ontology_check_verdict_is_1_and_an_error_is_3(tmp_path: Path) -> None:
    clash = tmp_path / "clash.ttl"
    clash.write_text(PREFIXES + "ex:x a ops:Service , ops:Host .\n")  # disjoint classes
    broken = tmp_path / "broken.ttl"
    broken.write_text(PREFIXES + "ex:x a\n")
    assert CliRunner().invoke(app, ["ontology", "check", str(clash)]).exit_code == 1
    r = CliRunner().invoke(app, ["ontology", "check", str(broken)])
    assert r.exit_code == 3 and "broken.ttl:3" in r.output, r.output


@pytest.mark.parametrize("make", ["missing", "broken shapes"])
def test_shapes_test_error_is_3(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "shapes"
    if make == "broken shapes":
        folder.mkdir()
        (folder / "bad.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nx y\n")
    r = CliRunner().invoke(app, ["shapes", "test", str(folder)])
    assert r.exit_code == 3, r.output
