"""The executor: scope refusals, idempotency across processes, timeouts, breakers, compensation."""

from __future__ import annotations

import time
from typing import ClassVar

from rdflib import Literal, URIRef

from engine.agents import (
    ActionRequest,
    AgentRegistry,
    AgentScope,
    BreakerConfig,
    DigitalTwin,
    Executor,
    FaultSpec,
    Outcome,
    RestartAgent,
    World,
)
from engine.provenance import verify_chain
from engine.store import CommitMeta, Delta, triples
from engine.vocab import EX, OPS, RUN, GraphName
from engine.vocab import PROV as PROV_NS

PROV = GraphName.PROVENANCE


def _records(store, status: str) -> list[URIRef]:  # type: ignore[no-untyped-def]
    return [s for s, _, _ in triples(store, (None, OPS.status, Literal(status)), graph=PROV)]


def test_success_returns_observed_effects_and_records_provenance(store, twin, clock, make_req):
    ex = Executor(store, twin, clock=clock)
    out = ex.execute(make_req(OPS.ScaleOut, EX.checkout))
    assert out.status == "succeeded" and not out.observed.empty
    assert {q[3] for q in out.observed.adds} == {GraphName.ASSERTED}
    (act,) = _records(store, "succeeded")
    assert (act, OPS.actedOn, EX.checkout) in set(triples(store, graph=PROV))
    assert store.count(graphs=(GraphName.ASSERTED,)) == len(list(triples(store)))  # not committed
    assert verify_chain(store).ok


def test_out_of_scope_is_refused_and_the_refusal_recorded(store, twin, clock, make_req):
    store.commit(Delta.of([(RestartAgent.IRI, OPS.scopeService, EX.payments)]),
                 CommitMeta(author="t", message="scope"))
    ex = Executor(store, twin, clock=clock)
    out = ex.execute(make_req(OPS.Restart, EX["checkout-2"]))
    assert out.status == "refused" and "scope" in out.detail
    assert twin.health(EX["checkout-2"]) == "crashed"  # nothing was done
    (act,) = _records(store, "refused")
    assert (act, OPS.targetService, EX.checkout) in set(triples(store, graph=PROV))
    assert ex.execute(make_req(OPS.Restart, EX["payments-1"], key="k2")).status == "succeeded"


def test_unregistered_action_is_refused(store, twin, clock, make_req):
    ex = Executor(store, twin, clock=clock, registry=AgentRegistry(builtins=False, plugins=False))
    assert ex.execute(make_req()).status == "refused"
    assert _records(store, "refused")


def test_a_replayed_key_never_acts_twice_even_in_a_new_executor(store, clock, make_req):
    twin = DigitalTwin.from_store(store, clock=clock)
    first = Executor(store, twin, clock=clock).execute(make_req(OPS.ScaleOut, EX.checkout))
    assert first.status == "succeeded"
    store.commit(first.observed, CommitMeta(author="loop", message="effects"))
    instances = len(list(triples(store, (None, OPS.instanceOf, EX.checkout))))
    fresh_twin = DigitalTwin.from_store(store, clock=clock)  # as in a new process
    again = Executor(store, fresh_twin, clock=clock).execute(make_req(OPS.ScaleOut, EX.checkout))
    assert again.status == "skipped_duplicate" and again.observed.empty
    assert again.agent == first.agent  # QA5 #6: was run:agent/unassigned
    assert len(list(fresh_twin.graph.subjects(OPS.instanceOf, EX.checkout))) == instances
    assert verify_chain(store).ok


def test_a_failed_key_may_be_retried(store, clock, make_req):
    twin = DigitalTwin.from_store(store, clock=clock, faults=[FaultSpec(kind="fail")])
    ex = Executor(store, twin, clock=clock)
    assert ex.execute(make_req()).status == "failed"
    assert ex.execute(make_req()).status == "succeeded"


def test_simulated_timeout(store, clock, make_req):
    twin = DigitalTwin.from_store(store, clock=clock, faults=[FaultSpec(kind="timeout")])
    out = Executor(store, twin, clock=clock).execute(make_req(timeout_s=5))
    assert out.status == "timed_out" and out.duration_s == 5
    assert _records(store, "timed_out")


class _Hangs:
    IRI = RUN["agent/hangs"]
    ACTIONS: ClassVar[frozenset[URIRef]] = frozenset({OPS.Restart})

    def __init__(self) -> None:
        self.iri = self.IRI
        self.scope = AgentScope(actions=self.ACTIONS)

    def execute(self, req: ActionRequest, world: World) -> Outcome:
        time.sleep(0.5)
        raise AssertionError("should have been abandoned")


class _RealWorld:
    """A world that is not simulated (its actions take real time): the twin, relabelled."""

    simulated = False

    def __init__(self, twin: DigitalTwin) -> None:
        self.now, self.perform, self.services_of = twin.now, twin.perform, twin.services_of


def test_wall_clock_timeout_abandons_a_hanging_agent(store, twin, clock, make_req):
    reg = AgentRegistry(plugins=False)
    reg.register(_Hangs)
    t0 = time.monotonic()
    ex = Executor(store, _RealWorld(twin), clock=clock, registry=reg)  # type: ignore[arg-type]
    out = ex.execute(make_req(timeout_s=0.05))
    assert out.status == "timed_out" and time.monotonic() - t0 < 0.4
    assert "did not return in time" in out.detail


def test_real_worlds_run_agents_under_the_thread_guard(store, twin, clock, make_req):
    out = Executor(store, _RealWorld(twin), clock=clock).execute(make_req(OPS.Page, EX.checkout))
    assert out.status == "succeeded" and not out.observed.empty


def test_breaker_opens_after_n_failures_then_half_opens_after_cooldown(store, clock, make_req):
    twin = DigitalTwin.from_store(store, clock=clock, faults=[FaultSpec(kind="fail", times=3)])
    ex = Executor(store, twin, clock=clock, breaker=BreakerConfig(failures=2, cooldown_s=60))
    agent = RestartAgent.IRI
    assert [ex.execute(make_req(key=f"a{i}")).status for i in range(2)] == ["failed", "failed"]
    assert ex.breaker_state(agent) == "open"
    blocked = ex.execute(make_req(key="a2"))
    assert blocked.status == "refused" and "circuit breaker" in blocked.detail
    clock.advance(60)
    assert ex.breaker_state(agent) == "half_open"
    assert ex.execute(make_req(key="a3")).status == "failed"  # the trial fails: open again
    assert ex.breaker_state(agent) == "open"
    clock.advance(60)
    assert ex.execute(make_req(key="a4")).status == "succeeded"  # the trial works: closed
    assert ex.breaker_state(agent) == "closed"


def test_compensation_runs_in_reverse_order_when_a_later_step_fails(store, clock, make_req):
    twin = DigitalTwin.from_store(
        store, clock=clock, faults=[FaultSpec(kind="fail", action=OPS.Restart)])
    undo1 = make_req(OPS.Page, EX.checkout, key="undo-1")
    undo2 = make_req(OPS.OpenTicket, EX.checkout, key="undo-2")
    steps = [
        make_req(OPS.ClearDisk, EX["host-1"], key="s1", compensation=undo1),
        make_req(OPS.ScaleOut, EX.checkout, key="s2", compensation=undo2),
        make_req(OPS.Restart, EX["checkout-2"], key="s3"),
    ]
    run = Executor(store, twin, clock=clock).run_plan(steps)
    assert not run.ok and run.failed_step == steps[2].step
    assert [o.status for o in run.outcomes] == ["succeeded", "succeeded", "failed"]
    assert [o.agent for o in run.compensations] == [RUN["agent/notify"]] * 2
    channels = [
        next(o for s, p, o, _ in c.observed.adds if p == OPS.channel) for c in run.compensations
    ]
    assert channels == [Literal("ticket"), Literal("page")]  # undo2 first, then undo1
    assert verify_chain(store).ok


def test_a_plan_that_succeeds_compensates_nothing(store, twin, clock, make_req):
    steps = [make_req(OPS.ClearDisk, EX["host-1"], key="s1",
                      compensation=make_req(OPS.Page, EX.checkout, key="u"))]
    run = Executor(store, twin, clock=clock).run_plan(steps)
    assert run.ok and run.compensations == ()


def test_idempotency_survives_reopening_the_embedded_store(tmp_path, clock, make_req):
    from twin_estate import estate  # type: ignore[import-not-found]

    from engine.store import SqliteStore

    path = tmp_path / "world.db"
    first_store = SqliteStore(path, create=True)
    first_store.commit(Delta.of(estate()), CommitMeta(author="t", message="estate"))
    twin = DigitalTwin.from_store(first_store, clock=clock)
    assert Executor(first_store, twin, clock=clock).execute(make_req(OPS.Page, EX.checkout)).ok
    first_store.close()
    reopened = SqliteStore(path)  # as another process would
    twin2 = DigitalTwin.from_store(reopened, clock=clock)
    out = Executor(reopened, twin2, clock=clock).execute(make_req(OPS.Page, EX.checkout))
    assert out.status == "skipped_duplicate"
    assert [str(o) for o in _statuses(reopened)] == ["skipped_duplicate", "succeeded"]
    reopened.close()


def _statuses(store):  # type: ignore[no-untyped-def]
    return sorted(o for _, _, o in triples(store, (None, OPS.status, None), graph=PROV))


def _declare(store, agent, actions, services):  # type: ignore[no-untyped-def]
    from rdflib.namespace import RDF

    adds = [(agent, RDF.type, OPS.SoftwareAgent)]
    adds += [(agent, OPS.canPerform, a) for a in actions]
    adds += [(agent, OPS.scopeService, s) for s in services]
    store.commit(Delta.of(adds), CommitMeta(author="t", message="agents"))


def test_world_agents_act_under_their_declared_identity_and_scope(store, twin, clock, make_req):
    _declare(store, EX.bot, [OPS.Restart, OPS.ClearDisk], [EX.payments])
    ex = Executor(store, twin, clock=clock, world_agents=True)
    refused = ex.execute(make_req(OPS.Restart, EX["checkout-2"], key="a"))
    assert refused.status == "refused" and refused.agent == EX.bot and "ex:payments" in refused.detail
    done = ex.execute(make_req(OPS.Restart, EX["payments-1"], key="b"))
    assert done.status == "succeeded" and done.agent == EX.bot
    host = ex.execute(make_req(OPS.ClearDisk, EX["host-2"], key="c"))  # runs payments-1 too
    assert host.status == "succeeded"
    page = ex.execute(make_req(OPS.Page, EX.checkout, key="d"))  # no world agent pages
    assert page.agent == RUN["agent/notify"] and page.status == "succeeded"
    associated = {o for _, _, o in triples(store, (None, PROV_NS.wasAssociatedWith, None),
                                           graph=PROV)}
    assert {EX.bot, RUN["agent/notify"]} <= associated


def test_world_agent_whose_scope_covers_the_target_is_chosen(store, twin, clock, make_req):
    _declare(store, EX["bot-a"], [OPS.Restart], [EX.checkout])
    _declare(store, EX["bot-b"], [OPS.Restart], [EX.payments])
    ex = Executor(store, twin, clock=clock, world_agents=True)
    assert ex.execute(make_req(OPS.Restart, EX["payments-1"], key="p")).agent == EX["bot-b"]
    assert ex.execute(make_req(OPS.Restart, EX["checkout-2"], key="c")).agent == EX["bot-a"]


def test_world_agents_are_ignored_unless_asked_for(store, twin, clock, make_req):
    _declare(store, EX.bot, [OPS.Restart], [EX.payments])
    out = Executor(store, twin, clock=clock).execute(make_req(OPS.Restart, EX["checkout-2"]))
    assert out.status == "succeeded" and out.agent == RUN["agent/restart"]


def test_records_can_be_left_to_the_caller(store, clock, make_req):
    """With ``commit_records=False`` nothing is committed; the caller takes each record and
    commits it with the action's effects (the closed loop: both land, or neither)."""
    twin = DigitalTwin.from_store(store, clock=clock)
    ex = Executor(store, twin, clock=clock, commit_records=False)
    head = store.head()
    out = ex.execute(make_req(OPS.ScaleOut, EX.checkout))
    assert out.status == "succeeded" and store.head() == head
    [record] = ex.take_records()
    assert ex.take_records() == []
    store.commit(out.observed | record, CommitMeta(author="loop", message="action"))
    assert verify_chain(store).ok
    assert ex.execute(make_req(OPS.ScaleOut, EX.checkout)).status == "skipped_duplicate"
