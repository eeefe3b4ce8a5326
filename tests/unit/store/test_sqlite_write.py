"""The embedded store's write paths agree: row by row and set at a time (temp table)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef

from engine.store import CommitMeta, Delta, SqliteStore, triples
from engine.store import _sqlite_write as w
from engine.vocab import EX, OPS, GraphName

META = CommitMeta(author="t", message="m")
A, INF = GraphName.ASSERTED, GraphName.INFERRED


@contextmanager
def set_min(n: int) -> Iterator[None]:
    saved, w.SET_MIN = w.SET_MIN, n
    try:
        yield
    finally:
        w.SET_MIN = saved


def facts(tag: str, n: int) -> list[tuple[URIRef, URIRef, Literal]]:
    return [(EX[f"{tag}{i}"], OPS.name, Literal(f"v{i}")) for i in range(n)]


def test_large_delta_with_live_removed_and_new_quads_counts_effective_changes(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "w.db", create=True)
    old = facts("a", 600)
    s.commit(Delta.of(old), META)
    s.commit(Delta.of(removes=old[:300]), META)
    assert s.count() == 300
    # adds: 300 removed earlier (new versions), 100 live (no-ops), 400 new;
    # removes: 200 live, 51 absent
    adds = old[:300] + old[500:] + facts("b", 400)
    removes = old[300:500] + facts("c", 50) + [(EX.x, OPS.name, Literal("v1"))]
    c = s.commit(Delta.of(adds, removes), META)
    assert (c.added, c.removed) == (700, 200)
    assert s.count() == 300 - 200 + 700
    assert set(triples(s)) == set(old[:300] + old[500:] + facts("b", 400))
    assert s.count(at=1) == 600 and s.count(at=2) == 300


def test_set_path_keeps_graphs_apart_and_the_live_state_a_set(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "w.db", create=True)
    data = facts("a", 400)
    c1 = s.commit(Delta.of(data, graph=A) | Delta.of(data, graph=INF), META)
    assert c1.added == 800
    c2 = s.commit(Delta.of(data, graph=INF) | Delta.of(facts("b", 300), graph=A), META)
    assert (c2.added, c2.removed) == (300, 0)
    c3 = s.commit(Delta.of(removes=data, graph=INF), META)
    assert (c3.added, c3.removed) == (0, 400)
    c4 = s.commit(Delta.of(data, graph=INF), META)  # back again: a new version of each row
    assert c4.added == 400
    assert s.count(graphs=(INF,)) == 400 and s.count(graphs=(INF,), at=c3.seq) == 0
    assert s.count(graphs=(A,)) == 700
    assert set(s.diff(c2.seq, c4.seq).added) == set()
    assert len(s.diff(c3.seq, c4.seq).added) == 400


def test_temp_tables_are_empty_after_commit_and_after_a_failed_commit(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "w.db", create=True)
    s.commit(Delta.of(facts("a", 300)), META)
    s.commit(Delta.of(facts("b", 300), facts("a", 300)), META)
    assert s._db.execute("SELECT count(*) FROM temp.inbox").fetchone()[0] == 0
    bad = Delta.model_construct(adds=frozenset({(EX.a, OPS.name, "not a term", A)}), removes=frozenset())
    with pytest.raises(TypeError):
        s.commit(bad | Delta.of(facts("c", 300)), META)
    assert s.head() is not None and s.head().seq == 2  # type: ignore[union-attr]
    assert s.count() == 300
    assert s.commit(Delta.of(facts("c", 300)), META).added == 300  # nothing half-written


def test_set_path_probes_the_spog_index(tmp_path: Path) -> None:
    """A full scan per probe would make every commit O(world)."""
    s = SqliteStore(tmp_path / "w.db", create=True)
    s.commit(Delta.of(facts("a", 300)), META)
    s._db.execute(w.TEMP_DDL)
    plan = str(s._db.execute(f"EXPLAIN QUERY PLAN {w.INSERT_SET}", (1,)).fetchall())
    assert "USING INDEX quads_spog (s=? AND p=? AND o=? AND g=?)" in plan, plan


_TERMS = st.sampled_from([EX.a, EX.b, BNode("n1"), Literal("x"), Literal("x", lang="en"), Literal(1)])
_T = st.tuples(st.sampled_from([EX.a, EX.b, BNode("n1")]), st.sampled_from([OPS.name, OPS.tier]), _TERMS)
_STEP = st.tuples(st.frozensets(_T, max_size=8), st.frozensets(_T, max_size=4), st.sampled_from([A, INF]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, min_size=1, max_size=6))
def test_set_path_and_row_path_agree_on_random_histories(tmp_path_factory: pytest.TempPathFactory,
                                                         steps: list) -> None:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("h")
    rows, sets = SqliteStore(folder / "r.db", create=True), SqliteStore(folder / "s.db", create=True)
    for adds, removes, g in steps:
        d = Delta.of(adds - removes, removes, graph=g)
        c1 = rows.commit(d, META)
        with set_min(1):
            c2 = sets.commit(d, META)
        assert (c1.added, c1.removed) == (c2.added, c2.removed)
    last = rows.head().seq  # type: ignore[union-attr]
    for seq in range(1, last + 1):
        assert set(rows.quads(at=seq)) == set(sets.quads(at=seq))
        assert rows.diff(0, seq) == sets.diff(0, seq)
    assert set(triples(rows)) == set(triples(sets))


_PART = st.tuples(st.frozensets(_T, max_size=6), st.frozensets(_T, max_size=3), st.sampled_from([A, INF]))


def _part(p: tuple[frozenset, frozenset, GraphName]) -> Delta:  # type: ignore[type-arg]
    adds, removes, g = p
    return Delta.of(adds - removes, removes, graph=g)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(_PART, _PART, _PART), min_size=1, max_size=5),
       threaded=st.booleans())
def test_commit_while_equals_commit_of_the_union(tmp_path_factory: pytest.TempPathFactory,
                                                 steps: list, threaded: bool) -> None:  # type: ignore[type-arg]
    """``commit_while(first, work, meta, then)`` makes the commit ``commit(first | work() |
    then)`` makes: same id, counts and rows at every version, whether or not the parts touch
    the same quads (then it commits the union whole) and whatever path the insert takes."""
    from datetime import UTC, datetime

    folder = tmp_path_factory.mktemp("w")
    whole, split = SqliteStore(folder / "a.db", create=True), SqliteStore(folder / "b.db", create=True)
    seed = Delta.of([(EX.z, OPS.name, Literal("seed"))])
    meta = CommitMeta(author="t", message="m", timestamp=datetime(2026, 11, 28, tzinfo=UTC))
    whole.commit(seed, meta)
    split.commit(seed, meta)
    for first, rest, then in steps:
        f, r, t = _part(first), _part(rest), _part(then)
        c1 = whole.commit(f | r | t, meta)
        with set_min(1 if threaded else 10**9):
            c2 = split.commit_while(f, lambda r=r: r, meta, t)  # type: ignore[misc]
        assert c1 == c2
    for seq in range(1, whole.head().seq + 1):  # type: ignore[union-attr]
        assert set(whole.quads(at=seq)) == set(split.quads(at=seq))
    split._db.execute(w.TEMP_DDL)
    assert split._db.execute("SELECT count(*) FROM temp.inbox").fetchone()[0] == 0


@pytest.mark.parametrize("rows", [5, 300])
def test_commit_while_writes_nothing_when_the_work_fails(tmp_path: Path, rows: int) -> None:
    s = SqliteStore(tmp_path / "w.db", create=True)
    s.commit(Delta.of(facts("a", 10)), META)

    def work() -> Delta:
        raise RuntimeError("inference failed")

    with pytest.raises(RuntimeError, match="inference failed"):
        s.commit_while(Delta.of(facts("b", rows), facts("a", 5)), work, META)
    assert s.head().seq == 1  # type: ignore[union-attr]
    assert set(triples(s)) == set(facts("a", 10))
    assert s.commit(Delta.of(facts("b", rows)), META).added == rows  # nothing half-written


def test_commit_while_runs_the_work_during_the_insert(tmp_path: Path) -> None:
    """The work runs on another thread while this one inserts the staged rows."""
    import threading

    s = SqliteStore(tmp_path / "w.db", create=True)
    s.commit(Delta.of(facts("a", 10)), META)
    seen: list[threading.Thread] = []

    def work() -> Delta:
        seen.append(threading.current_thread())
        return Delta.of(facts("c", 40), graph=INF)

    c = s.commit_while(Delta.of(facts("b", 300)), work, META)
    assert seen and seen[0] is not threading.main_thread()
    assert c.added == 340 and s.count() == 350
