"""The store contract: every backend must pass exactly these tests.

The embedded SQLite store is the reference; the memory twin and Neo4j must agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, XSD, BNode, Literal, URIRef

from engine.errors import CommitNotFound, ConfigError
from engine.store import CommitMeta, CommitRef, Delta, GraphStore, resolve_ref, triples
from engine.vocab import EX, OPS, GraphName

A, INF, P = GraphName.ASSERTED, GraphName.INFERRED, GraphName.PROVENANCE


def meta(msg: str = "m", author: str = "alice", ts: datetime | None = None) -> CommitMeta:
    return CommitMeta(author=author, message=msg, timestamp=ts)


def test_empty_store_has_no_history(any_store: GraphStore) -> None:
    assert any_store.head() is None
    assert any_store.log() == []
    assert any_store.count() == 0
    assert list(any_store.quads()) == []


def test_commit_records_who_why_and_effective_counts(any_store: GraphStore) -> None:
    c1 = any_store.commit(Delta.of([(EX.a, RDF.type, OPS.Service), (EX.a, OPS.tier, Literal(1))]),
                          meta("first", "alice"))
    assert (c1.seq, c1.author, c1.message, c1.added, c1.removed, c1.parent) == (
        1, "alice", "first", 2, 0, None)
    c2 = any_store.commit(Delta.of([(EX.a, OPS.tier, Literal(1))], [(EX.zz, OPS.tier, Literal(9))]),
                          meta("again"))
    assert (c2.seq, c2.added, c2.removed, c2.parent) == (2, 0, 0, c1.id)
    assert any_store.head() == c2
    assert [c.seq for c in any_store.log()] == [2, 1]
    assert [c.seq for c in any_store.log(limit=1)] == [2]
    assert c2.timestamp >= c1.timestamp


def test_pattern_reads_in_every_position(any_store: GraphStore) -> None:
    data = [(EX.a, OPS.dependsOn, EX.b), (EX.a, OPS.dependsOn, EX.c), (EX.b, OPS.dependsOn, EX.c),
            (EX.a, OPS.tier, Literal(1))]
    any_store.commit(Delta.of(data), meta())
    def got(pattern: tuple) -> set:  # type: ignore[type-arg]
        return set(triples(any_store, pattern))
    assert got((EX.a, None, None)) == set(data) - {(EX.b, OPS.dependsOn, EX.c)}
    assert got((None, OPS.dependsOn, None)) == set(data[:3])
    assert got((None, None, EX.c)) == {data[1], data[2]}
    assert got((EX.a, OPS.dependsOn, None)) == {data[0], data[1]}
    assert got((None, OPS.dependsOn, EX.c)) == {data[1], data[2]}
    assert got((EX.a, None, EX.b)) == {data[0]}
    assert got((EX.a, OPS.tier, Literal(1))) == {data[3]}
    assert got((EX.a, OPS.tier, Literal(2))) == set()


def test_graphs_are_kept_apart(any_store: GraphStore) -> None:
    t = (EX.a, OPS.health, Literal("healthy"))
    any_store.commit(Delta.of([t], graph=A) | Delta.of([t], graph=INF), meta())
    any_store.commit(Delta.of([(EX.rec, RDF.type, OPS.StepExecution)], graph=P), meta())
    assert set(any_store.quads(graphs=(A,))) == {(*t, A)}
    assert set(any_store.quads(graphs=(INF,))) == {(*t, INF)}
    assert any_store.count(graphs=(P,)) == 1
    assert any_store.count() == 3
    any_store.commit(Delta.of(removes=[t], graph=INF), meta())
    assert set(any_store.quads(graphs=(A, INF))) == {(*t, A)}


def test_time_travel_by_seq_id_and_time(any_store: GraphStore) -> None:
    t0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    x, y = (EX.a, OPS.health, Literal("healthy")), (EX.a, OPS.health, Literal("crashed"))
    c1 = any_store.commit(Delta.of([x]), meta("up", ts=t0))
    c2 = any_store.commit(Delta.of([y], [x]), meta("down", ts=t0 + timedelta(hours=1)))
    c3 = any_store.commit(Delta.of([x], [y]), meta("healed", ts=t0 + timedelta(hours=2)))
    assert set(triples(any_store, at=c1.seq)) == {x}
    assert set(triples(any_store, at=c2.seq)) == {y}
    assert set(triples(any_store, at=c3.seq)) == {x}
    assert set(triples(any_store)) == {x}
    assert any_store.count(at=c2.seq) == 1
    assert resolve_ref(any_store, "HEAD") == c3
    assert resolve_ref(any_store, "HEAD~2") == c1
    assert resolve_ref(any_store, str(c2.seq)) == c2
    assert resolve_ref(any_store, c2.id[:8]) == c2
    assert resolve_ref(any_store, (t0 + timedelta(minutes=90)).isoformat()) == c2
    assert resolve_ref(any_store, "2026-11-01T10:00:00Z") == c2


def test_unknown_commits_say_how_to_find_one(any_store: GraphStore) -> None:
    with pytest.raises(CommitNotFound, match=r"tier1 init|load something"):
        resolve_ref(any_store, "HEAD")
    any_store.commit(Delta.of([(EX.a, OPS.tier, Literal(1))]), meta())
    with pytest.raises(CommitNotFound, match="tier1 log"):
        resolve_ref(any_store, "99")
    with pytest.raises(CommitNotFound, match="before the first commit"):
        resolve_ref(any_store, "HEAD~5")
    with pytest.raises(CommitNotFound):
        resolve_ref(any_store, "2000-01-01T00:00:00Z")
    with pytest.raises(ConfigError, match="ISO time"):
        CommitRef.parse("yesterday-ish")


def test_diff_is_net_change_both_ways(any_store: GraphStore) -> None:
    x, y, z = ((EX.a, OPS.tier, Literal(n)) for n in (1, 2, 3))
    c1 = any_store.commit(Delta.of([x, y]), meta())
    any_store.commit(Delta.of([z], [y]), meta())
    c3 = any_store.commit(Delta.of([y], [x]), meta())  # y re-added: no net change for y
    d = any_store.diff(c1.seq, c3.seq)
    assert set(d.added) == {(*z, A)}
    assert set(d.removed) == {(*x, A)}
    back = any_store.diff(c3.seq, c1.seq)
    assert set(back.added) == {(*x, A)} and set(back.removed) == {(*z, A)}
    assert set(any_store.diff(0, c1.seq).added) == {(*x, A), (*y, A)}


HOSTILE = [
    "it's \"quoted\"", "back`tick`", "} // not a comment", "MATCH (n) DETACH DELETE n",
    "line\nbreak\r\ttab", "unicode: 服务 ⚠️ é", "x" * 100_000, "", "\\backslash\\",
]


def test_terms_round_trip_exactly(any_store: GraphStore) -> None:
    b = BNode("b1")
    objs = [Literal(s) for s in HOSTILE] + [
        Literal("hello", lang="en-GB"), Literal("hi", datatype=XSD.string), Literal(42),
        Literal("3.50", datatype=XSD.decimal), Literal(2.5), Literal(True),
        Literal("2026-11-28T09:00:00Z", datatype=XSD.dateTime),
        Literal("x", datatype=URIRef("https://example.org/dt#custom")), b, EX["odd'iri(x)//y;z=%7D"],
    ]
    data = [(EX.s, EX[f"p{i}"], o) for i, o in enumerate(objs)] + [(b, OPS.name, Literal("blank"))]
    any_store.commit(Delta.of(data), meta())
    got = set(triples(any_store))
    assert got == set(data)
    lits = {o for _, _, o in got if isinstance(o, Literal)}
    assert {(str(o), o.language, o.datatype) for o in lits} == {
        (str(o), o.language, o.datatype) for o in [*objs, Literal("blank")] if isinstance(o, Literal)}


def test_failed_commit_changes_nothing(any_store: GraphStore) -> None:
    good = (EX.a, OPS.tier, Literal(1))
    any_store.commit(Delta.of([good]), meta())
    bad = Delta.model_construct(
        adds=frozenset({(EX.b, OPS.tier, Literal(2), A), (EX.c, OPS.tier, object(), A)}),  # type: ignore[arg-type]
        removes=frozenset({(*good, A)}),
    )
    with pytest.raises((TypeError, ValueError)):
        any_store.commit(bad, meta())
    assert set(triples(any_store)) == {good}
    assert any_store.head() is not None and any_store.head().seq == 1  # type: ignore[union-attr]


def test_delta_refuses_contradictions() -> None:
    t = (EX.a, OPS.tier, Literal(1))
    with pytest.raises(ConfigError, match="both adds and removes"):
        Delta.of([t], [t])


# -- model-based: random histories read back identically at every commit ---------------------
_S = [EX[f"s{i}"] for i in range(3)]
_O = [EX.o1, Literal(1), Literal("x", lang="en"), Literal("x")]
_TRIPLE = st.tuples(st.sampled_from(_S), st.sampled_from([OPS.dependsOn, OPS.tier]), st.sampled_from(_O))
_STEP = st.tuples(st.frozensets(_TRIPLE, max_size=4), st.frozensets(_TRIPLE, max_size=4),
                  st.sampled_from(list(GraphName)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, min_size=1, max_size=6))
def test_random_histories_match_a_model(any_store: GraphStore, steps: list) -> None:  # type: ignore[type-arg]
    base = any_store.head().seq if any_store.head() else 0  # type: ignore[union-attr]
    model: set = set(any_store.quads())  # type: ignore[type-arg]
    states = {base: set(model)}
    for adds, removes, g in steps:
        adds = adds - removes
        c = any_store.commit(Delta.of(adds, removes, graph=g), meta())
        before = set(model)
        model -= {(*t, g) for t in removes}
        model |= {(*t, g) for t in adds}
        assert (c.added, c.removed) == (len(model - before), len(before - model))
        states[c.seq] = set(model)
    for seq, expected in states.items():
        if seq:
            assert set(any_store.quads(at=seq)) == expected
    first, last = min(states), max(states)
    d = any_store.diff(first, last)
    assert set(d.added) == states[last] - states[first]
    assert set(d.removed) == states[first] - states[last]


def test_expect_absent_is_a_compare_and_set(any_store: GraphStore) -> None:
    """A commit that expects a quad to be absent commits only while it is; a lost race is a
    ConflictError with nothing written (the provenance chain claims its record numbers so)."""
    from engine.errors import ConflictError

    claim = (EX["rec-1"], OPS.recordSeq, Literal(1), P)
    guarded = CommitMeta(author="a", message="claim", expect_absent=frozenset({claim}))
    first = any_store.commit(Delta(adds=frozenset({claim})), guarded)
    assert first.added == 1
    before = (any_store.head(), set(any_store.quads()))
    late = Delta(adds=frozenset({claim, (EX.other, OPS.tier, Literal(2), A)}))
    with pytest.raises(ConflictError, match="another writer committed"):
        any_store.commit(late, guarded)
    assert (any_store.head(), set(any_store.quads())) == before
    any_store.commit(Delta(removes=frozenset({claim})), meta("retract"))  # absent again: passes
    assert any_store.commit(late, guarded).added == 2
