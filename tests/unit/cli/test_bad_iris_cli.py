"""Every way a file reaches the store refuses an IRI no RDF file can hold, as one line naming
file:line and the fix, with nothing committed; export of a store that already holds one
(written by an older tier1) is one error line naming it, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Literal, URIRef

from engine.cli import app
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import GraphName

REPO = Path(__file__).resolve().parents[3]
ESTATE = REPO / "ontology" / "examples" / "estate.ttl"
PREFIX = "@prefix ex: <https://example.org/estate/> .\n@prefix ops: <https://w3id.org/tier1/ops#> .\n"


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.spec = str(tmp_path / "w.db")
        self.tmp = tmp_path

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, ["--store", self.spec, "--author", "tester", *args])

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def commits(self) -> list[str]:
        r = self("--format", "json", "log")
        assert r.exit_code == 0, r.output
        return [c["id"] for c in json.loads(r.stdout)]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    assert c("init").exit_code == 0
    assert c("load", str(ESTATE)).exit_code == 0
    return c


def refused(r: Result, where: str, error: str = "ParseError") -> None:
    assert r.exit_code != 0
    assert "Traceback" not in r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{error}: {where}"), lines[0]
    assert "is not a valid IRI" in lines[0]


@pytest.mark.parametrize(("name", "text", "line"), [
    ("space.ttl", PREFIX + "ex:checkout ops:dependsOn <https://example.org/estate/a b> .\n", 3),
    ("escape.ttl", PREFIX + "ex:checkout ops:dependsOn <https://e.org/a\\u0020b> .\n", 3),
    ("c1.nt", "<https://e.org/a> <https://e.org/p> <https://e.org/b> .\n"
              "<https://e.org/a\u0085> <https://e.org/p> <https://e.org/b> .\n", 2),
    ("id.jsonld", '{"@id": "https://e.org/a",\n "https://e.org/p": {"@id": "https://e.org/b c"}}\n',
     2),
])
def test_load_refuses_a_bad_iri_and_commits_nothing(cli: Cli, name: str, text: str,
                                                    line: int) -> None:
    before = cli.commits()
    bad = cli.file(name, text)
    r = cli("load", str(ESTATE), bad)  # a good file first: it must not land either
    refused(r, f"{bad}:{line}:")
    assert "percent-encode it as %" in r.stderr
    assert cli.commits() == before


def test_infer_refuses_a_rule_that_would_write_a_bad_iri(cli: Cli) -> None:
    before = cli.commits()
    rules = cli.file("bad.rules", "prefix ops: <https://w3id.org/tier1/ops#>\n\n"
                     "rule x.tag\n  version 1\nwhen\n  ?s a ops:Service\nthen\n"
                     "  ?s <https://e.org/tag> <https://e.org/a\x01b>\nend\n")
    refused(cli("infer", "--rules", rules, "--now", "2026-11-28T08:00:00Z"), f"{rules}:8:")
    assert cli.commits() == before


def test_validate_record_refuses_a_trig_plan_with_a_bad_iri(cli: Cli) -> None:
    before = cli.commits()
    plan = cli.file("plan.trig", PREFIX + "<urn:tier1:run:adds> {\n"
                    "  <https://e.org/plan 1> a ops:Plan .\n}\n")
    refused(cli("validate", "--plan", plan, "--record"), f"{plan}:4:")
    assert cli.commits() == before


def test_validate_record_refuses_a_shape_with_a_bad_iri(cli: Cli) -> None:
    before = cli.commits()
    shapes = cli.file("shapes.ttl", PREFIX + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      "<https://e.org/Tiered shape> a sh:NodeShape ; sh:targetClass ops:Service ;\n"
                      "  sh:property [ sh:path ops:tier ; sh:minCount 1 ] .\n")
    refused(cli("validate", "--shapes", shapes, "--record"), f"{shapes}:4:")
    assert cli.commits() == before


def test_run_refuses_a_scenario_whose_inline_turtle_has_a_bad_iri(cli: Cli) -> None:
    before = cli.commits()
    sc = cli.file("sc.toml", f'title = "t"\nsummary = "s"\nstart = 2026-11-28T09:00:00Z\n'
                  f'[world]\nfiles = ["{ESTATE}"]\nturtle = """\n'
                  'ex:checkout rdfs:seeAlso <https://e.org/a b> .\n"""\n'
                  '[[events]]\nat = 0\nalert = "ex:alert-x"\nabout = "ex:checkout"\n'
                  'severity = "critical"\nlabel = "x"\n[expect]\noutcome = "resolved"\n')
    r = cli("run", sc)
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert f"ScenarioError: {sc}:7: [world] 'https://e.org/a b' is not a valid IRI" in r.output
    assert cli.commits() == before


@pytest.fixture
def old(tmp_path: Path) -> Cli:
    """A store an older tier1 wrote: the bad IRI goes in through the store API, unchecked."""
    c = Cli(tmp_path)
    store = SqliteStore(Path(c.spec), create=True)
    a, p = URIRef("https://e.org/a"), URIRef("https://e.org/p")
    for graph in (GraphName.ASSERTED, GraphName.PROVENANCE):
        store.commit(Delta.of([(a, p, URIRef("https://e.org/b\u2028c")), (a, p, Literal("ok"))],
                              graph=graph), CommitMeta(author="old", message="older tier1"))
    store.close()
    return c


@pytest.mark.parametrize("args", [
    ("export",), ("export", "--to", "nt"), ("export", "--to", "json-ld"),
    ("export", "--graph", "all", "--to", "nquads"), ("export", "-o", "out.trig", "--graph", "all"),
    ("audit", "export"), ("audit", "export", "--to", "json-ld"),
])
def test_export_of_a_store_holding_a_bad_iri_is_one_error_line(old: Cli, args: tuple[str, ...]) -> None:
    args = tuple(str(old.tmp / a) if a.startswith("out.") else a for a in args)
    r = old(*args)
    refused(r, "cannot export: ", error="StoreError")
    assert "'https://e.org/b\\u2028c'" in r.stderr
    assert "<https://e.org/a> <https://e.org/p> <https://e.org/b\\u2028c>" in r.stderr
    assert "remove that triple" in r.stderr
    assert r.stdout == "" and not (old.tmp / "out.trig").exists()


def test_export_error_under_format_json(old: Cli) -> None:
    r = old("--format", "json", "export")
    assert r.exit_code == 1
    err = json.loads(r.stderr)["error"]
    assert err["type"] == "StoreError" and "is not a valid IRI" in err["message"]
