"""Regression: `tier1 load` took a Turtle file with a literal subject ("x" ex:p ex:o), which
rdflib's Turtle parser accepts, into the embedded store; the export of it then failed to load
back, and the Neo4j store refused the same data. The loader refuses it, naming the file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli import app


def test_a_literal_subject_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    spec = str(tmp_path / "w.db")
    bad = tmp_path / "lit.ttl"
    bad.write_text('@prefix ex: <https://example.org/> .\nex:s ex:p ex:o .\n"x" ex:p ex:o .\n')
    r = CliRunner().invoke(app, ["--store", spec, "load", str(bad)])
    assert r.exit_code == 1
    assert "lit.ttl" in r.output and "a subject must be an IRI or a blank node" in r.output
    r = CliRunner().invoke(app, ["--store", spec, "--format", "json", "log"])
    assert r.exit_code == 0 and "load lit.ttl" not in r.output
