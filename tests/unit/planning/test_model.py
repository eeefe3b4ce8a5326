"""Plans and goals round-trip through the store; scenario files are checked before running."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app
from engine.errors import ParseError, PlanningError, ScenarioError
from engine.planning import (
    GoalKind,
    PlanState,
    build_plan,
    goal_triples,
    load_goals,
    load_plan,
    make_goal,
)
from engine.planning._builder import Alternative
from engine.planning._rdf import plan_delta
from engine.planning._runner import build_world, scenario_files
from engine.planning._scenario import load_scenario
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import EX, OPS
from tests.unit.planning.conftest import REPO, estate

META = CommitMeta(author="t", message="m")


def test_a_plan_round_trips_through_the_store(store) -> None:
    estate(store)
    goal = make_goal(store, EX["checkout"])
    store.commit(Delta.of(goal_triples(goal)), META)
    plan = build_plan(store, goal, [Alternative(id="a", action=OPS.Rollback, target=EX.checkout,
                                                salience=5),
                                    Alternative(id="b", action=OPS.Restart, target=EX["checkout-2"],
                                                salience=9)])
    assert plan is not None
    assert [s.action for s in plan.steps] == [OPS.Restart, OPS.Rollback]  # by salience
    assert plan.steps[1].runbook == EX["rb-checkout-rollback"]  # the service's own runbook
    parked = plan.model_copy(update={"state": PlanState.AWAITING_APPROVAL, "reason": "why",
                                     "approver": EX.maria})
    store.commit(plan_delta(None, parked), META)
    back = load_plan(store, plan.iri)
    assert back is not None
    assert (back.state, back.reason, back.approver, back.key, back.goal) == (
        PlanState.AWAITING_APPROVAL, "why", EX.maria, plan.key, goal.iri)
    assert [(s.order, s.action, s.target, s.runbook) for s in back.steps] == [
        (s.order, s.action, s.target, s.runbook) for s in plan.steps]
    done = back.with_state(PlanState.COMPLETED, "done")
    store.commit(plan_delta(back, done), META)
    again = load_plan(store, plan.iri)
    assert again is not None and again.state is PlanState.COMPLETED and again.reason == "done"


def test_goals_are_deterministic_and_typed(store) -> None:
    estate(store)
    a, b = make_goal(store, EX.checkout), make_goal(store, EX.checkout, source="rule")
    assert a.iri == b.iri and a.kind is GoalKind.WITHIN_SLO
    store.commit(Delta.of(goal_triples(a)), META)
    assert [g.target for g in load_goals(store)] == [EX.checkout]
    with pytest.raises(PlanningError, match="not in the world"):
        make_goal(store, EX["nope"])


def test_every_bundled_scenario_parses_and_builds_its_world() -> None:
    files = scenario_files(REPO / "scenarios")
    assert len(files) >= 5
    for f in files:
        sc = load_scenario(f)
        world = build_world(sc)
        assert len(world) > 1000, f.name


def test_bad_scenarios_name_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\nstart = \n')
    with pytest.raises(ParseError, match=r"bad\.toml:2"):
        load_scenario(bad)
    bad.write_text('title = "x"\nstart = 2026-11-28T09:00:00Z\n[world]\n[expect]\noutcome = "fine"\n')
    with pytest.raises(ScenarioError, match=r"expect\.outcome"):
        load_scenario(bad)
    bad.write_text('title = "x"\nstart = 2026-11-28T09:00:00Z\n[world]\nturtle = "ex:a ex:b"\n'
                   '[expect]\noutcome = "resolved"\n')
    with pytest.raises(ScenarioError, match="turtle does not parse"):
        build_world(load_scenario(bad))
    bad.write_text('title = "x"\nstart = 2026-11-28T09:00:00Z\n[world]\nturtle = """\n'
                   'ex:a a ops:Service .\nex:b a ops:Service\nex:c a ops:Service .\n"""\n'
                   '[expect]\noutcome = "resolved"\n')
    with pytest.raises(ScenarioError) as err:  # one line, counted in the turtle's own lines
        build_world(load_scenario(bad))
    assert "line 3 of the turtle: expected '.'" in str(err.value)
    assert "\n" not in str(err.value) and "b'" not in str(err.value)
    bad.write_text('title = "x"\nstart = 2026-11-28T09:00:00Z\n[world]\n'
                   'turtle = "ex:a ops:minHealthyInstances \\"two\\"^^xsd:integer ."\n'
                   '[expect]\noutcome = "resolved"\n')
    with pytest.raises(ScenarioError, match=r'"two"\^\^xsd:integer: not a valid xsd:integer'):
        build_world(load_scenario(bad))


def test_cli_goal_add_list_and_plans(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    store = SqliteStore(db, create=True)
    estate(store)
    store.close()
    run = CliRunner().invoke
    r = run(app, ["--store", str(db), "goal", "add", "ex:checkout"])
    assert r.exit_code == 0 and "within_slo" in r.output, r.output
    r = run(app, ["--store", str(db), "goal", "list"])
    assert "ex:checkout" in r.output and "open" in r.output
    head = run(app, ["--store", str(db), "log", "-n", "1"]).output
    r = run(app, ["--store", str(db), "goal", "add", "ex:checkout"])  # again: no empty commit
    assert r.exit_code == 0 and "exists already (open); nothing written" in r.output, r.output
    assert run(app, ["--store", str(db), "log", "-n", "1"]).output == head
    r = run(app, ["--store", str(db), "goal", "add", "ex:nothing-here"])
    assert r.exit_code == 1 and "PlanningError" in r.output
    r = run(app, ["--store", str(db), "goal", "add", "ex:team-platform"])  # a team has no SLO
    assert r.exit_code == 1 and "ops:Team, not a service" in r.output, r.output
    for healable in ("ex:checkout-1", "ex:host-07", "ex:orders-db"):  # orders-db: a subclass's
        r = run(app, ["--store", str(db), "goal", "add", healable])
        assert r.exit_code == 0, r.output
    r = run(app, ["--store", str(db), "plans"])
    assert r.exit_code == 0 and "no plans" in r.output
    r = run(app, ["--store", str(db), "approve", "abc", "--as", "ex:chen"])
    assert r.exit_code == 1


def test_healable_classes_are_the_ontologys() -> None:
    import rdflib
    from rdflib import RDFS

    from engine.planning._goals import HEALABLE

    g = rdflib.Graph().parse(REPO / "ontology" / "ops.ttl")
    tops = (OPS.Service, OPS.Instance, OPS.Host)
    assert {c for t in tops for c in g.transitive_subjects(RDFS.subClassOf, t)} == HEALABLE
