"""Regression: `tier1 load` accepted `"two"^^xsd:integer` and `tier1 validate` then crashed.

The load printed rdflib's logged traceback, committed the literal and exited 0;
the policy gate later compared it with ``<=`` and raised a TypeError. Now the
parse step rejects it with one ``file:line`` line, exit 1, and no commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app
from engine.store import open_store

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "ontology" / "examples" / "estate.ttl"
TTL = """@prefix ex: <https://example.org/estate/> .
@prefix ops: <https://w3id.org/tier1/ops#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:checkout ops:minHealthyInstances "two"^^xsd:integer .
"""
NT = '<http://a> <http://b> "x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
JSONLD = ('{"@id": "http://a",\n "http://b": {"@value": "x",\n'
          '  "@type": "http://www.w3.org/2001/XMLSchema#integer"}}\n')


def log_of(store: Path) -> list[str]:
    s = open_store(str(store))
    try:
        return [c.id for c in s.log()]
    finally:
        s.close()


@pytest.mark.parametrize(("name", "text", "line", "value"),
                         [("illtyped.ttl", TTL, 4, "two"), ("illtyped.nt", NT, 1, "x"),
                          ("illtyped.jsonld", JSONLD, 2, "x")])
def test_load_rejects_and_commits_nothing(
    tmp_path: Path, name: str, text: str, line: int, value: str,
) -> None:
    store = ["--store", str(tmp_path / "s.db")]
    assert CliRunner().invoke(app, [*store, "load", str(ESTATE)]).exit_code == 0
    before = log_of(tmp_path / "s.db")
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, [*store, "load", str(bad)])
    assert r.exit_code == 1
    assert f'{bad}:{line}' in r.output
    assert f'"{value}" is not a valid xsd:integer' in r.output
    assert "Traceback" not in r.output
    assert log_of(tmp_path / "s.db") == before


def test_cli_stderr_is_one_line_without_rdflib_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "illtyped.ttl"
    bad.write_text(TTL + '<http://a> <http://b> "yes"^^xsd:boolean .\n', encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "cli.py", "--store", str(tmp_path / "s.db"), "load", str(bad)],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "Failed to convert" not in r.stderr
    assert "weird boolean" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert f"{bad}:4" in lines[0] and "fix the value or its datatype" in lines[0]
    assert "(and 1 more)" in lines[0]
