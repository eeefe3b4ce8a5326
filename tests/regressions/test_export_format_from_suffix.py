"""Regression: `tier1 export -o world.jsonld` wrote Turtle into a .jsonld file, and
`tier1 --format json audit export -o prov.ttl` wrote JSON-LD into a .ttl file.

Without ``--to``, both exports now take the format the file's suffix names (Turtle when
it names none), and the report format (``--format``) never changes the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from engine.cli import app

ESTATE = Path(__file__).resolve().parents[2] / "ontology" / "examples" / "estate.ttl"


@pytest.mark.parametrize(("name", "parse_as", "extra"), [
    ("w.jsonld", "json-ld", []), ("w.nt", "nt", []), ("w.ttl", "turtle", []),
    ("w.trig", "trig", ["--graph", "all"]), ("w.nq", "nquads", ["--graph", "all"]),
    ("w.nquads", "nquads", ["--graph", "all"]),  # QA pass 10 #12: it wrote Turtle
    ("w.txt", "turtle", []),
])
def test_the_world_export_takes_its_format_from_the_suffix(
        tmp_path: Path, name: str, parse_as: str, extra: list[str]) -> None:
    store = ["--store", str(tmp_path / "s")]
    assert CliRunner().invoke(app, [*store, "load", str(ESTATE)]).exit_code == 0
    out = tmp_path / name
    r = CliRunner().invoke(app, [*store, "--format", "json", "export", "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["rdf_format"] == {"nt": "nt"}.get(parse_as, parse_as)
    g = rdflib.Dataset() if parse_as in ("trig", "nquads") else rdflib.Graph()
    g.parse(out, format=parse_as)
    assert len(g) > 100 or sum(1 for _ in g.quads()) > 100


def test_an_explicit_to_wins_over_the_suffix(tmp_path: Path) -> None:
    store = ["--store", str(tmp_path / "s")]
    assert CliRunner().invoke(app, [*store, "load", str(ESTATE)]).exit_code == 0
    out = tmp_path / "w.ttl"
    r = CliRunner().invoke(app, [*store, "export", "--to", "nt", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(rdflib.Graph().parse(out, format="nt")) > 100
