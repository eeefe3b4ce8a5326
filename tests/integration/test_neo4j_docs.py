"""The five audit queries of the README run against a real store and answer correctly."""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, Literal

from engine.store import CommitMeta, Delta
from engine.store._neo4j import Neo4jStore
from engine.vocab import EX, OPS

pytestmark = pytest.mark.neo4j


def doc_queries(repo: object) -> list[str]:
    text = (repo / "README.md").read_text()  # type: ignore[operator]
    section = text.split("### Five audit queries", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```cypher\n(.*?)```", section, re.S)


@pytest.fixture
def world(neo4j_store: Neo4jStore) -> Neo4jStore:
    s = neo4j_store
    s.commit(Delta.of([
        (EX.db, RDF.type, OPS.Service), (EX.db, OPS.tier, Literal(1)),
        (EX.api, RDF.type, OPS.Service), (EX.api, OPS.tier, Literal(1)),
        (EX.api, OPS.dependsOn, EX.db), (EX.web, RDF.type, OPS.Service),
        (EX.web, OPS.tier, Literal(2)), (EX.web, OPS.dependsOn, EX.api),
        (EX["api-0"], RDF.type, OPS.Instance), (EX["api-0"], OPS.instanceOf, EX.api),
        (EX["api-0"], OPS.health, Literal("healthy")),
    ]), CommitMeta(author="alice", message="estate"))
    s.commit(Delta.of([(EX["api-0"], OPS.health, Literal("crashed")), (EX.api, OPS.version, Literal("2"))],
                      [(EX["api-0"], OPS.health, Literal("healthy"))]),
             CommitMeta(author="bob", message="deploy api 2"))
    return s


def test_the_docs_list_five_queries(repo: object) -> None:
    assert len(doc_queries(repo)) == 5


def test_every_doc_query_answers_on_a_real_store(world: Neo4jStore, repo: object) -> None:
    changes, radius, crashed, asof, who = (
        world.run_cypher(q, {"service": str(EX.api), "database": str(EX.db), "seq": 1})
        for q in doc_queries(repo))
    assert [(r["commit"], r["author"], r["change"]) for r in changes] == [
        (1, "alice", "added"), (1, "alice", "added"), (1, "alice", "added"), (2, "bob", "added")]
    assert {r["object"] for r in changes if r["commit"] == 2} == {"2"}  # readable, not a key
    assert {r["object"] for r in changes if r["predicate"] == str(RDF.type)} == {str(OPS.Service)}
    assert [(r["service"], r["tier"]) for r in radius] == [(str(EX.api), 1), (str(EX.web), 2)]
    assert crashed == [{"service": str(EX.api), "crashed": 1}]
    assert len(asof) == 3 and "2" not in {r["object"] for r in asof}
    assert sorted((r["author"], r["commits"]) for r in who) == [("alice", 1), ("bob", 1)]


def test_the_blast_radius_needs_no_inferred_service_label(world: Neo4jStore, repo: object) -> None:
    """QA4 #6: a dependant typed only ops:DatabaseService (ops:Service comes from `tier1 infer`)
    was missing from the blast radius of a fresh load."""
    world.commit(Delta.of([(EX.replica, RDF.type, OPS.DatabaseService), (EX.replica, OPS.tier,
                                                                          Literal(1)),
                           (EX.replica, OPS.dependsOn, EX.db)]), CommitMeta(author="c", message="r"))
    radius = world.run_cypher(doc_queries(repo)[1], {"database": str(EX.db)})
    assert (str(EX.replica), 1) in [(r["service"], r["tier"]) for r in radius]
