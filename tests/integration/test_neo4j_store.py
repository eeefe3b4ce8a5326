"""The Neo4j store on a real Bolt server: the view reads like n10s and gives back
exactly what was loaded, history agrees with SQLite, errors name the URI and the fix."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, XSD, BNode, Literal, URIRef

from bench.worldgen import generate
from engine.errors import ConfigError, InputError, StoreUnavailable
from engine.store import CommitMeta, Delta, SqliteStore, open_store
from engine.store._neo4j import Neo4jStore
from engine.terms import Quad, Triple
from engine.vocab import EX, OPS, GraphName
from tests.support.bolt import BoltServer, free_port, wipe

pytestmark = pytest.mark.neo4j
A, INF, P = GraphName.ASSERTED, GraphName.INFERRED, GraphName.PROVENANCE
META = CommitMeta(author="alice", message="test")


def quads(triples: list[Triple], g: GraphName = A) -> set[Quad]:
    return {(s, p, o, g) for s, p, o in triples}


def labels(store: Neo4jStore, uri: URIRef) -> set[str]:
    rows = store.run_cypher("MATCH (n:Resource {uri: $u}) RETURN labels(n) AS l", {"u": str(uri)})
    return set(rows[0]["l"]) if rows else set()


def test_round_trip_is_lossless_through_the_view(neo4j_store: Neo4jStore) -> None:
    b1, b2 = BNode("b1"), BNode("b2")
    data = [
        (EX.a, RDF.type, OPS.Service), (EX.a, RDF.type, OPS.DatabaseService),
        (EX.a, OPS.name, Literal("a")), (EX.a, OPS.name, Literal("alpha", lang="en")),
        (EX.a, OPS.name, Literal("alfa", lang="it")), (EX.a, OPS.tier, Literal(1)),
        (EX.a, OPS.sloAvailability, Literal("99.90", datatype=XSD.decimal)),
        (EX.a, OPS.sloLatencyMs, Literal(2.5)), (EX.a, OPS.emergency, Literal(False)),
        (EX.a, OPS.firedAt, Literal("2026-11-28T09:00:00Z", datatype=XSD.dateTime)),
        (EX.a, OPS.version, Literal("07", datatype=XSD.integer)),
        (EX.a, OPS.version, Literal("v7")), (EX.a, OPS.dependsOn, EX.b),
        (EX.a, OPS.dependsOn, EX.c), (EX.a, OPS.about, b1), (b1, OPS.name, Literal("blank")),
        (b1, OPS.dependsOn, b2), (b2, RDF.type, OPS.Host), (b1, RDF.type, b2),
        (EX.a, RDF.type, Literal("not a class")),
    ]
    inferred = [(EX.a, RDF.type, OPS.Service), (EX.a, OPS.tier, Literal(1))]
    prov = [(EX.run, OPS.status, Literal("succeeded"))]
    neo4j_store.commit(Delta.of(data) | Delta.of(inferred, graph=INF) | Delta.of(prov, graph=P), META)
    expected = quads(data) | quads(inferred, INF) | quads(prov, P)
    assert set(neo4j_store.quads()) == expected
    assert neo4j_store.export_view() == expected
    assert labels(neo4j_store, EX.a) == {"Resource", "ops__Service", "ops__DatabaseService"}
    neo4j_store.commit(Delta.of(
        [(EX.a, OPS.tier, Literal(2)), (EX.c, RDF.type, OPS.Service)],
        [(EX.a, OPS.tier, Literal(1)), (EX.a, RDF.type, OPS.DatabaseService), (b1, OPS.dependsOn, b2),
         (EX.a, OPS.name, Literal("alpha", lang="en"))]), META)
    assert neo4j_store.export_view() == set(neo4j_store.quads())
    assert labels(neo4j_store, EX.a) == {"Resource", "ops__Service"}  # still inferred a Service
    assert labels(neo4j_store, EX.c) == {"Resource", "ops__Service"}


def test_view_reads_naturally_in_cypher(neo4j_store: Neo4jStore) -> None:
    neo4j_store.commit(Delta.of([
        (EX.web, RDF.type, OPS.Service), (EX.db, RDF.type, OPS.Service),
        (EX.web, OPS.dependsOn, EX.db), (EX.web, OPS.tier, Literal(1)),
        (EX.web, RDFS.label, Literal("Web", lang="en")), (EX.web, OPS.name, Literal("web")),
    ]), META)
    rows = neo4j_store.run_cypher(
        "MATCH (s:ops__Service)-[r:ops__dependsOn]->(d:ops__Service) "
        "RETURN s.uri AS s, s.ops__tier AS tier, s.ops__name AS name, s.rdfs__label AS label, "
        "coalesce(r.graph, 'asserted') AS g, d.uri AS d", {})
    assert rows == [{"s": str(EX.web), "tier": 1, "name": "web", "label": "Web@en",
                     "g": "asserted", "d": str(EX.db)}]


def utc(value: Any) -> datetime:
    """A datetime the server returned, as a UTC instant (ArcadeDB returns UTC without a zone)."""
    native: datetime = value.to_native()
    return native if native.tzinfo is not None else native.replace(tzinfo=UTC)


def test_datetimes_are_neo4j_datetimes_in_utc(neo4j_store: Neo4jStore) -> None:
    """Auditors compare them with ``datetime()`` in Cypher; the lexical forms come back too."""
    data = [
        (EX.c1, OPS.changedAt, Literal("2026-11-28T09:00:00+02:00", datatype=XSD.dateTime)),
        (EX.c2, OPS.changedAt, Literal("2026-11-28T07:30:00.250000Z", datatype=XSD.dateTime)),
        (EX.c2, OPS.changedAt, Literal("2026-11-29T00:00:00Z", datatype=XSD.dateTime)),
    ]
    neo4j_store.commit(Delta.of(data), META)
    rows = neo4j_store.run_cypher(
        "MATCH (c:Resource) WHERE c.uri IN $us RETURN c.uri AS u, c.ops__changedAt AS t, "
        "c.ops__changedAt > datetime('2026-11-28T06:59:59Z') AS later ORDER BY u",
        {"us": [str(EX.c1), str(EX.c2)]})
    assert utc(rows[0]["t"]) == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert rows[0]["later"] is True
    assert [utc(t) for t in rows[1]["t"]] == [
        datetime(2026, 11, 28, 7, 30, 0, 250000, tzinfo=UTC), datetime(2026, 11, 29, tzinfo=UTC)]
    assert neo4j_store.export_view() == set(neo4j_store.quads()) == quads(data)


def test_removed_resources_leave_no_empty_nodes(neo4j_store: Neo4jStore) -> None:
    data = [(EX.a, OPS.dependsOn, EX.b), (EX.a, OPS.name, Literal("a"))]
    neo4j_store.commit(Delta.of(data), META)
    neo4j_store.commit(Delta.of(removes=data), META)
    assert neo4j_store.run_cypher("MATCH (n:Resource) RETURN count(n) AS n", {}) == [{"n": 0}]
    assert neo4j_store.count() == 0 and neo4j_store.count(at=1) == 2


HOSTILE = ["it's \"q\"", "back`tick`", "} // x", "MATCH (n) DETACH DELETE n", "}) RETURN 1 //",
           "服务 ⚠️ é \U0001F600", "x" * 100_000, "", "a\nb\r\tc\\"]


def test_hostile_iris_and_literals_come_back_unchanged(neo4j_store: Neo4jStore) -> None:
    iris = [URIRef("https://x.org/" + h.replace("x" * 100_000, "y" * 2000)) for h in HOSTILE]
    data: list[Triple] = []
    for k, (iri, text) in enumerate(zip(iris, HOSTILE, strict=True)):
        # ArcadeDB keeps labels and relationship types in one namespace, so the class
        # is a different IRI from the predicate (Neo4j would take the same one).
        data += [(iri, iri, Literal(text)), (iri, RDF.type, URIRef(iri + "/C")), (EX.s, iri, iri),
                 (iri, OPS.name, Literal(text, lang="x-" + str(k)))]
    neo4j_store.commit(Delta.of(data), META)
    assert set(neo4j_store.quads()) == quads(data)
    assert neo4j_store.export_view() == quads(data)
    for iri, text in zip(iris, HOSTILE, strict=True):
        got = {o for _, _, o, _ in neo4j_store.quads((iri, iri, None))}
        assert got == {Literal(text)} and str(next(iter(got))) == text
    assert neo4j_store.run_cypher("MATCH (n) RETURN count(n) AS n", {})[0]["n"] > 0


def test_as_of_reads_and_diffs_equal_sqlite(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    ref = SqliteStore(tmp_path / "ref.db", create=True)
    rng = random.Random(4)
    world = list(generate(600))
    live: list[Triple] = []
    for step in range(8):
        adds = rng.sample(world, 60)
        removes = rng.sample(live, min(len(live), 25))
        delta = Delta.of(set(adds) - set(removes), removes, graph=rng.choice(list(GraphName)))
        for store in (ref, neo4j_store):
            store.commit(delta, CommitMeta(author="bot", message=f"step {step}"))
        live = [(s, p, o) for s, p, o, _ in ref.quads()]
    for seq in range(0, 9):
        assert set(neo4j_store.quads(at=seq)) == set(ref.quads(at=seq))
        assert neo4j_store.count(at=seq) == ref.count(at=seq)
        assert neo4j_store.diff(seq, 8) == ref.diff(seq, 8)
    assert [(c.seq, c.added, c.removed) for c in neo4j_store.log()] == [
        (c.seq, c.added, c.removed) for c in ref.log()]
    assert neo4j_store.export_view() == set(ref.quads())
    chain = neo4j_store.run_cypher(
        "MATCH (c:Commit)-[:PARENT]->(p:Commit) RETURN c.seq AS c, p.seq AS p ORDER BY c", {})
    assert [(r["c"], r["p"]) for r in chain] == [(n, n - 1) for n in range(2, 9)]


def test_unreachable_server_names_the_uri_and_the_fix() -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable, match=uri) as err:
        open_store(uri)
    assert "docker compose" in str(err.value)


def test_bad_credentials_say_which_variables(neo4j_env: BoltServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIER1_NEO4J_PASSWORD", "wrong-" + neo4j_env.password)
    with pytest.raises(StoreUnavailable, match="TIER1_NEO4J_PASSWORD") as err:
        Neo4jStore.connect(neo4j_env.uri)
    assert neo4j_env.uri in str(err.value)


def test_uninitialised_database_says_run_init(neo4j_env: BoltServer) -> None:
    wipe(neo4j_env)
    with pytest.raises(StoreUnavailable, match="init"):
        Neo4jStore.connect(neo4j_env.uri)
    Neo4jStore.connect(neo4j_env.uri, create=True).close()
    Neo4jStore.connect(neo4j_env.uri).close()  # now it exists


def test_bad_terms_are_refused_before_anything_is_written(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(InputError, match="subjects must be IRIs"):
        neo4j_store.commit(Delta.of([(Literal("s"), OPS.name, Literal("x"))]), META)
    assert neo4j_store.head() is None


def test_concurrent_writers_both_land_and_share_nodes(neo4j_env: BoltServer) -> None:
    wipe(neo4j_env)
    stores = [Neo4jStore.connect(neo4j_env.uri, create=True) for _ in range(3)]
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for j in range(4):
                stores[k].commit(Delta.of([(EX.shared, OPS.name, Literal(f"w{k}-{j}")),
                                           (EX[f"n{k}"], OPS.dependsOn, EX.shared)]), META)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [c.seq for c in stores[0].log()] == list(range(12, 0, -1))
    shared = stores[0].run_cypher("MATCH (n:Resource {uri: $u}) RETURN count(n) AS n",
                                  {"u": str(EX.shared)})
    assert shared == [{"n": 1}]
    assert stores[0].export_view() == set(stores[0].quads())
    for s in stores:
        s.close()


def test_a_server_that_never_answers_is_reported_after_the_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A port that accepts connections but never answers the Bolt handshake (a hung server,
    a wrong service): the error comes after TIER1_NEO4J_TIMEOUT, not the driver's 60 s."""
    import socket
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        uri = f"bolt://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("TIER1_NEO4J_TIMEOUT", "1.5")
        t = time.monotonic()
        with pytest.raises(StoreUnavailable, match=uri):
            open_store(uri)
        assert time.monotonic() - t < 10


@pytest.mark.parametrize("raw", ["soon", "0", "-3", "inf", "nan"])
def test_a_bad_timeout_setting_is_named_with_the_fix(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIER1_NEO4J_TIMEOUT", raw)
    with pytest.raises(ConfigError, match=f"TIER1_NEO4J_TIMEOUT='{raw}'.*e.g. 30"):
        open_store(f"bolt://127.0.0.1:{free_port()}")
