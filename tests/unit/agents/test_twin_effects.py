"""The digital twin: each action's effect, simulated time, and each kind of injected fault."""

from __future__ import annotations

from datetime import timedelta

from rdflib import Literal
from rdflib.namespace import RDF

from engine.agents import DigitalTwin, FaultSpec, SimClock, TwinConfig
from engine.store import GraphStore
from engine.vocab import EX, OPS, GraphName


def _added(delta, s, p):  # type: ignore[no-untyped-def]
    return {o for (ds, dp, o, g) in delta.adds if ds == s and dp == p and g == GraphName.ASSERTED}


def test_restart_heals_a_crashed_instance_only_after_the_delay(twin, clock, make_req):
    eff = twin.perform(make_req(OPS.Restart, EX["checkout-2"]), clock.now())
    assert eff.ok
    assert _added(eff.delta, EX["checkout-2"], OPS.restartCount) == {Literal(1)}
    assert twin.health(EX["checkout-2"]) == "unknown"
    early = twin.advance(clock.advance(twin.config.restart_delay_s - 1))
    assert early.empty and twin.health(EX["checkout-2"]) == "unknown"
    late = twin.advance(clock.advance(1))
    assert _added(late, EX["checkout-2"], OPS.health) == {Literal("healthy")}
    assert twin.pending() == ()


def test_restart_of_a_service_restarts_only_its_unhealthy_instances(twin, clock, make_req):
    eff = twin.perform(make_req(OPS.Restart, EX.checkout), clock.now())
    restarted = {s for s, p, _, _ in eff.delta.adds if p == OPS.restartCount}
    assert restarted == {EX["checkout-2"]}


def test_rollback_restores_version_marks_change_and_heals(twin, clock, make_req):
    eff = twin.perform(make_req(OPS.Rollback, EX.checkout), clock.now())
    assert eff.ok, eff.detail
    assert _added(eff.delta, EX.deploy, OPS.status) == {Literal("rolled_back")}
    assert _added(eff.delta, EX.checkout, OPS.version) == {Literal("4.11.3")}
    assert (EX.checkout, OPS.version, Literal("4.12.0"), GraphName.ASSERTED) in eff.delta.removes
    assert twin.health(EX["checkout-2"]) == "healthy"
    again = twin.perform(make_req(OPS.Rollback, EX.deploy, key="k2"), clock.now())
    assert not again.ok and "already rolled back" in again.detail


def test_scale_out_adds_a_healthy_instance_on_the_least_loaded_host(twin, clock, make_req):
    eff = twin.perform(make_req(OPS.ScaleOut, EX.checkout), clock.now())
    assert eff.ok, eff.detail
    new = {s for s, p, o, _ in eff.delta.adds if p == RDF.type and o == OPS.Instance}
    assert len(new) == 1
    inst = new.pop()
    assert _added(eff.delta, inst, OPS.instanceOf) == {EX.checkout}
    assert _added(eff.delta, inst, OPS.health) == {Literal("healthy")}
    assert _added(eff.delta, inst, OPS.runsOn) == {EX["host-1"]}  # host-2 has two instances


def test_scale_out_stops_at_max_instances(twin, clock, make_req):
    assert twin.perform(make_req(OPS.ScaleOut, EX.checkout, key="a"), clock.now()).ok
    eff = twin.perform(make_req(OPS.ScaleOut, EX.checkout, key="b"), clock.now())
    assert not eff.ok and "maxInstances" in eff.detail


def test_clear_disk_lowers_disk_usage(twin, clock, make_req):
    eff = twin.perform(make_req(OPS.ClearDisk, EX["host-1"]), clock.now())
    (value,) = _added(eff.delta, EX["host-1"], OPS.diskUsedPercent)
    assert float(value) == twin.config.clear_disk_to < 93.5


def test_page_and_ticket_record_notifications(twin, clock, make_req):
    for action, channel in [(OPS.Page, "page"), (OPS.OpenTicket, "ticket")]:
        eff = twin.perform(make_req(action, EX.checkout, key=channel), clock.now())
        (note,) = {s for s, p, o, _ in eff.delta.adds if o == OPS.Notification}
        assert _added(eff.delta, note, OPS.channel) == {Literal(channel)}
        assert _added(eff.delta, note, OPS.notifies) == {EX.checkout}


def test_fault_fail_has_no_effect_and_is_used_up(store: GraphStore, clock, make_req):
    twin = DigitalTwin.from_store(store, clock=clock, faults=[FaultSpec(kind="fail", times=1)])
    first = twin.perform(make_req(OPS.ClearDisk, EX["host-1"]), clock.now())
    assert not first.ok and first.delta.empty and "injected failure" in first.detail
    assert twin.perform(make_req(OPS.ClearDisk, EX["host-1"], key="k2"), clock.now()).ok


def test_fault_timeout_takes_longer_than_the_step_allows(store, clock, make_req):
    twin = DigitalTwin.from_store(store, clock=clock, faults=[FaultSpec(kind="timeout")])
    eff = twin.perform(make_req(OPS.Restart, timeout_s=10), clock.now())
    assert not eff.ok and eff.duration_s > 10 and eff.delta.empty


def test_fault_partial_heals_only_partly(store, clock, make_req):
    faults = [FaultSpec(kind="partial", action=OPS.Restart, times=None),
              FaultSpec(kind="partial", action=OPS.ClearDisk)]
    twin = DigitalTwin.from_store(store, clock=clock, faults=faults)
    twin.perform(make_req(OPS.Restart), clock.now())
    twin.advance(clock.now() + timedelta(hours=1))
    assert twin.health(EX["checkout-2"]) == "degraded"
    eff = twin.perform(make_req(OPS.ClearDisk, EX["host-1"], key="d"), clock.now())
    (value,) = _added(eff.delta, EX["host-1"], OPS.diskUsedPercent)
    assert twin.config.clear_disk_to < float(value) < 93.5


def test_fault_matching_is_by_action_and_target(store, clock, make_req):
    twin = DigitalTwin.from_store(
        store, clock=clock, faults=[FaultSpec(kind="fail", action=OPS.Restart, target=EX.nope)])
    assert twin.perform(make_req(OPS.Restart), clock.now()).ok


def test_same_seed_same_run(store, make_req):
    def run(seed: int) -> list[bool]:
        clock = SimClock()
        twin = DigitalTwin.from_store(store, clock=clock, config=TwinConfig(seed=seed),
                                      faults=[FaultSpec(kind="fail", times=None, probability=0.5)])
        return [twin.perform(make_req(OPS.Page, EX.checkout, key=str(i)), clock.now()).ok
                for i in range(20)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 0 < sum(run(7)) < 20


def test_twin_never_writes_the_store(store, twin, clock, make_req):
    before = store.head()
    twin.perform(make_req(OPS.ScaleOut, EX.checkout), clock.now())
    assert store.head() == before


def test_writes_to_one_property_twice_give_the_net_change(twin, clock):
    from engine.agents._effects import Writes

    i = EX["checkout-2"]
    w = Writes(sets=[(i, OPS.health, Literal("unknown")), (i, OPS.health, Literal("crashed"))])
    assert twin._apply(w).empty  # back where it started: nothing to commit
    w = Writes(sets=[(i, OPS.health, Literal("unknown")), (i, OPS.health, Literal("healthy"))])
    d = twin._apply(w)
    assert _added(d, i, OPS.health) == {Literal("healthy")}
    assert {q[:3] for q in d.removes} == {(i, OPS.health, Literal("crashed"))}
