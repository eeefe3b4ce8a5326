"""The world commands through click's CliRunner, including every bad input a user gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine.cli import app

REPO = Path(__file__).resolve().parents[3]
ONTOLOGY = REPO / "ontology" / "ops.ttl"
ESTATE = REPO / "ontology" / "examples" / "estate.ttl"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = str(tmp_path / "store")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, ["--store", store, "--author", "tester", *args])

    return invoke


@pytest.fixture
def loaded(run):  # type: ignore[no-untyped-def]
    assert run("init").exit_code == 0
    r = run("load", str(ONTOLOGY), str(ESTATE), "-m", "estate")
    assert r.exit_code == 0, r.output
    return run


def _log(run) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    r = run("--format", "json", "log")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_load_is_one_commit_with_author_and_message(loaded) -> None:  # type: ignore[no-untyped-def]
    [c] = _log(loaded)
    assert (c["seq"], c["author"], c["message"]) == (1, "tester", "estate")
    assert c["added"] > 1000


def test_summary_shows_classes_tier1_and_open_incidents(loaded) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(loaded("summary", "--format", "json").stdout)
    assert data["classes"]["ops:Service"] >= 15
    assert "owl:Class" not in data["classes"]
    tier1 = {s["service"]: s for s in data["tier1"]}
    assert "ex:checkout" in tier1 and "ex:payments" in tier1["ex:checkout"]["depends_on"]
    assert any(i["affects"] == "ex:checkout" for i in data["open_incidents"])
    text = loaded("summary").output
    assert "Tier-1 services:" in text and "ex:checkout" in text


def test_query_select_and_ask_with_time_travel(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "extra.ttl"
    extra.write_text("@prefix ops: <https://w3id.org/tier1/ops#> .\n"
                     "@prefix ex: <https://example.org/estate/> .\nex:newsvc a ops:Service ; ops:tier 3 .\n")
    assert loaded("load", str(extra)).exit_code == 0
    q = "ASK { ex:newsvc a ops:Service }"
    assert json.loads(loaded("--format", "json", "query", q).stdout)["rows"] == [[True]]
    assert json.loads(loaded("--format", "json", "query", "--at", "HEAD~1", q).stdout)["rows"] == [[False]]
    r = loaded("query", "SELECT ?t WHERE { ex:checkout ops:tier ?t }")
    assert r.exit_code == 0 and "1" in r.stdout
    assert "(1 row)" in r.stderr


@pytest.mark.parametrize("update", [
    "INSERT DATA { ex:a ops:tier 1 }",
    "PREFIX x: <urn:x#>\nDELETE WHERE { ?s x:p ?o }",
    "  clear all",
])
def test_a_sparql_update_is_refused_with_the_way_to_change_the_world(loaded, update: str) -> None:  # type: ignore[no-untyped-def]
    before = _log(loaded)
    r = loaded("query", update)
    assert r.exit_code == 1
    assert "SPARQL update" in r.output and "tier1 load" in r.output, r.output
    assert _log(loaded) == before


def test_show_diff_and_export_round_trip(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = json.loads(loaded("show", "ex:checkout", "--format", "json").stdout)
    assert view["label"] == "Checkout" and "ops:Service" in view["types"]
    assert {"predicate": "ops:instanceOf", "node": "ex:checkout-1", "graph": "asserted"} in view["incoming"]
    out = tmp_path / "dump.nt"
    assert loaded("export", "--to", "nt", "-o", str(out)).exit_code == 0
    other = tmp_path / "other"
    r = CliRunner().invoke(app, ["--store", str(other), "load", str(out)])
    assert r.exit_code == 0, r.output
    q = ["--format", "json", "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]
    n1 = json.loads(loaded(*q).stdout)["rows"]
    n2 = json.loads(CliRunner().invoke(app, ["--store", str(other), *q]).stdout)["rows"]
    assert n1 == n2
    d = json.loads(loaded("--format", "json", "diff", "HEAD", "HEAD").stdout)
    assert d["added"] == [] and d["removed"] == []


def _assert_unchanged(run, before: list) -> None:  # type: ignore[no-untyped-def,type-arg]
    assert _log(run) == before


BAD_INPUTS = {
    "bad.ttl": ("@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b foo:c .\n",
                "bad.ttl:3:11", "@prefix foo:"),
    "unterminated.ttl": ('@prefix ex: <http://e/> .\nex:a ex:b "oops .\n',
                         "unterminated.ttl:2:", "close the string"),
    "bad.nt": ("<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> http://e/c> .\n",
               "bad.nt:2:27", "at 'http://e/c> .'"),  # the snippet starts at the bad token
    "bad.jsonld": ('{"@id": "x",\n "a": [1,\n }', "bad.jsonld:3:", "invalid JSON"),
    "data.csv": ("a,b,c\n", "cannot tell the RDF format", "--input-format"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_files_give_one_line_and_change_nothing(loaded, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    text, where, fix = BAD_INPUTS[name]
    bad = tmp_path / name
    bad.write_text(text)
    before = _log(loaded)
    r = loaded("load", str(ESTATE), str(bad))  # a good file first: it must not land either
    assert r.exit_code == 1
    assert where in r.stderr and fix in r.stderr
    assert "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1
    _assert_unchanged(loaded, before)


def test_missing_file_and_unreadable_store(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("load", str(tmp_path / "nope.ttl"))
    assert r.exit_code == 1 and "no such file" in r.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 64)
    r = CliRunner().invoke(app, ["--store", str(junk), "log"])
    assert r.exit_code == 1 and "StoreUnavailable" in r.stderr and "junk.db" in r.stderr
    r = CliRunner().invoke(app, ["--store", str(tmp_path / "never"), "log"])
    assert r.exit_code == 1 and "tier1 init" in r.stderr


def test_bad_options_are_named(loaded) -> None:  # type: ignore[no-untyped-def]
    r = loaded("query", "--at", "not-a-commit", "ASK {}")
    assert r.exit_code == 1 and "not-a-commit" in r.stderr and "HEAD~N" in r.stderr
    r = loaded("query", "SELEC nothing")
    assert r.exit_code == 1 and "SPARQL syntax error" in r.stderr
    r = loaded("show", "nope:thing")
    assert r.exit_code == 1 and "known prefix" in r.stderr
    r = loaded("export", "--graph", "all", "--to", "turtle")
    assert r.exit_code == 1 and "trig or nquads" in r.stderr
    r = CliRunner().invoke(app, ["--store", "ftp://x", "log"])
    assert r.exit_code == 1 and "neo4j:// or bolt://" in r.stderr


def test_env_var_selects_the_store(tmp_path: Path) -> None:
    env = {"TIER1_STORE": str(tmp_path / "envstore")}
    r = CliRunner().invoke(app, ["init"], env=env)
    assert r.exit_code == 0 and str(tmp_path / "envstore") in r.output


def test_interrupted_load_leaves_store_unchanged(tmp_path: Path) -> None:
    """A real `tier1 load` process killed mid-way commits nothing."""
    big = tmp_path / "big.nt"
    with big.open("w") as fh:
        for i in range(300_000):
            fh.write(f'<https://example.org/estate/s{i}> <https://w3id.org/tier1/ops#name> "v{i}" .\n')
    store = str(tmp_path / "store")
    env = {**os.environ, "TIER1_STORE": store}
    tier1 = [sys.executable, "-c", "from cli import main; main()"]
    subprocess.run([*tier1, "load", str(ESTATE)], env=env, check=True, capture_output=True, cwd=REPO)
    proc = subprocess.Popen([*tier1, "load", str(big)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    out = subprocess.run([*tier1, "--format", "json", "log"], env=env, capture_output=True, cwd=REPO,
                         text=True, check=True)
    assert [c["seq"] for c in json.loads(out.stdout)] == [1]


@pytest.mark.parametrize("fmt", ["json-ld", "trig", "nquads"])
def test_an_export_is_the_same_bytes_whatever_the_hash_seed(loaded, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """rdflib orders JSON-LD nodes and TriG/N-Quads graphs through sets: exports moved with
    the process's hash seed, so an archived export could not be diffed against a new one."""
    assert loaded("infer").exit_code == 0  # two graphs to order
    store = str(tmp_path / "store")
    outs = set()
    for seed in ("1", "2"):
        r = subprocess.run([sys.executable, "-c", "from engine.cli import main; main()",
                            "--store", store, "export", "--to", fmt,
                            *([] if fmt == "json-ld" else ["--graph", "all"])],
                           env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True,
                           text=True, check=True)
        outs.add(r.stdout)
    assert len(outs) == 1 and len(outs.pop()) > 1000


@pytest.mark.parametrize(("alias", "canonical"), [("ttl", "turtle"), ("jsonld", "json-ld"),
                                                  ("nq", "nquads"), ("ntriples", "nt")])
def test_to_takes_the_suffix_names(loaded, alias: str, canonical: str) -> None:  # type: ignore[no-untyped-def]
    """QA4 #10: 'export --to ttl' was a usage error although '-o x.ttl' works."""
    graph = ["--graph", "all"] if canonical == "nquads" else []
    got = loaded("export", "--to", alias, *graph)
    want = loaded("export", "--to", canonical, *graph)
    assert got.exit_code == want.exit_code == 0, got.output
    assert got.stdout == want.stdout


def test_an_export_of_every_graph_reads_back_as_the_same_quads(tmp_path: Path) -> None:
    """QA pass 10 #2: TriG kept only the first graph's @prefix lines, so a prefix only a later
    graph uses (``sh:`` in the provenance of a policy decision) was unbound: no reader took
    the file back."""
    import rdflib

    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "run", "freeze-crash-loop"]).exit_code == 0
    out = tmp_path / "all.trig"
    assert r.invoke(app, ["--store", spec, "export", "--graph", "all", "-o", str(out)]).exit_code == 0
    back = rdflib.Dataset()
    back.parse(out, format="trig")
    nq = r.invoke(app, ["--store", spec, "export", "--graph", "all", "--to", "nquads"])
    want = rdflib.Dataset()
    want.parse(data=nq.stdout, format="nquads")
    assert len(back) == len(want) > 1000
    assert {g.identifier for g in back.graphs() if len(g)} == \
        {g.identifier for g in want.graphs() if len(g)}


def test_trig_gives_each_made_up_prefix_one_namespace(tmp_path: Path) -> None:
    """QA pass 11 #5: each graph's part named its own unbound namespace ``ns1:``, and the
    file declared ``ns1:`` twice: read back, one namespace's IRIs became the other's."""
    import rdflib

    data = tmp_path / "ns.ttl"
    data.write_text("<http://x.example/s> <http://x.example/v#uses> <http://x.example/o> .\n"
                    "<http://x.example/v#uses> <http://www.w3.org/2000/01/rdf-schema#"
                    "subPropertyOf> <http://y.example/w#touches> .\n")
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "load", str(data)]).exit_code == 0
    assert r.invoke(app, ["--store", spec, "infer", "--rules", str(REPO / "rules" / "rdfs")]
                    ).exit_code == 0
    trig = r.invoke(app, ["--store", spec, "export", "--graph", "all", "--to", "trig"]).stdout
    nq = r.invoke(app, ["--store", spec, "export", "--graph", "all", "--to", "nquads"]).stdout
    back, want = rdflib.Dataset(), rdflib.Dataset()
    back.parse(data=trig, format="trig")
    want.parse(data=nq, format="nquads")
    assert set(back.quads()) == set(want.quads())


@pytest.mark.parametrize(("text", "hint"), [
    ("SELECT ?p WHERE { run:prov/00000004 ?p ?o }", "<urn:tier1:run:prov/00000004>"),
    ("ASK { ?s ops:x ex:a/b }", "<https://example.org/estate/a/b>"),
    ("SELECT ?t WHERE { ?s ops:dependsOn/ops:tier ?t . BAD }", None),  # a path, not a CURIE
    ("SELECT ?o WHERE { <urn:tier1:run:prov/1> ?p ?o . BAD }", None),  # already an IRI
])
def test_a_printed_curie_with_a_slash_gets_a_hint(loaded, text: str,  # type: ignore[no-untyped-def]
                                                  hint: str | None) -> None:
    """QA 11: tier1 prints run:prov/00000004, which SPARQL cannot read as a prefixed name;
    pasting it gave "Expected SelectQuery" and nothing else."""
    r = loaded("query", text)
    assert r.exit_code == 1 and "SPARQL syntax error" in r.stderr
    if hint is None:
        assert "not a SPARQL prefixed name" not in r.stderr
    else:
        assert f"write the IRI in full, {hint}" in r.stderr
