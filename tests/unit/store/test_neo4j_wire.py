"""What goes on the wire: the same bytes the driver would send, for less client CPU."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from neo4j._codec.hydration.bolt.v2 import HydrationHandler
from neo4j._codec.packstream import v1
from rdflib import Literal, Namespace

from engine.store import CommitMeta, Delta
from engine.store._neo4j_mapping import Namespaces
from engine.store._neo4j_rows import chunks
from engine.store._neo4j_temporal import datetime_encoder, unchanged
from engine.store._neo4j_write import apply_commit
from engine.terms import Triple

BOLT5 = datetime_encoder((5, 4))
HOOKS = HydrationHandler().new_hydration_scope().dehydration_hooks


def packed(value: object) -> bytes:
    buf = v1.PackableBuffer()
    v1.Packer(buf).pack(value, dehydration_hooks=HOOKS)
    return bytes(buf.data)


utc_datetimes = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC),
)


@given(utc_datetimes)
def test_a_utc_datetime_packs_to_the_drivers_own_bytes(d: datetime) -> None:
    assert packed(BOLT5(d)) == packed(d)


@given(st.datetimes(timezones=st.just(timezone(timedelta(0)))))
def test_any_zero_offset_zone_is_utc(d: datetime) -> None:
    assert packed(BOLT5(d)) == packed(d)


def test_other_datetimes_are_left_to_the_driver() -> None:
    plus2 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2026, 11, 28, 9, 0)
    assert BOLT5(plus2) is plus2
    assert BOLT5(naive) is naive


def test_older_or_unknown_bolt_versions_keep_the_drivers_conversion() -> None:
    assert BOLT5 is not unchanged
    assert datetime_encoder((4, 4)) is unchanged
    assert datetime_encoder(None) is unchanged
    assert datetime_encoder((5, 0)) is BOLT5


def test_batches_pack_as_lists_and_log_as_their_length() -> None:
    rows = [[f"k{i}", "asserted", f"https://x.org/{i}", "it's `q`"] for i in range(12_000)]
    batches = list(chunks(rows))
    assert [len(b) for b in batches] == [5000, 5000, 2000]
    assert [r for b in batches for r in b] == rows
    assert packed({"rows": batches[0]}) == packed({"rows": rows[:5000]})
    assert repr(batches[2]) == "<2000 rows>"


class _PackingTx:
    """Packs every query's parameters with the driver's packer and answers nothing: a first
    commit reads nothing back."""

    def __init__(self) -> None:
        self.runs = 0

    def run(self, query: str, params: dict[str, object] | None = None, **kw: object) -> _PackingTx:
        packed({**(params or {}), **kw})
        self.runs += 1
        return self

    def consume(self) -> None:
        return None


def test_statement_rows_reach_the_packer_as_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """The packer hands every tuple (not a list) to a Python dehydration hook: one call per
    statement row, 5-7% of a load's client CPU. Rows go out as lists."""
    seen: list[type] = []
    real = type(HOOKS).get_transformer

    def spy(self: object, item: object) -> object:
        seen.append(type(item))
        return real(self, item)  # type: ignore[arg-type]

    monkeypatch.setattr(type(HOOKS), "get_transformer", spy)
    ex = Namespace("https://x.org/")
    triples: list[Triple] = [(ex[f"s{i}"], ex.p, Literal(i)) for i in range(300)]
    triples += [(ex[f"s{i}"], ex.q, ex[f"s{i + 1}"]) for i in range(300)]
    tx = _PackingTx()
    apply_commit(tx, Delta.of(triples), CommitMeta(author="t", message="m"),  # type: ignore[arg-type]
                 Namespaces(), None)
    assert tx.runs > 0
    assert tuple not in seen
