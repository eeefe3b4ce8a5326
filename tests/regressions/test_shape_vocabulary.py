"""Regression: a misspelt class, property or SHACL term in a shape (ops:Sevrice,
ops:diskUsedPrecent, sh:maxInclusiv) made the shape match or constrain nothing, and
`tier1 validate` said ALLOWED (QA pass 3, #16). They are now errors naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]
HEAD = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix pol: <https://w3id.org/tier1/shapes#> .\n"
        "@prefix ops: <https://w3id.org/tier1/ops#> .\n")


@pytest.mark.parametrize(("body", "words"), [
    ("pol:X a sh:NodeShape ;\n  sh:targetClass ops:Sevrice ;\n"
     "  sh:property [ sh:path ops:tier ; sh:minCount 1 ] .\n",
     "s.ttl:5: ops:Sevrice is not a term of the ops ontology (ontology/ops.ttl); did you mean "
     "ops:Service?"),
    ("pol:X a sh:NodeShape ;\n  sh:targetClass ops:Host ;\n"
     "  sh:property [ sh:path ops:diskUsedPrecent ; sh:maxInclusive 50 ] .\n",
     "did you mean ops:diskUsedPercent?"),
    ("pol:X a sh:NodeShape ;\n  sh:targetClass ops:Host ;\n"
     "  sh:property [ sh:path ops:diskUsedPercent ; sh:maxInclusiv 50 ] .\n",
     "s.ttl:6: sh:maxInclusiv is not a term of SHACL"),
])
def test_a_misspelt_term_in_a_shape_is_an_error(tmp_path: Path, body: str, words: str) -> None:
    shape = tmp_path / "s.ttl"
    shape.write_text(HEAD + body)
    spec = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", spec, "load",
                                    str(REPO / "ontology/examples/estate.ttl")]).exit_code == 0
    r = CliRunner().invoke(app, ["--store", spec, "validate", "--shapes", str(shape)])
    assert r.exit_code == 3 and words in r.output, r.output


def test_the_shipped_shapes_use_known_terms_only() -> None:
    r = CliRunner().invoke(app, ["shapes", "test"])
    assert r.exit_code == 0, r.output


def test_a_shape_file_loaded_without_its_prefix_declarations_says_which_file_is_missing(
        tmp_path: Path) -> None:
    spec = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", spec, "init"]).exit_code == 0
    r = CliRunner().invoke(app, ["--store", spec, "validate", "--shapes",
                                 str(REPO / "shapes" / "world.ttl")])
    assert r.exit_code == 3
    assert "names a node with no sh:declare" in r.output and "tier1-shapes.ttl" in r.output
