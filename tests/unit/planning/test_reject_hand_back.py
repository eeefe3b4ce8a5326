"""A rejected plan hands its goal to the person who said no, like a page does (QA pass 11
#1): the goal is theirs while its problem is seen, and handed back once it is gone, so a
later outage is planned for again. Before, the rejected plan stayed the goal's answer for
good: the next crash of the database got no plan and nobody was told."""

from __future__ import annotations

from engine.planning import PlanState, load_goals, load_plans, reject
from engine.store import GraphStore
from engine.vocab import EX
from tests.unit.planning.conftest import MakeLoop, estate
from tests.unit.planning.test_flap import DB_ALERT, DB_ROOM, _feed, _health

RESOLVED = {"about": "ex:db-down", "observe": {"ops:status": "resolved"}}


def test_a_rejected_failover_leaves_the_goal_with_the_person_then_hands_it_back(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store, DB_ROOM)
    loop = make_loop(store)
    _feed(loop, DB_ALERT, _health("ex:orders-db-1", "crashed"))
    (parked,) = load_plans(store)
    reject(loop, parked.iri, EX.chen, "I will fail it over by hand")
    assert [g.status for g in load_goals(store)] == ["failed"]
    loop.advance(60)
    _feed(loop, _health("ex:orders-db-2", "crashed"))  # still theirs: no plan behind their back
    assert len(load_plans(store)) == 1
    loop.advance(60)
    _feed(loop, _health("ex:orders-db-1", "healthy"), _health("ex:orders-db-2", "healthy"),
          RESOLVED)  # they fixed it and resolved the alert: handed back
    assert [g.status for g in load_goals(store)] == ["met"]
    assert any("the person who rejected its plan dealt with it" in e.text for e in loop.events)
    loop.advance(3600)
    _feed(loop, DB_ALERT, _health("ex:orders-db-1", "crashed"))  # a later outage
    plans = sorted(load_plans(store), key=lambda p: p.attempt)
    assert [p.state for p in plans] == [PlanState.REJECTED, PlanState.AWAITING_APPROVAL]
    assert [g.status for g in load_goals(store)] == ["open"]


def test_a_rejection_by_someone_else_pages_the_on_call_owner(
        store: GraphStore, make_loop: MakeLoop) -> None:
    """Anyone may stop automation, but the owners must know it stopped: a rejection by someone
    other than the on-call owner pages them; one by the on-call owner pages nobody."""
    estate(store, DB_ROOM)
    loop = make_loop(store)
    _feed(loop, DB_ALERT, _health("ex:orders-db-1", "crashed"))
    (parked,) = load_plans(store)
    reject(loop, parked.iri, EX.maria, "not during the sale")
    pages = [e for e in loop.events if e.kind == "escalate"]
    assert len(pages) == 1 and str(EX.chen) in pages[0].text  # data team's on-call
    assert "rejected by" in pages[0].text and "has the problem now" in pages[0].text


def test_a_rejection_by_the_on_call_owner_pages_nobody(
        store: GraphStore, make_loop: MakeLoop) -> None:
    estate(store, DB_ROOM)
    loop = make_loop(store)
    _feed(loop, DB_ALERT, _health("ex:orders-db-1", "crashed"))
    (parked,) = load_plans(store)
    reject(loop, parked.iri, EX.chen)
    assert not [e for e in loop.events if e.kind == "escalate"]
