"""DRed's running record of presence changes: grouped by predicate, always as if regrouped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.inference._delta import group
from engine.inference._dred import _Changes

facts = st.one_of(
    st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 4)),  # triples
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 4), st.just(())),  # proposals
)


@given(st.sets(facts), st.sets(facts), st.lists(st.tuples(facts, st.booleans())))
def test_grouped_changes_follow_every_move(plus: set[tuple[object, ...]],
                                           minus: set[tuple[object, ...]],
                                           moves: list[tuple[tuple[object, ...], bool]]) -> None:
    minus -= plus
    ch = _Changes(set(plus), set(minus))
    for f, to_minus in moves:
        expect_plus, expect_minus = set(ch.plus), set(ch.minus)
        cancel, record = (expect_plus, expect_minus) if to_minus else (expect_minus, expect_plus)
        if f in cancel:
            cancel.discard(f)
        else:
            record.add(f)
        ch.move(f, to_minus)
        assert (ch.plus, ch.minus) == (expect_plus, expect_minus)
        assert ch.dp == group(ch.plus)
        assert ch.dm == group(ch.minus)
