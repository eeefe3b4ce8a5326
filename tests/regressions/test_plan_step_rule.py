"""Regression: a stored plan lost which rule proposed each step (`plans --format json` said
rule_id "" while `audit top-rules` knew it), and for a blocked plan, whose step never runs and
so gets no execution record, the proposing rule was recorded nowhere (QA pass 3, #4)."""

from __future__ import annotations

from pathlib import Path

from engine.planning import PlanState, load_plans
from engine.planning._runner import run_scenario
from engine.planning._scenario import load_scenario
from engine.planning._wiring import LoopSetup, real_ports
from engine.store import SqliteStore

REPO = Path(__file__).resolve().parents[2]


def test_a_blocked_plan_keeps_the_rule_that_proposed_its_step(tmp_path: Path) -> None:
    sc = load_scenario(REPO / "scenarios" / "freeze-crash-loop.toml")
    setup = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))
    store = SqliteStore(tmp_path / "w.db", create=True)
    assert run_scenario(store, sc, lambda st, s: real_ports(st, s, setup, s.start),
                        config=setup.config).passed
    plans = load_plans(store)  # read back from the store, as a later process would
    store.close()
    blocked = [p for p in plans if p.state is PlanState.BLOCKED]
    assert blocked
    step = blocked[0].steps[0]
    assert (step.rule_id, step.rule_version) == ("ops.restart-crashed-instance", "1")
