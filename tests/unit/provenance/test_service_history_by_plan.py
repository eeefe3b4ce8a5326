"""A page (its target is a person) shows in the history of the service its plan is about."""

from __future__ import annotations

from provlog import Log, add_ruleless_steps  # type: ignore[import-not-found]

from engine.provenance import run_audit
from engine.store import CommitMeta, Delta, GraphStore
from engine.vocab import EX, OPS, RUN


def plan_on_orders(store: GraphStore) -> None:
    """plan/r (the runbook failover and the page) has a step on an instance of ex:orders."""
    store.commit(Delta.of([(RUN["plan/r"], OPS.hasStep, RUN["step/runbook"]),
                           (RUN["step/runbook"], OPS.target, EX["orders-1"]),
                           (EX["orders-1"], OPS.instanceOf, EX.orders)]),
                 CommitMeta(author="t", message="plan"))


def _activities(log: Log, service: str, **more: str) -> list[str]:
    return [r["activity"] for r in run_audit(log.store, "service-history",
                                             {"service": service, **more}).rows]


def test_page_of_a_plan_on_the_service_is_in_its_history(log):
    add_ruleless_steps(log)
    page = str(log.records[-1].iri)
    assert page not in _activities(log, "ex:orders")
    plan_on_orders(log.store)
    assert _activities(log, "ex:orders") == [page]
    assert _activities(log, "ex:orders", to="2026-11-28T10:00:00Z") == []  # the window applies
    assert page not in _activities(log, "ex:checkout")  # other services are unaffected
