"""A step whose runbook declares a compensation is undone when a later step of its plan fails.

The sample estate's scale-out runbook is compensated by a scale-in (``ops:compensatedBy``): a
plan that scaled a service out and then could not restart the crashed instance stops the
instance it started, before it is re-planned. The scale-in is an agent action like any step:
in scope, recorded, and pointing at the execution it undoes.
"""

from __future__ import annotations

from typing import Any

from rdflib import RDF, Literal, URIRef

from engine.agents import FaultSpec
from engine.planning import Loop, LoopConfig, PlanState, load_plans, settle
from engine.store import GraphStore, triples
from engine.vocab import EX, OPS, PROV, GraphName
from tests.unit.planning.conftest import MakeLoop, Prop, alert, estate

CRASH_SEARCH = 'DELETE { ex:search-2 ops:health ?h } INSERT { ex:search-2 ops:health "crashed" } ' \
    "WHERE { ex:search-2 ops:health ?h }"


def _also_scale_out(loop: Loop, *, stubborn: bool = False) -> None:
    """Inference also proposes scaling ex:search out, ahead of the restart (higher salience),
    while search-2 is crashed and (unless ``stubborn``) tier1 has not started an instance yet."""
    inference: Any = loop.ports.inference
    derive = inference._derive

    def more() -> Any:
        facts, props = derive()
        started = any(str(i).startswith("urn:tier1:run:instance/")
                      for i in inference.g.subjects(OPS.instanceOf, EX.search))
        if (stubborn or not started) and any(p.target == EX["search-2"] for p in props):
            props = [Prop("scale-out", OPS.ScaleOut, EX.search, 80), *props]
        return facts, props

    inference._derive = more


def _run(store: GraphStore, make_loop: MakeLoop, faults: list[FaultSpec],
         stubborn: bool = False) -> Loop:
    estate(store, CRASH_SEARCH)
    loop = make_loop(store, faults=faults, config=LoopConfig(max_retries=0, max_replans=0))
    _also_scale_out(loop, stubborn=stubborn)
    loop.ingest(alert(EX["search-2"]), [], "alert")
    settle(loop)
    return loop


def _instances(store: GraphStore) -> set[URIRef]:
    return {URIRef(i) for i, _, _ in triples(store, (None, OPS.instanceOf, EX.search))}


def _records(store: GraphStore, action: URIRef) -> list[URIRef]:
    prov = GraphName.PROVENANCE
    return sorted(URIRef(r) for r, _, _ in triples(store, (None, OPS.executedAction, action),
                                                   graph=prov))


def test_a_failed_restart_undoes_the_scale_out_before_it(store: GraphStore,
                                                         make_loop: MakeLoop) -> None:
    loop = _run(store, make_loop, [FaultSpec(kind="fail", action=OPS.Restart, times=None)])
    plan = next(p for p in load_plans(store) if p.attempt == 0)
    assert [(s.action, s.compensation) for s in plan.steps] == [
        (OPS.ScaleOut, OPS.ScaleIn), (OPS.Restart, None)]
    kinds = [e.kind for e in loop.events]
    assert kinds.index("compensate") > kinds.index("action")
    assert "escalate" in kinds
    [scaled] = _records(store, OPS.ScaleOut)
    [undone] = _records(store, OPS.ScaleIn)
    prov = GraphName.PROVENANCE
    started = {URIRef(e) for _, _, e in triples(store, (scaled, PROV.generated, None), graph=prov)}
    assert started and not started & _instances(store)  # the instance it started is gone
    assert (undone, PROV.wasInformedBy, scaled) in set(triples(store, graph=prov))
    assert (undone, OPS.status, Literal("succeeded")) in set(triples(store, graph=prov))


def test_the_failing_step_itself_is_not_undone(store: GraphStore, make_loop: MakeLoop) -> None:
    """The scale-out acts, but the problem stays proposed: that step fails. Nothing after it
    ran, so nothing is stranded: its own instance stays (undoing it would cut capacity)."""
    loop = _run(store, make_loop, [], stubborn=True)
    assert "compensate" not in [e.kind for e in loop.events]
    assert _records(store, OPS.ScaleOut) and _records(store, OPS.ScaleIn) == []
    assert any(str(i).startswith("urn:tier1:run:instance/") for i in _instances(store))


def test_a_plan_that_succeeds_undoes_nothing(store: GraphStore, make_loop: MakeLoop) -> None:
    loop = _run(store, make_loop, [])
    assert "compensate" not in [e.kind for e in loop.events]
    assert [p.state for p in load_plans(store)] == [PlanState.COMPLETED]
    assert _records(store, OPS.ScaleIn) == []
    assert any((i, RDF.type, OPS.Instance) in set(triples(store)) for i in _instances(store)
               if str(i).startswith("urn:tier1:run:instance/"))


def test_the_compensation_is_kept_with_the_plan(store: GraphStore, make_loop: MakeLoop) -> None:
    """The step's ops:compensatedBy is in the plan's RDF: the policy gate judges it with the
    plan, and a later process reads it back."""
    _run(store, make_loop, [FaultSpec(kind="fail", action=OPS.Restart, times=None)])
    plan = next(p for p in load_plans(store) if p.attempt == 0)
    step = plan.steps[0]
    assert (step.iri, OPS.compensatedBy, OPS.ScaleIn) in set(triples(store))
