"""The what-if view remembers small answers to bound patterns, and only those."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import URIRef

from engine.policy import WorldView
from engine.store import Delta
from engine.terms import Quad
from engine.vocab import GraphName

EX = "https://example.org/m/"


def _base(quads: list[Quad], calls: list[Any]) -> Any:
    def read(pattern: Any) -> Iterable[Quad]:
        calls.append(pattern)
        return [q for q in quads if all(t is None or t == q[i] for i, t in enumerate(pattern))]

    return read


def _world(n: int) -> list[Quad]:
    p = URIRef(EX + "p")
    return [(URIRef(EX + "a"), p, URIRef(EX + f"o{i}"), GraphName.ASSERTED)
            for i in range(n)]


def test_memo_answers_like_the_plain_view_and_reads_the_base_once() -> None:
    quads = _world(3)
    removed, added = quads[0], (URIRef(EX + "a"), URIRef(EX + "p"), URIRef(EX + "new"))
    delta = Delta.of(adds=[added], removes=[removed[:3]])
    calls: list[Any] = []
    memo = WorldView(_base(quads, calls), delta, memo=True)
    plain = WorldView(_base(quads, []), delta)
    pattern = (URIRef(EX + "a"), URIRef(EX + "p"), None)
    first, second = list(memo.triples(pattern)), list(memo.triples(pattern))
    assert sorted(first) == sorted(second) == sorted(plain.triples(pattern))
    assert added in first and removed[:3] not in first
    assert calls == [pattern]


def test_memo_skips_big_answers_unfinished_reads_and_full_scans() -> None:
    quads = _world(WorldView.MEMO_TRIPLES + 1)
    calls: list[Any] = []
    view = WorldView(_base(quads, calls), None, memo=True)
    big = (URIRef(EX + "a"), None, None)
    assert len(list(view.triples(big))) == len(list(view.triples(big))) == len(quads)
    small = (None, None, URIRef(EX + "o1"))
    next(iter(view.triples(small)))  # stopped early: not remembered
    assert len(list(view.triples(small))) == 1
    list(view.triples((None, None, None)))
    list(view.triples((None, None, None)))
    assert calls == [big, big, small, small, (None, None, None), (None, None, None)]


def test_union_reads_before_or_after_with_and_without_removes() -> None:
    quads = _world(3)
    a, p = URIRef(EX + "a"), URIRef(EX + "p")
    added = (a, p, URIRef(EX + "new"))
    before = {q[:3] for q in quads}
    for removes in ([], [quads[0][:3]]):
        view = WorldView(_base(quads, []), Delta.of(adds=[added], removes=removes), memo=True)
        after = set(view.triples((a, None, None)))
        assert set(view.union_triples((a, p, None))) == before | after == before | {added}
