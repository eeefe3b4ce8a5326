"""Regression: `tier1 query` with GRAPH, SERVICE or FROM died with a Python traceback
(rdflib fails midway on a one-graph view), and SERVICE / FROM made the read-only query
command open network connections. They are refused up front, in one line, with the fix."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

ESTATE = Path(__file__).resolve().parents[2] / "ontology" / "examples" / "estate.ttl"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    spec = str(tmp_path_factory.mktemp("q") / "w.db")
    assert CliRunner().invoke(app, ["--store", spec, "load", str(ESTATE)]).exit_code == 0
    return spec


@pytest.mark.parametrize(("query", "words"), [
    ("SELECT ?g WHERE { GRAPH ?g { ?a ?b ?c } }", "GRAPH needs named graphs"),
    ("SELECT ?x WHERE { ?x a ops:Service FILTER EXISTS { SERVICE <{url}> { ?x ?p ?o } } }",
     "SERVICE asks another endpoint"),
    ("SELECT * FROM <{url}> WHERE { ?s ?p ?o }", "FROM / FROM NAMED"),
    ("SELECT * FROM NAMED <{url}> WHERE { ?s ?p ?o }", "FROM / FROM NAMED"),
])
def test_unanswerable_sparql_is_one_line_and_never_leaves_the_machine(
        store: str, query: str, words: str) -> None:
    with socket.socket() as listener:  # a local "endpoint" that records any connection
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.2)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        r = CliRunner().invoke(app, ["--store", store, "query", query.replace("{url}", url)])
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody called
    assert r.exit_code == 1
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert words in r.output and "Traceback" not in r.output


def test_the_word_graph_in_a_literal_is_fine(store: str) -> None:
    r = CliRunner().invoke(app, ["--store", store, "query", 'ASK { ?s ?p "GRAPH" }'])
    assert r.exit_code == 0, r.output
