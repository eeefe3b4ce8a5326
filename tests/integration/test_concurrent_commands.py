"""Regression (QA4 #1): two tier1 commands deciding on one store at once.

Two people approved the same parked plan at the same moment: both approvals were recorded,
the failover ran twice, and the two processes' provenance records merged into one node, so
``audit verify`` said BROKEN. Each command's recorder now reads the chain once, before the
plans are loaded, and every record claims its number (``CommitMeta.expect_absent``): the
command that decided on a stale view gets a ConflictError with nothing written.

The race is replayed deterministically: both loops load the store before either approves.
"""

from __future__ import annotations

import pytest
from rdflib import Literal

from engine.cli.loop import _setup, make_loop
from engine.errors import ConflictError
from engine.planning import PlanState, approve, load_plans
from engine.planning._runner import run_scenario
from engine.planning._scenario import load_scenario
from engine.planning._wiring import real_ports
from engine.provenance import verify_chain
from engine.store import GraphStore, triples
from engine.vocab import EX, OPS, GraphName
from tests.conftest import REPO


def _park(store: GraphStore) -> None:
    sc = load_scenario(REPO / "scenarios" / "primary-db-down.toml")
    setup = _setup()
    run_scenario(store, sc.model_copy(update={"answers": ()}),
                 lambda st, s: real_ports(st, s, setup, s.start), config=setup.config)


def _failovers(store: GraphStore) -> int:
    done = triples(store, (None, OPS.status, Literal("succeeded")), graph=GraphName.PROVENANCE)
    return sum(1 for r, _, _ in done
               if (r, OPS.executedAction, OPS.Failover) in set(
                   triples(store, (r, OPS.executedAction, None), graph=GraphName.PROVENANCE)))


def test_a_second_approval_on_a_stale_view_is_refused_whole(any_store: GraphStore) -> None:
    _park(any_store)
    [plan] = [p for p in load_plans(any_store) if p.state is PlanState.AWAITING_APPROVAL]
    first, second = make_loop(any_store, "alice"), make_loop(any_store, "bob")  # both read the store
    assert approve(first, plan.iri, EX.chen).state is PlanState.COMPLETED
    before = (any_store.head(), set(any_store.quads()))
    with pytest.raises(ConflictError, match="another writer committed"):
        approve(second, plan.iri, EX.chen)
    assert (any_store.head(), set(any_store.quads())) == before
    assert _failovers(any_store) == 1
    assert verify_chain(any_store).ok
    again = make_loop(any_store, "bob")  # the re-run reads the store afresh and is told why
    with pytest.raises(Exception, match="not awaiting_approval"):
        approve(again, plan.iri, EX.chen)
